/**
 * The offline queue drained through the national transactions, exactly once
 * (docs/nhsa.md §7): per queued settlement 9001 (once per sign-in) → 1101
 * (psn_no) → 2401 (unless the HIS brought mdtrt_id) → 2301 in batches → 2402
 * → 2304; per reversal 2305. Every request is journaled before it leaves and
 * its answer applied with its effects in one transaction (journal.ts). A
 * request whose outcome is unknown is resolved before anything else of its
 * record: 2601 冲正 for 2401/2402/2304/2305 (then the step again with a new
 * msgid), 2302 "0000" for a fee batch (then the lines again), a plain retry
 * for 9001/1101. Never the same request twice.
 */
import { REVERSIBLE, jsonNumber, type Infno } from '../../../../shared/nhsa/index.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import type { DeskService } from '../../services/desk-service.js';
import type { OutboxRow, PushResult } from '../../services/outbox.js';
import { UnknownOutcome, type NhsaClient, type Output, type Prepared, type Sender } from './client.js';
import type { NhsaJournal, Stay } from './journal.js';
import { answerFor, packageFundCodes, platformAmounts, terminalAmounts } from './platform-split.js';
import type { FeeLine } from '../../../../shared/fee-lines.js';
import { queuedSettlement, type QueuedSettlement } from './record.js';

export interface NhsaContext {
  service: DeskService;
  journal: NhsaJournal;
  client: NhsaClient;
  config: NhsaConfig;
  now: () => Date;
  /** sign_no from 9001, kept while the gateway accepts it. */
  session: { signNo: string | null };
}

/** The gateway refused (infcode -1): the record waits for a person, with the gateway's words. */
class Held extends Error {}
/** The gateway says sign_no is no longer valid: sign in again and go on. */
class SignInAgain extends Error {}

const MED_TYPE_INPATIENT = '21'; // 普通住院
const CERT_ID_CARD = '02'; // 居民身份证

type Apply<I extends Infno> = (output: Output<I>, p: Prepared & { stepId: number }) => void;

async function call<I extends Infno>(
  x: NhsaContext,
  row: OutboxRow,
  infno: I,
  input: Record<string, unknown>,
  sender: Sender,
  apply: Apply<I>,
  checks: {
    /** A refusal that still settles the question (2601/2302 of something the platform does not have). */
    resolvedBy?: (errMsg: string) => (() => void) | null;
    /**
     * Whether a valid-looking answer is the answer to THIS request (it does not echo our msgid): a
     * replayed or misrouted one is an unknown outcome, resolved like any other.
     */
    belongs?: (output: Output<I>, p: Prepared) => string | null;
  } = {},
): Promise<void> {
  if (infno !== '9001' && !x.session.signNo) await signIn(x, row, sender);
  const p = x.journal.begin(row.id, infno, (msgid) =>
    x.client.prepare(infno, msgid, input, sender, infno === '9001' ? '' : x.session.signNo!),
  );
  let answer;
  try {
    answer = await x.client.send(p);
  } catch (e) {
    // 9001, 1101, 2303 change nothing at the platform: their outcome needs no resolving.
    if (e instanceof UnknownOutcome && !REVERSIBLE.has(infno) && infno !== '2301' && infno !== '2302')
      x.journal.mark(p.stepId, 'unknown', e.message);
    throw e;
  }
  if (answer.kind === 'refused') {
    const msg = answer.errMsg;
    const settled = checks.resolvedBy?.(msg) ?? null;
    x.journal.answered(p.stepId, -1, msg, null, () => settled?.());
    if (settled) return;
    if (x.config.phrases.sign_no_invalid.some((ph) => msg.includes(ph))) {
      x.session.signNo = null;
      throw new SignInAgain(msg);
    }
    throw new Held(`${infno}：${msg}`);
  }
  const ok = answer;
  const foreign = checks.belongs?.(ok.output as Output<I>, p) ?? null;
  if (foreign) throw new UnknownOutcome(`${infno}: the answer is not this request's (${foreign})`, 'answer');
  x.journal.answered(p.stepId, 0, null, ok.outputText, () => apply(ok.output as Output<I>, p));
}

async function signIn(x: NhsaContext, row: OutboxRow, sender: Sender): Promise<void> {
  await call(x, row, '9001', { signIn: { opter_no: sender.opter, mac: '', ip: '' } }, sender, (o) => {
    x.session.signNo = o.signinoutb.sign_no;
  });
}

const notFound = (x: NhsaContext, msg: string) => x.config.phrases.original_not_found.some((ph) => msg.includes(ph));

