/**
 * 2303 预结算, 2304 结算, 2305 结算撤销, and the 2601 undo of 2304 and 2305.
 * The settlement is the shared engine's, as for the insurer's own claims
 * (recompute.ts): the uploaded lines, split by the gateway's catalogue and
 * added up per date, the person as the insurer knows them and its
 * accumulators (stays elsewhere included). A settlement moves the
 * accumulators; its cancellation moves them back.
 */
import { DeskError } from '../../../shared/errors.js';
import { negatedAmount } from '../../../shared/money.js';
import { beijingDateTime, beijingStamp } from '../../../shared/nhsa/envelope.js';
import { jsonNumber } from '../../../shared/nhsa/numbers.js';
import { SETL_AMOUNT_FIELDS } from '../../../shared/nhsa/transactions.js';
import type { YtdJson } from '../../../shared/engine/accumulators.js';
import type { CostLine } from '../../../shared/engine/cost-line.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import type { SettlementRequestWire } from '../../../shared/sync/protocol.js';
import type { Db } from '../../db.js';
import { accumulators, recordMoves, type Person } from '../../persons.js';
import { recompute, yearsOf } from '../../recompute.js';
import { gatewayId, refuse, type TxContext } from '../context.js';
import { admdvsOf, ageOn, birthDateOf, personById } from '../insured.js';
import { findSettlement, findStay, liveLines, money2, setStay, stayIn, sumOf, type StayRow } from '../state.js';
import { personOf, type Handler, type InputOf } from './types.js';

type Info = Record<string, string | null>;
type Detail = Record<string, string>;

/** setlinfo / setldetail fields written as JSON numbers. */
const NUMBER_FIELDS = new Set<string>([
  ...SETL_AMOUNT_FIELDS,
  'age',
  'hosp_part_amt',
  'balc',
  'acct_mulaid_pay',
  'hifdm_pay',
  'fund_payamt',
  'crt_payb_lmt_amt',
]);
const asOutput = (o: Record<string, string | null>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v !== null && NUMBER_FIELDS.has(k) ? jsonNumber(v) : v]));

interface Computed {
  person: Person;
  result: SettlementResult;
  before: YtdJson;
}

/** The engine on the stay's live lines, aggregated per date (a refund line counts on its original's date). */
function compute(ctx: TxContext, stay: StayRow, dischargeTime: string | null): Computed {
  const lines = liveLines(ctx.db, stay.mdtrt_id);
  if (lines.length === 0) refuse(`就诊ID ${stay.mdtrt_id} 没有有效的费用明细，不能结算`);
  const bySn = new Map(lines.map((l) => [l.feedetl_sn, l]));
  const days = new Map<string, typeof lines>();
  for (const l of lines) {
    const date = (bySn.get(l.init_feedetl_sn) ?? l).fee_ocur_time.slice(0, 10);
    days.set(date, [...(days.get(date) ?? []), l]);
  }
  const costs: CostLine[] = [...days.keys()].sort().map((date) => {
    const ls = days.get(date)!;
    return {
      date,
      medfee_sumamt: money2(sumOf(ls, 'det_item_fee_sumamt')),
      fulamt_ownpay_amt: money2(sumOf(ls, 'fulamt_ownpay_amt')),
      overlmt_selfpay: money2(sumOf(ls, 'overlmt_amt')),
      preselfpay_amt: money2(sumOf(ls, 'preselfpay_amt')),
    };
  });
  const person = personById(ctx.db, stay.person_id);
  const lastFee = costs[costs.length - 1]!.date;
  const admission = stay.begntime.slice(0, 10);
  const wire: SettlementRequestWire = {
    region: person.region,
    insured: {
      scheme: person.scheme,
      retired: person.retired,
      medical_assistance: person.medical_assistance,
      enrolled: person.enrolled,
      suspended_years: person.suspended_years,
    },
    hospital_level: ctx.account.hospital_level,
    admission_date: admission,
    discharge_date: dischargeTime ? dischargeTime.slice(0, 10) : lastFee > admission ? lastFee : admission,
    costs,
  };
  const before = accumulators(ctx.db, person.id, yearsOf(wire));
  try {
    return { person, result: recompute(person, wire, before, ctx.rules()), before };
  } catch (e) {
    if (!(e instanceof DeskError)) throw e;
    return refuse(`结算计算失败：${e.body.field ? `${e.body.field} ` : ''}${e.body.message}`);
  }
}

