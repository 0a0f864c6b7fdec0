/**
 * 2301 住院费用明细上传 (each line split with the gateway's own catalogue and
 * answered per line) and 2302 住院费用明细撤销 (a list of feedetl_sn, or "0000"
 * for every line of the stay; only while the stay is admitted: refused once
 * discharged or settled, and on a void stay with ALREADY_UNDONE's words).
 */
import { Decimal, toCents } from '../../../shared/money.js';
import { fromBeijingDateTime } from '../../../shared/nhsa/envelope.js';
import { jsonNumber } from '../../../shared/nhsa/numbers.js';
import { catalogueItem, splitLine } from '../catalogue.js';
import { refuse } from '../context.js';
import { money2, stayIn, stayToUndo, type FeeLineRow } from '../state.js';
import { personOf, type Handler } from './types.js';

const CLOCK_SLACK_MS = 300_000;
const CENT = new Decimal('0.01');

function liveLine(db: Parameters<Handler<'2301'>>[0]['db'], mdtrtId: string, sn: string): FeeLineRow | undefined {
  return db
    .prepare('SELECT * FROM nhsa_fee_lines WHERE mdtrt_id = ? AND feedetl_sn = ? AND cancelled_by IS NULL')
    .get(mdtrtId, sn) as FeeLineRow | undefined;
}

export const uploadFees: Handler<'2301'> = (ctx, input) => {
  const { psnNo } = personOf(ctx);
  const insert = ctx.db.prepare(
    `INSERT INTO nhsa_fee_lines (mdtrt_id, feedetl_sn, init_feedetl_sn, fee_ocur_time, med_list_codg, medins_list_codg, det_item_fee_sumamt, cnt, pric,
       fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const result = input.feedetail.map((line) => {
    const sn = line.feedetl_sn;
    const stay = stayIn(ctx.db, ctx.account.paasid, line.mdtrt_id, psnNo, 'admitted');
    if (liveLine(ctx.db, stay.mdtrt_id, sn))
      refuse(`费用明细流水号 feedetl_sn ${sn} 重复（就诊ID ${stay.mdtrt_id} 内已上传）`);
    const at = fromBeijingDateTime(line.fee_ocur_time)!;
    if (line.fee_ocur_time.slice(0, 10) < stay.begntime.slice(0, 10))
      refuse(`费用明细 ${sn}：费用发生时间 ${line.fee_ocur_time} 早于入院时间 ${stay.begntime}`);
    if (at.getTime() > ctx.now.getTime() + CLOCK_SLACK_MS)
      refuse(`费用明细 ${sn}：费用发生时间 ${line.fee_ocur_time} 晚于当前时间`);

    const amount = new Decimal(line.det_item_fee_sumamt);
    const cnt = new Decimal(line.cnt);
    const pric = new Decimal(line.pric);
    const product = toCents(cnt.times(pric));
    if (product.minus(amount).abs().greaterThan(CENT))
      refuse(`费用明细 ${sn}：明细项目费用总额 ${line.det_item_fee_sumamt} 与 数量×单价 ${money2(product)} 不符`);
    if (pric.isNegative()) refuse(`费用明细 ${sn}：单价不能为负数`);
    if (cnt.isNegative()) {
      // 退单: a negative line against a line of the same stay, never more than is left of it.
      const original = line.init_feedetl_sn ? liveLine(ctx.db, stay.mdtrt_id, line.init_feedetl_sn) : undefined;
      if (!original || new Decimal(original.cnt).isNegative())
        refuse(`费用明细 ${sn}：退费明细须以 init_feedetl_sn 指明本次就诊已上传的原明细`);
      const refunded = ctx.db
        .prepare(
          'SELECT det_item_fee_sumamt FROM nhsa_fee_lines WHERE mdtrt_id = ? AND init_feedetl_sn = ? AND cancelled_by IS NULL',
        )
        .all(stay.mdtrt_id, original.feedetl_sn) as { det_item_fee_sumamt: string }[];
      const left = refunded.reduce((s, r) => s.plus(r.det_item_fee_sumamt), new Decimal(original.det_item_fee_sumamt));
      if (left.plus(amount).isNegative())
        refuse(`费用明细 ${sn}：退费金额超过原明细 ${original.feedetl_sn} 的剩余金额`);
    }

    const item = catalogueItem(line.med_list_codg);
    const split = splitLine(item, amount, cnt, pric);
    insert.run(
      stay.mdtrt_id,
      sn,
      line.init_feedetl_sn,
      line.fee_ocur_time,
      line.med_list_codg,
      line.medins_list_codg,
      line.det_item_fee_sumamt,
      line.cnt,
      line.pric,
      money2(split.fulamt_ownpay_amt),
      money2(split.overlmt_amt),
      money2(split.preselfpay_amt),
      money2(split.inscp_scp_amt),
      ctx.requestId,
    );
    return {
      feedetl_sn: sn,
      det_item_fee_sumamt: jsonNumber(line.det_item_fee_sumamt),
      cnt: jsonNumber(line.cnt),
      pric: jsonNumber(line.pric),
      pric_uplmt_amt: item.pric_uplmt_amt === null ? null : jsonNumber(new Decimal(item.pric_uplmt_amt).toFixed(6)),
      selfpay_prop: jsonNumber(new Decimal(item.selfpay_prop).toFixed(4)),
      fulamt_ownpay_amt: jsonNumber(money2(split.fulamt_ownpay_amt)),
      overlmt_amt: jsonNumber(money2(split.overlmt_amt)),
      preselfpay_amt: jsonNumber(money2(split.preselfpay_amt)),
      inscp_scp_amt: jsonNumber(money2(split.inscp_scp_amt)),
      chrgitm_lv: item.chrgitm_lv,
      med_chrgitm_type: item.med_chrgitm_type,
      lmt_used_flag: item.pric_uplmt_amt === null ? '0' : '1',
      memo: item.known ? '' : '目录外编码，按甲类全额纳入范围',
    };
  });
  return { output: { result } };
};

export const cancelFees: Handler<'2302'> = (ctx, input) => {
  const { psnNo } = personOf(ctx);
  const cancel = ctx.db.prepare('UPDATE nhsa_fee_lines SET cancelled_by = ? WHERE id = ?');
  for (const d of input.data) {
    // Like 2301, only while admitted: a discharged stay's lines are what 2402 closed (2405 first).
    const stay = stayToUndo(ctx.db, ctx.account.paasid, d.mdtrt_id, psnNo, 'admitted');
    if (d.feedetl_sn === '0000') {
      // Every live line of the stay, none at all included: a second "0000" changes nothing and is answered 0.
      ctx.db
        .prepare('UPDATE nhsa_fee_lines SET cancelled_by = ? WHERE mdtrt_id = ? AND cancelled_by IS NULL')
        .run(ctx.requestId, stay.mdtrt_id);
      continue;
    }
    const line = liveLine(ctx.db, stay.mdtrt_id, d.feedetl_sn);
    if (!line) refuse(`费用明细流水号 feedetl_sn ${d.feedetl_sn} 不存在（就诊ID ${stay.mdtrt_id}）`);
    cancel.run(ctx.requestId, line.id);
  }
  return { output: {} };
};