/** Settles every request of this record whose outcome is unknown, before anything new is sent for it. */
async function resolveUnknown(x: NhsaContext, row: OutboxRow, stay: Stay, sender: Sender): Promise<void> {
  for (const s of x.journal.unresolved(row.id)) {
    const done = () => x.journal.mark(s.id, 'reversed');
    if (s.infno === '2601' || s.infno === '2302') {
      // An unanswered 冲正 or 撤销: a new one is sent for the original (a repeated 2601 is answered the same).
      x.journal.mark(s.id, 'unknown', 'superseded');
    } else if (s.infno === '2301') {
      // The batch may or may not be there: clear the stay's lines and upload them all again.
      const input = { data: [{ feedetl_sn: '0000', mdtrt_id: stay.mdtrt_id!, psn_no: stay.psn_no! }] };
      const cleared = () => {
        x.journal.cancelAllUploaded(row.id);
        done();
      };
      await call(x, row, '2302', input, sender, cleared, { resolvedBy: (m) => (notFound(x, m) ? cleared : null) });
    } else if (REVERSIBLE.has(s.infno)) {
      const input = { data: { psn_no: stay.psn_no!, omsgid: s.msgid, oinfno: s.infno } };
      await call(x, row, '2601', input, sender, done, { resolvedBy: (m) => (notFound(x, m) ? done : null) });
    } else {
      x.journal.mark(s.id, 'unknown');
    }
  }
}

const feeLineInput = (l: FeeLine, stay: Stay) => ({
  feedetl_sn: l.feedetl_sn,
  init_feedetl_sn: l.init_feedetl_sn,
  mdtrt_id: stay.mdtrt_id!,
  drord_no: '',
  psn_no: stay.psn_no!,
  med_type: MED_TYPE_INPATIENT,
  fee_ocur_time: l.fee_ocur_time,
  med_list_codg: l.med_list_codg,
  medins_list_codg: l.medins_list_codg,
  det_item_fee_sumamt: jsonNumber(l.det_item_fee_sumamt),
  cnt: jsonNumber(l.cnt),
  pric: jsonNumber(l.pric),
  bilg_dept_codg: l.bilg_dept_codg,
  bilg_dept_name: l.bilg_dept_name,
  bilg_dr_codg: l.bilg_dr_codg,
  bilg_dr_name: l.bilg_dr_name,
  hosp_appr_flag: '',
});

const latest = (rec: QueuedSettlement) =>
  rec.lines.reduce((t, l) => (l.fee_ocur_time > t ? l.fee_ocur_time : t), `${rec.discharge} 00:00:00`);