function setlinfoOf(ctx: TxContext, stay: StayRow, c: Computed, certType: string, setl: Info): Info {
  const { person, result: r } = c;
  const brdy = birthDateOf(person.id_number);
  const amounts = Object.fromEntries(SETL_AMOUNT_FIELDS.map((f) => [f, r[f]]));
  return {
    mdtrt_id: stay.mdtrt_id,
    ...setl,
    psn_no: stay.psn_no,
    psn_name: person.name,
    psn_cert_type: '01',
    certno: person.id_number,
    gend: person.gender === 'F' ? '2' : person.gender === 'M' ? '1' : '9',
    naty: '01',
    brdy,
    age: `${ageOn(brdy, beijingDateTime(ctx.now).slice(0, 10))}.0`,
    insutype: stay.insutype,
    psn_type: person.scheme === 'resident' ? '15' : person.retired ? '12' : '11',
    cvlserv_flag: '0',
    mdtrt_cert_type: certType,
    med_type: stay.med_type,
    ...amounts,
    hosp_part_amt: '0.00',
    balc: '0.00',
    acct_mulaid_pay: '0.00',
    medins_setl_id: ctx.envelope.msgid,
    clr_optins: admdvsOf(person),
    clr_way: '1',
    clr_type: '21',
  };
}

/** One line per paying fund, with the fund_pay_type and name the rule package gives its layer. */
function setldetailOf(r: SettlementResult): Detail[] {
  return r.fund_details
    .filter((f) => f.amount !== '0.00')
    .map((f) => ({
      fund_pay_type: f.fund_pay_type,
      fund_pay_type_name: f.name,
      inscp_scp_amt: r.inscp_scp_amt,
      crt_payb_lmt_amt: '0.00',
      fund_payamt: f.amount,
      setl_proc_info: '',
    }));
}

/** What 2303 and 2304 check before settling: the stay, insutype, the certificate, the bill's total. */
function settleable(ctx: TxContext, d: InputOf<'2304'>['data'], states: StayRow['status'][]): StayRow {
  const { person, psnNo } = personOf(ctx);
  const stay = stayIn(ctx.db, ctx.account.paasid, d.mdtrt_id, psnNo, ...states);
  if (d.insutype !== stay.insutype) refuse(`险种类型 insutype ${d.insutype} 与入院登记（${stay.insutype}）不符`);
  if (d.mdtrt_cert_type === '02' && d.mdtrt_cert_no.toUpperCase() !== person.id_number)
    refuse('就诊凭证编号 mdtrt_cert_no 与人员证件号码不符');
  if (d.mid_setl_flag === '1') refuse('不支持中途结算（mid_setl_flag=1）');
  const total = money2(sumOf(liveLines(ctx.db, stay.mdtrt_id), 'det_item_fee_sumamt'));
  if (d.medfee_sumamt !== total)
    refuse(`医疗费总额 medfee_sumamt ${d.medfee_sumamt} 与已上传费用明细合计 ${total} 不符`);
  return stay;
}

export const preSettle: Handler<'2303'> = (ctx, input) => {
  const stay = settleable(ctx, input.data, ['admitted', 'discharged']);
  const c = compute(ctx, stay, stay.endtime);
  const setlinfo = setlinfoOf(ctx, stay, c, input.data.mdtrt_cert_type, {});
  return { output: { setlinfo: asOutput(setlinfo), setldetail: setldetailOf(c.result).map(asOutput) } };
};

