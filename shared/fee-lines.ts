/**
 * Item-level bills (费用明细, docs/bill-import.md): the HIS's fee lines in the
 * national field names of 2301 (docs/nhsa.md §4), with the HIS's self-pay
 * split per line. One schema for a line, the checks across the lines of a
 * bill, and the ONE aggregation into the engine's per-date cost lines
 * (CostLine), used by the bill import, the window's contract and the
 * settlement service alike. Amounts stay decimal strings and are added with
 * decimal.js only.
 */
import { z } from 'zod';
import { Decimal, formatSigned, type Money } from './money.js';
import { fromBeijingDateTime } from './nhsa/envelope.js';
import { COST_AMOUNT_FIELDS, type CostLine } from './engine/cost-line.js';
import type { ErrorCode } from './errors.js';

/** At most this many fee lines in one bill. */
export const MAX_BILL_FEE_LINES = 2000;

/** One fee line as the desk keeps it (defaults applied: '' = not given). */
export interface FeeLine {
  /** 费用明细流水号, unique within the bill (and so within the stay). */
  feedetl_sn: string;
  /** 原费用流水号: on a refund line (退单, cnt < 0) the feedetl_sn of the line it refunds; else ''. */
  init_feedetl_sn: string;
  /** Beijing local time 'yyyy-MM-dd HH:mm:ss'. */
  fee_ocur_time: string;
  /** 医疗目录编码 (the national code). */
  med_list_codg: string;
  /** 医药机构目录编码 (the hospital's code). */
  medins_list_codg: string;
  name: string;
  /** Count, up to 4 decimals; negative on a refund line. */
  cnt: string;
  /** Unit price, up to 6 decimals, never negative. */
  pric: string;
  /** The line's total (money); negative on a refund line. */
  det_item_fee_sumamt: string;
  /** The HIS's split of the line (money, same sign as the total). */
  fulamt_ownpay_amt: string;
  overlmt_selfpay: string;
  preselfpay_amt: string;
  bilg_dept_codg: string;
  bilg_dept_name: string;
  bilg_dr_codg: string;
  bilg_dr_name: string;
}

/** The self-pay split of a line: the cost line's amounts other than medfee_sumamt. */
export const SPLIT_FIELDS = ['fulamt_ownpay_amt', 'overlmt_selfpay', 'preselfpay_amt'] as const;
type SplitField = (typeof SPLIT_FIELDS)[number];

/** Every field, in the documented column order (CSV header, storage). */
export const FEE_LINE_FIELDS = [
  'feedetl_sn',
  'init_feedetl_sn',
  'fee_ocur_time',
  'med_list_codg',
  'medins_list_codg',
  'name',
  'cnt',
  'pric',
  'det_item_fee_sumamt',
  ...SPLIT_FIELDS,
  'bilg_dept_codg',
  'bilg_dept_name',
  'bilg_dr_codg',
  'bilg_dr_name',
] as const satisfies readonly (keyof FeeLine)[];
/** Fields a line may leave out (''). */
export const OPTIONAL_FEE_LINE_FIELDS = ['init_feedetl_sn', 'bilg_dr_codg', 'bilg_dr_name'] as const;

/** A problem with a bill's fee lines: the path as the person sees it (relative to where it is reported). */
export interface FeeLineProblem {
  path: (string | number)[];
  code: ErrorCode;
  zh: string;
  en: string;
}

const en = (code: ErrorCode, english: string) => ({ params: { code, en: english } });
const SIGNED_MONEY = /^-?(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
const COUNT = /^-?(0|[1-9]\d{0,11})(\.\d{1,4})?$/;
const PRICE = /^(0|[1-9]\d{0,9})(\.\d{1,6})?$/;
const money = z.string().refine((s) => SIGNED_MONEY.test(s), {
  message: '须为金额，最多两位小数（退单行为负数）',
  ...en('invalid_amount', 'must be an amount with at most two decimals (negative on a refund line)'),
});
/** Checks across fields run only on a value without issues (zod would run them after a field's refusal). */
export const WHEN_VALID = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };
const notLonger = (max: number) =>
  [
    (s: string) => s.length <= max,
    { message: `不能超过 ${max} 个字符`, ...en('invalid_field', `at most ${max} characters`) },
  ] as const;
const text = (max: number) =>
  z
    .string()
    .trim()
    .refine((s) => s.length > 0, { message: '不能为空', ...en('missing_field', 'must not be empty') })
    .refine(...notLonger(max));
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .refine(...notLonger(max))
    .default('');