async function drainSettlement(x: NhsaContext, row: OutboxRow, result: PushResult): Promise<void> {
  const rec = queuedSettlement(x.service, row.ref_id);
  if (rec.lines.length === 0)
    throw new Held('本结算没有费用明细，不能经国家医保接口上传（2301 须逐项上传；请按医保经办机构要求补传）');
  const sender: Sender = { opter: rec.operator.code, opter_name: rec.operator.name, insuplc_admdvs: '' };
  const j = x.journal;
  let stay = j.stay(row.id);
  const withPsn = (): Sender => ({ ...sender, insuplc_admdvs: stay.insuplc_admdvs ?? '' });
  await resolveUnknown(x, row, stay, withPsn());

  if (!stay.psn_no) {
    const input = {
      data: {
        mdtrt_cert_type: CERT_ID_CARD,
        mdtrt_cert_no: rec.idNumber,
        card_sn: '',
        begntime: '',
        psn_cert_type: '01',
        certno: rec.idNumber,
        psn_name: rec.personName,
      },
    };
    await call(
      x,
      row,
      '1101',
      input,
      sender,
      (o) => {
        // The stay's insurance: the scheme the record was settled under (310 职工 / 390 居民), else the first.
        const wanted = rec.scheme === 'employee' ? '310' : '390';
        const insu = o.insuinfo.find((i) => i.insutype === wanted) ?? o.insuinfo[0]!;
        j.updateStay(row.id, {
          psn_no: o.baseinfo.psn_no,
          insutype: insu.insutype,
          insuplc_admdvs: insu.insuplc_admdvs,
        });
      },
      { belongs: (o) => (o.baseinfo.certno && o.baseinfo.certno !== rec.idNumber ? 'another person' : null) },
    );
    stay = j.stay(row.id);
  }
  if (!stay.mdtrt_id) {
    if (rec.mdtrtId) {
      const mdtrt_id = rec.mdtrtId;
      x.service.db.transaction(() => j.updateStay(row.id, { mdtrt_id }))();
    } else {
      const input = {
        mdtrtinfo: {
          psn_no: stay.psn_no!,
          insutype: stay.insutype!,
          begntime: `${rec.admission} 00:00:00`,
          mdtrt_cert_type: CERT_ID_CARD,
          mdtrt_cert_no: rec.idNumber,
          med_type: MED_TYPE_INPATIENT,
          ipt_no: rec.stay.inpatient_no || rec.number,
          atddr_no: '',
          chfpdr_name: '',
          adm_diag_dscr: rec.stay.diagnosis,
          adm_dept_codg: rec.lines[0]!.bilg_dept_codg,
          adm_dept_name: rec.lines[0]!.bilg_dept_name,
          adm_bed: rec.stay.bed,
          dscg_maindiag_code: '',
          dscg_maindiag_name: rec.stay.diagnosis,
        },
        diseinfo: [],
      };
      await call(x, row, '2401', input, withPsn(), (o) => j.updateStay(row.id, { mdtrt_id: o.result.mdtrt_id }));
    }
    stay = j.stay(row.id);
  }

  const uploaded = j.uploaded(row.id);
  const todo = rec.lines.filter((l) => !uploaded.has(l.feedetl_sn));
  for (let i = 0; i < todo.length; i += x.config.batch_size) {
    const batch = todo.slice(i, i + x.config.batch_size);
    const input = { feedetail: batch.map((l) => feeLineInput(l, stay)) };
    const sent = batch
      .map((l) => l.feedetl_sn)
      .sort()
      .join(',');
    await call(x, row, '2301', input, withPsn(), (o, p) => j.recordUploaded(row.id, p.stepId, o.result), {
      belongs: (o) =>
        o.result
          .map((r) => r.feedetl_sn)
          .sort()
          .join(',') === sent
          ? null
          : 'other fee lines',
    });
  }

  if (!stay.discharged) {
    const last = rec.lines[rec.lines.length - 1]!;
    const input = {
      dscginfo: {
        mdtrt_id: stay.mdtrt_id!,
        psn_no: stay.psn_no!,
        insutype: stay.insutype!,
        endtime: latest(rec),
        dscg_way: '1',
        dscg_dept_codg: last.bilg_dept_codg,
        dscg_dept_name: last.bilg_dept_name,
      },
      diseinfo: [],
    };
    await call(x, row, '2402', input, withPsn(), () => j.updateStay(row.id, { discharged: 1 }));
    stay = j.stay(row.id);
  }

  const r = rec.result;
  const input = {
    data: {
      psn_no: stay.psn_no!,
      mdtrt_cert_type: CERT_ID_CARD,
      mdtrt_cert_no: rec.idNumber,
      medfee_sumamt: jsonNumber(r.medfee_sumamt),
      psn_setlway: '01',
      mdtrt_id: stay.mdtrt_id!,
      insutype: stay.insutype!,
      acct_used_flag: '0',
      invono: '',
      mid_setl_flag: '0',
      fulamt_ownpay_amt: jsonNumber(r.fulamt_ownpay_amt),
      overlmt_selfpay: jsonNumber(r.overlmt_selfpay),
      preselfpay_amt: jsonNumber(r.preselfpay_amt),
      inscp_scp_amt: jsonNumber(r.inscp_scp_amt),
    },
  };
  const codes = packageFundCodes(x.service.rules.ruleSet(), rec.region);
  await call(
    x,
    row,
    '2304',
    input,
    withPsn(),
    (o, p) => {
      j.recordSettlement(row.id, {
        setl_id: o.setlinfo.setl_id,
        mdtrt_id: o.setlinfo.mdtrt_id,
        psn_no: o.setlinfo.psn_no,
        msgid: p.msgid,
        setlinfo: JSON.stringify(o.setlinfo),
        setldetail: JSON.stringify(o.setldetail),
      });
      const answer = answerFor(
        row.idempotency_key,
        o.setlinfo.setl_id,
        terminalAmounts(r),
        platformAmounts(o, codes),
        x.now(),
      );
      x.service.outbox.applyAnswers([row], [answer], x.now().toISOString(), result);
    },
    { belongs: (o, p) => settlementProblem(o, stay, p) },
  );
  result.sent++;
}

/** A settlement answer is ours when it names our stay and person (and our msgid, where it carries medins_setl_id). */
function settlementProblem(
  o: Output<'2304'>,
  stay: { mdtrt_id: string | null; psn_no: string | null },
  p: Prepared,
): string | null {
  if (o.setlinfo.mdtrt_id !== stay.mdtrt_id || o.setlinfo.psn_no !== stay.psn_no) return 'another stay';
  if (o.setlinfo.medins_setl_id && o.setlinfo.medins_setl_id !== p.msgid) return 'another request';
  return null;
}

async function drainReversal(x: NhsaContext, row: OutboxRow, result: PushResult): Promise<void> {
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
  const stay = x.journal.stay(original.id);
  const sender: Sender = { opter: who.code, opter_name: who.name, insuplc_admdvs: stay.insuplc_admdvs ?? '' };
  await resolveUnknown(x, row, stay, sender);
  const input = { data: { mdtrt_id: platform.mdtrt_id, setl_id: platform.setl_id, psn_no: platform.psn_no } };
  await call(
    x,
    row,
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

/** Drains the queue until it is empty or an exchange's outcome is unknown (thrown: the caller backs off). */
export async function drainNhsa(x: NhsaContext): Promise<PushResult> {
  const result: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };
  let signIns = 0;
  for (;;) {
    const row = x.service.outbox.pending(1)[0];
    if (!row) return result;
    try {
      if (row.kind === 'manual_claim')
        throw new Held('手工报销不经国家医保定点医药机构接口上传：请按医保经办机构的要求报送');
      if (row.kind === 'settlement') await drainSettlement(x, row, result);
      else await drainReversal(x, row, result);
    } catch (e) {
      if (e instanceof Held) {
        x.service.outbox.hold([row.id], e.message, x.now().toISOString());
        result.held++;
      } else if (e instanceof SignInAgain && ++signIns <= 3) {
        continue;
      } else {
        (e as { partial?: PushResult }).partial = result;
        throw e;
      }
    }
  }
}
