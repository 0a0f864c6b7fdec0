/**
 * A reversal (结算撤销) through the national transactions (docs/nhsa.md §7.4):
 * 2305 of the original's settlement, journaled on the original's stay.
 */
import type { OutboxRow, PushResult } from '../../services/outbox.js';
import type { Sender } from './client.js';
import { Held, call, resolveUnknown, type NhsaContext } from './exchange.js';

export async function drainReversal(x: NhsaContext, row: OutboxRow, result: PushResult): Promise<void> {
  const { reverses } = JSON.parse(row.payload) as { reverses: string };
  const db = x.service.db;
  const original = db.prepare('SELECT id FROM outbox WHERE idempotency_key = ?').get(reverses) as
    { id: number } | undefined;
  const platform = original ? x.journal.settlementOf(original.id) : null;
  if (!original || !platform)
    throw new Held(`原结算 ${reverses} 尚未在国家医保平台结算，冲销不能上传（原结算处理后再放行）`);
  const who = db
    .prepare('SELECT op.code, op.name FROM settlements s JOIN operators op ON op.id = s.operator_id WHERE s.id = ?')
    .get(row.ref_id) as { code: string; name: string };
  const stay = x.journal.stayOf(original.id);
  const owner = { stay: stay.id, outbox: row.id };
  const sender: Sender = { opter: who.code, opter_name: who.name, insuplc_admdvs: stay.insuplc_admdvs ?? '' };
  await resolveUnknown(x, owner, stay, sender);
  const input = { data: { mdtrt_id: platform.mdtrt_id, setl_id: platform.setl_id, psn_no: platform.psn_no } };
  await call(
    x,
    owner,
    '2305',
    input,
    sender,
    (o, p) => {
      x.journal.recordSettlement(row.id, {
        setl_id: o.setlinfo.setl_id,
        mdtrt_id: o.setlinfo.mdtrt_id,
        psn_no: o.setlinfo.psn_no,
        msgid: p.msgid,
        setlinfo: JSON.stringify(o.setlinfo),
        setldetail: JSON.stringify(o.setldetail),
      });
      const s = o.setlinfo;
      const answer = {
        status: 'accepted' as const,
        idempotency_key: row.idempotency_key,
        claim_id: s.setl_id,
        reverses,
        insurer: {
          medfee_sumamt: s.medfee_sumamt,
          fund_pay_sumamt: s.fund_pay_sumamt,
          psn_cash_pay: s.psn_cash_pay,
          funds: {},
        },
        answered_at: x.now().toISOString(),
      };
      x.service.outbox.applyAnswers([row], [answer], x.now().toISOString(), result);
    },
    {
      belongs: (o) =>
        o.setlinfo.mdtrt_id === platform.mdtrt_id && o.setlinfo.psn_no === platform.psn_no ? null : 'another stay',
    },
  );
  result.sent++;
}