const line = z
  .strictObject({
    feedetl_sn: text(30),
    init_feedetl_sn: optionalText(30),
    fee_ocur_time: z.string().refine((s) => fromBeijingDateTime(s) !== null, {
      message: '须为北京时间 yyyy-MM-dd HH:mm:ss',
      ...en('invalid_date', "must be Beijing time 'yyyy-MM-dd HH:mm:ss'"),
    }),
    med_list_codg: text(50),
    medins_list_codg: text(150),
    name: text(200),
    cnt: z.string().refine((s) => COUNT.test(s) && !new Decimal(s).isZero(), {
      message: '数量须为非零十进制数，最多四位小数（退单为负数）',
      ...en('invalid_field', 'cnt must be a non-zero decimal with at most 4 decimals (negative for a refund)'),
    }),
    pric: z.string().refine((s) => PRICE.test(s), {
      message: '单价须为非负十进制数，最多六位小数',
      ...en('invalid_field', 'pric must be a non-negative decimal with at most 6 decimals'),
    }),
    det_item_fee_sumamt: money,
    fulamt_ownpay_amt: money,
    overlmt_selfpay: money,
    preselfpay_amt: money,
    bilg_dept_codg: text(30),
    bilg_dept_name: text(100),
    bilg_dr_codg: optionalText(30),
    bilg_dr_name: optionalText(50),
  })
  .superRefine((l, ctx) => {
    const p = lineProblem(l);
    if (p) addProblem(ctx, p);
  }, WHEN_VALID);

/** A bill's fee lines: each line checked, then the lines together (unique feedetl_sn, refunds). */
export const feeLinesSchema = z
  .array(line satisfies z.ZodType<FeeLine>)
  .min(1)
  .max(MAX_BILL_FEE_LINES)
  .superRefine((lines, ctx) => {
    const p = feeLineSetProblem(lines);
    if (p) addProblem(ctx, p);
  }, WHEN_VALID);

/** Reports a problem as a zod issue carrying our code and English (shared/errors.ts fromZodError). */
export function addProblem(ctx: z.RefinementCtx, p: FeeLineProblem, prefix: (string | number)[] = []): void {
  ctx.addIssue({ code: 'custom', path: [...prefix, ...p.path], message: p.zh, params: { code: p.code, en: p.en } });
}

const d = (s: string): Money => new Decimal(s);
const show = (x: Money): string => formatSigned(x);

/**
 * One line on its own: det_item_fee_sumamt is cnt × pric to less than a cent
 * (the HIS may round or truncate), and the split has the total's sign and is
 * no larger than it (全自费 + 超限价自费 + 先行自付 ≤ 明细金额).
 */
export function lineProblem(l: FeeLine): FeeLineProblem | null {
  const total = d(l.det_item_fee_sumamt);
  const product = d(l.cnt).times(l.pric);
  if (total.minus(product).abs().greaterThanOrEqualTo('0.01'))
    return {
      path: ['det_item_fee_sumamt'],
      code: 'invalid_amount',
      zh: `明细金额 ${l.det_item_fee_sumamt} 与 数量 × 单价 = ${product.toString()} 相差一分或以上`,
      en: `det_item_fee_sumamt ${l.det_item_fee_sumamt} differs from cnt × pric = ${product.toString()} by a cent or more`,
    };
  const refund = d(l.cnt).isNegative();
  let selfPay = new Decimal(0);
  for (const f of SPLIT_FIELDS) {
    const v = d(l[f]);
    selfPay = selfPay.plus(v);
    if (refund ? v.greaterThan(0) || v.lessThan(total) : v.lessThan(0) || v.greaterThan(total))
      return {
        path: [f],
        code: 'self_pay_exceeds_total',
        zh: refund
          ? `退单行的 ${f} 须在明细金额 ${l.det_item_fee_sumamt} 与 0 之间`
          : `${f} 须在 0 与明细金额 ${l.det_item_fee_sumamt} 之间`,
        en: refund
          ? `${f} of a refund line must lie between det_item_fee_sumamt ${l.det_item_fee_sumamt} and 0`
          : `${f} must lie between 0 and det_item_fee_sumamt ${l.det_item_fee_sumamt}`,
      };
  }
  if (refund ? selfPay.lessThan(total) : selfPay.greaterThan(total))
    return {
      path: [],
      code: 'self_pay_exceeds_total',
      zh: `全自费 + 超限价自费 + 先行自付 = ${show(selfPay)}，超过明细金额 ${l.det_item_fee_sumamt}`,
      en: `fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt = ${show(selfPay)} exceeds det_item_fee_sumamt ${l.det_item_fee_sumamt}`,
    };
  return null;
}

const isRefund = (l: FeeLine): boolean => d(l.cnt).isNegative();