export const settle: Handler<'2304'> = (ctx, input) => {
  const stay = settleable(ctx, input.data, ['discharged']);
  const c = compute(ctx, stay, stay.endtime);
  const setlId = gatewayId(ctx.account.mdtrtarea_admvs, beijingStamp(ctx.now), ctx.requestId);
  const setlinfo = setlinfoOf(ctx, stay, c, input.data.mdtrt_cert_type, {
    setl_id: setlId,
    setl_time: beijingDateTime(ctx.now),
  });
  const setldetail = setldetailOf(c.result);
  const at = ctx.now.toISOString();
  ctx.db
    .prepare(
      `INSERT INTO nhsa_settlements (setl_id, mdtrt_id, psn_no, person_id, msgid, request_id, status, medfee_sumamt, fund_pay_sumamt, psn_cash_pay,
         setlinfo, setldetail, ytd_before, ytd_after, settled_at) VALUES (?, ?, ?, ?, ?, ?, 'settled', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      setlId,
      stay.mdtrt_id,
      stay.psn_no,
      c.person.id,
      ctx.envelope.msgid,
      ctx.requestId,
      c.result.medfee_sumamt,
      c.result.fund_pay_sumamt,
      c.result.psn_cash_pay,
      JSON.stringify(setlinfo),
      JSON.stringify(setldetail),
      JSON.stringify(c.before),
      JSON.stringify(c.result.ytd_after),
      at,
    );
  recordMoves(ctx.db, c.person.id, c.before, c.result.ytd_after, 'claim', null, at);
  setStay(ctx.db, stay.mdtrt_id, 'settled');
  return {
    output: { setlinfo: asOutput(setlinfo), setldetail: setldetail.map(asOutput) },
    undo: { kind: 'settle', setl_id: setlId },
  };
};

/**
 * `back` naming every year and layer of `from` (empty where it has none). movements() compares only the layers of
 * its `after`: moving back to the state before a settlement must name the layers the settlement added (a first
 * 大额 base, say), or their movement would stay at the platform after the cancellation.
 */
function covering(back: YtdJson, from: YtdJson): YtdJson {
  const out: YtdJson = {};
  for (const year of new Set([...Object.keys(from), ...Object.keys(back)]))
    out[year] = {
      ...Object.fromEntries(Object.keys(from[year] ?? {}).map((layer) => [layer, {}])),
      ...back[year],
    };
  return out;
}

/** Cancels a settlement: status, accumulators back, the stay discharged again (ready for 2304 or 2405). */
function cancel(db: Db, setlId: string, requestId: number, cancelSetlId: string | null, at: string): void {
  const s = findSettlement(db, setlId)!;
  db.prepare(
    "UPDATE nhsa_settlements SET status = 'cancelled', cancel_setl_id = ?, cancelled_by = ?, cancelled_at = ? WHERE setl_id = ?",
  ).run(cancelSetlId, requestId, at, setlId);
  const after = JSON.parse(s.ytd_after) as YtdJson;
  recordMoves(db, s.person_id, after, covering(JSON.parse(s.ytd_before) as YtdJson, after), 'reversal', null, at);
  setStay(db, s.mdtrt_id, 'discharged');
}

export const cancelSettlement: Handler<'2305'> = (ctx, input) => {
  const d = input.data;
  const { psnNo } = personOf(ctx);
  const s = findSettlement(ctx.db, d.setl_id);
  const stay = s ? findStay(ctx.db, s.mdtrt_id) : undefined;
  if (!s || !stay || stay.paasid !== ctx.account.paasid || s.mdtrt_id !== d.mdtrt_id || s.psn_no !== psnNo)
    refuse(`结算ID setl_id ${d.setl_id} 不存在（或不属于该就诊与人员）`);
  if (s.status === 'cancelled') refuse(`结算ID setl_id ${d.setl_id} 已撤销，不能重复撤销`);
  const cancelSetlId = gatewayId(ctx.account.mdtrtarea_admvs, beijingStamp(ctx.now), ctx.requestId);
  cancel(ctx.db, s.setl_id, ctx.requestId, cancelSetlId, ctx.now.toISOString());

  const original = JSON.parse(s.setlinfo) as Info;
  const negate = (o: Record<string, string | null>) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, v !== null && NUMBER_FIELDS.has(k) && k !== 'age' ? negatedAmount(v) : v]),
    );
  const setlinfo = {
    ...negate(original),
    setl_id: cancelSetlId,
    setl_time: beijingDateTime(ctx.now),
    medins_setl_id: ctx.envelope.msgid,
    hifdm_pay: '0.00',
  };
  const setldetail = (JSON.parse(s.setldetail) as Detail[]).map(negate);
  return {
    output: { setlinfo: asOutput(setlinfo), setldetail: setldetail.map(asOutput) },
    undo: { kind: 'cancel', setl_id: s.setl_id },
  };
};

/** 2601 of a 2304: the settlement is cancelled (refused when a 2305 already cancelled it). */
export function reverseSettle(db: Db, setlId: string, requestId: number, at: string): void {
  const s = findSettlement(db, setlId)!;
  if (s.status === 'cancelled') refuse(`原结算 ${setlId} 已撤销（2305），请先冲正撤销交易`);
  cancel(db, setlId, requestId, null, at);
}

/** 2601 of a 2305: the settlement is restored, with its accumulator movement, unless the stay moved on. */
export function reverseCancel(db: Db, setlId: string, cancelRequestId: number, at: string): void {
  const s = findSettlement(db, setlId)!;
  const stay = findStay(db, s.mdtrt_id)!;
  if (s.status !== 'cancelled' || s.cancelled_by !== cancelRequestId || stay.status !== 'discharged')
    refuse(`结算 ${setlId} 撤销后就诊已变更，不能冲正撤销交易`);
  db.prepare(
    "UPDATE nhsa_settlements SET status = 'settled', cancel_setl_id = NULL, cancelled_by = NULL, cancelled_at = NULL WHERE setl_id = ?",
  ).run(setlId);
  recordMoves(
    db,
    s.person_id,
    JSON.parse(s.ytd_before) as YtdJson,
    JSON.parse(s.ytd_after) as YtdJson,
    'claim',
    null,
    at,
  );
  setStay(db, s.mdtrt_id, 'settled');
}