/**
 * The lines together: feedetl_sn unique; a refund line (cnt < 0) names, in
 * init_feedetl_sn, a charge line of this bill with the same medins_list_codg;
 * and the refunds of a line never take its total or any part of its split
 * below zero, nor its split above its total. Paths are relative to the array.
 */
export function feeLineSetProblem(lines: readonly FeeLine[]): FeeLineProblem | null {
  const index = new Map<string, number>();
  for (const [i, l] of lines.entries()) {
    const j = index.get(l.feedetl_sn);
    if (j !== undefined)
      return {
        path: [i, 'feedetl_sn'],
        code: 'invalid_field',
        zh: `费用明细流水号 ${l.feedetl_sn} 与 fee_lines[${j}] 重复（同一账单内须唯一）`,
        en: `feedetl_sn ${l.feedetl_sn} repeats fee_lines[${j}] (unique within the bill)`,
      };
    index.set(l.feedetl_sn, i);
  }
  const net = new Map<number, Record<'det_item_fee_sumamt' | SplitField, Money>>();
  for (const [i, l] of lines.entries()) {
    if (!isRefund(l)) continue;
    if (l.init_feedetl_sn === '')
      return {
        path: [i, 'init_feedetl_sn'],
        code: 'missing_field',
        zh: '退单行（数量为负）须填写 init_feedetl_sn：被退原明细的流水号',
        en: 'a refund line (negative cnt) needs init_feedetl_sn: the feedetl_sn of the line it refunds',
      };
    const o = index.get(l.init_feedetl_sn);
    const original = o === undefined ? undefined : lines[o]!;
    if (o === undefined || !original || isRefund(original))
      return {
        path: [i, 'init_feedetl_sn'],
        code: 'invalid_field',
        zh: `原明细 ${l.init_feedetl_sn} 不是本账单中的收费行`,
        en: `init_feedetl_sn ${l.init_feedetl_sn} names no charge line of this bill`,
      };
    if (original.medins_list_codg !== l.medins_list_codg)
      return {
        path: [i, 'medins_list_codg'],
        code: 'invalid_field',
        zh: `退单行的项目编码 ${l.medins_list_codg} 与原明细 ${original.feedetl_sn} 的 ${original.medins_list_codg} 不同`,
        en: `medins_list_codg ${l.medins_list_codg} differs from ${original.medins_list_codg} of the refunded line ${original.feedetl_sn}`,
      };
    const left =
      net.get(o) ??
      ({
        det_item_fee_sumamt: d(original.det_item_fee_sumamt),
        fulamt_ownpay_amt: d(original.fulamt_ownpay_amt),
        overlmt_selfpay: d(original.overlmt_selfpay),
        preselfpay_amt: d(original.preselfpay_amt),
      } as Record<'det_item_fee_sumamt' | SplitField, Money>);
    for (const f of ['det_item_fee_sumamt', ...SPLIT_FIELDS] as const) {
      left[f] = left[f].plus(l[f]);
      if (left[f].lessThan(0))
        return {
          path: [i, f],
          code: 'invalid_amount',
          zh: `退单累计超过原明细 ${original.feedetl_sn}：${f} 将为 ${show(left[f])}`,
          en: `the refunds exceed line ${original.feedetl_sn}: its ${f} would be ${show(left[f])}`,
        };
    }
    const selfPay = left.fulamt_ownpay_amt.plus(left.overlmt_selfpay).plus(left.preselfpay_amt);
    if (selfPay.greaterThan(left.det_item_fee_sumamt))
      return {
        path: [i],
        code: 'self_pay_exceeds_total',
        zh: `退单后原明细 ${original.feedetl_sn} 的自付部分 ${show(selfPay)} 超过其余额 ${show(left.det_item_fee_sumamt)}`,
        en: `after the refunds, line ${original.feedetl_sn}'s self-pay ${show(selfPay)} exceeds its remaining total ${show(left.det_item_fee_sumamt)}`,
      };
    net.set(o, left);
  }
  return null;
}

/** The Beijing calendar date a line counts on: its own, or a refund's original's (it undoes that charge). */
function countedDates(lines: readonly FeeLine[]): string[] {
  const own = lines.map((l) => l.fee_ocur_time.slice(0, 10));
  const bySn = new Map(lines.map((l, i) => [l.feedetl_sn, i]));
  return lines.map((l, i) => {
    const o = isRefund(l) ? bySn.get(l.init_feedetl_sn) : undefined;
    return o === undefined ? own[i]! : own[o]!;
  });
}

/** Each line's date (its own fee_ocur_time's) outside the stay: the first such line. Paths relative to the array. */
export function feeLinesOutsideStay(
  lines: readonly FeeLine[],
  admission: string,
  discharge: string,
): FeeLineProblem | null {
  for (const [i, l] of lines.entries()) {
    const date = l.fee_ocur_time.slice(0, 10);
    if (date < admission || date > discharge)
      return {
        path: [i, 'fee_ocur_time'],
        code: 'cost_outside_stay',
        zh: `费用发生日期 ${date} 不在住院期间 ${admission} 至 ${discharge} 内`,
        en: `fee date ${date} is outside the stay ${admission}..${discharge}`,
      };
  }
  return null;
}

/**
 * THE aggregation: the engine's cost lines of a bill's (checked) fee lines,
 * one per Beijing calendar date of fee_ocur_time, in date order:
 * medfee_sumamt = Σ det_item_fee_sumamt, each split field = Σ of that field.
 * A refund line counts on the date of the line it refunds.
 */
export function aggregateFeeLines(lines: readonly FeeLine[]): CostLine[] {
  const dates = countedDates(lines);
  const days = new Map<string, Record<(typeof COST_AMOUNT_FIELDS)[number], Money>>();
  for (const [i, l] of lines.entries()) {
    const date = dates[i]!;
    const day = days.get(date) ?? {
      medfee_sumamt: new Decimal(0),
      fulamt_ownpay_amt: new Decimal(0),
      overlmt_selfpay: new Decimal(0),
      preselfpay_amt: new Decimal(0),
    };
    day.medfee_sumamt = day.medfee_sumamt.plus(l.det_item_fee_sumamt);
    for (const f of SPLIT_FIELDS) day[f] = day[f].plus(l[f]);
    days.set(date, day);
  }
  return [...days.keys()].sort().map((date) => {
    const day = days.get(date)!;
    return {
      date,
      medfee_sumamt: show(day.medfee_sumamt),
      fulamt_ownpay_amt: show(day.fulamt_ownpay_amt),
      overlmt_selfpay: show(day.overlmt_selfpay),
      preselfpay_amt: show(day.preselfpay_amt),
    };
  });
}

/** The costs a bill settles from: its fee lines' per-date sums when it has fee lines, else its costs. */
export function billCosts(bill: {
  costs?: CostLine[] | undefined;
  fee_lines?: readonly FeeLine[] | undefined;
}): CostLine[] {
  if (bill.fee_lines?.length) return aggregateFeeLines(bill.fee_lines);
  if (!bill.costs) throw new Error('internal: a bill without costs or fee lines');
  return bill.costs;
}

/**
 * A bill that sends both costs and fee lines: the costs, summed per date,
 * must equal the aggregation exactly (as decimals: "12.5" = "12.50"). The
 * first difference, with its path from the bill (costs[i].field).
 */
export function costsDisagreement(costs: readonly CostLine[], derived: readonly CostLine[]): FeeLineProblem | null {
  const given = new Map<string, { first: number; sums: Record<string, Money> }>();
  for (const [i, c] of costs.entries()) {
    const day = given.get(c.date) ?? { first: i, sums: {} };
    for (const f of COST_AMOUNT_FIELDS) day.sums[f] = (day.sums[f] ?? new Decimal(0)).plus(c[f]);
    given.set(c.date, day);
  }
  const fromLines = new Map(derived.map((c) => [c.date, c]));
  for (const [date, day] of given) {
    const want = fromLines.get(date);
    if (!want)
      return {
        path: ['costs', day.first, 'date'],
        code: 'invalid_field',
        zh: `费用明细（fee_lines）中没有 ${date} 的费用，与 costs 不符`,
        en: `the fee lines have nothing on ${date}: costs disagree with fee_lines`,
      };
    for (const f of COST_AMOUNT_FIELDS)
      if (!day.sums[f]!.equals(want[f]))
        return {
          path: ['costs', day.first, f],
          code: 'invalid_amount',
          zh: `与费用明细按日汇总不符：${date} 的 ${f} 明细合计 ${want[f]}，costs 为 ${show(day.sums[f]!)}`,
          en: `disagrees with the fee lines summed per date: ${f} on ${date} is ${want[f]} by the fee lines, ${show(day.sums[f]!)} in costs`,
        };
  }
  for (const c of derived)
    if (!given.has(c.date))
      return {
        path: ['costs'],
        code: 'invalid_field',
        zh: `费用明细有 ${c.date} 的费用（${c.medfee_sumamt}），costs 中没有该日期`,
        en: `the fee lines have ${c.medfee_sumamt} on ${c.date}, which costs lack`,
      };
  return null;
}
