/**
 * Importing a bill exported by the hospital system (HIS), so the cashier does
 * not retype it (docs/bill-import.md has both formats with examples):
 *  - JSON in the CLI's request format (v1): admission/discharge dates,
 *    hospital level and costs are taken; region, insured and ytd are not
 *    (the person and the accumulators come from the store): the file's
 *    region is returned (`region`) so the window refuses a file of another
 *    region than the person found, and `person_fields` names what the file
 *    carried of the person (insured, ytd) so the window says it was not
 *    taken, instead of ignoring it silently (issue 17). An item-level
 *    bill adds `fee_lines` (shared/fee-lines.ts) and the stay's optional
 *    `mdtrt_id`; its costs are then the fee lines summed per date
 *    (aggregateFeeLines), and costs sent beside them must agree exactly;
 *  - CSV, UTF-8, one cost line per row, with this header (columns in any order):
 *      date,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt
 *    e.g. 2026-03-20,180000.00,6000.00,0.00,4000.00
 *    and optionally a prior_compensation column: what 公务员医疗补助 or 职工补充医疗保险
 *    paid on that line, summed per year of the line's date (江阴 二(三)); JSON
 *    bills carry prior_compensation: {"<year>": "amount"} as the request does;
 *  - or CSV, one fee line per row, recognised by a feedetl_sn column
 *    (FEE_LINE_CSV_COLUMNS, plus optional init_feedetl_sn, bilg_dr_codg,
 *    bilg_dr_name and mdtrt_id, the same on every row).
 * Problems name the line and column. Cost amounts are kept as the text they
 * are (the settlement validates them like typed ones); fee lines are checked
 * here with the settlement's own schema, since the costs are derived from them.
 */
import Papa from 'papaparse';
import { z } from 'zod';
import { Decimal, amountProblem, formatAmount } from './money.js';
import { isRealDate } from './dates.js';
import { COST_AMOUNT_FIELDS, costLineShape, type Bill, type CostLine } from './engine/request.js';
import { formatPath, fromZodError } from './errors.js';
import {
  FEE_LINE_FIELDS,
  OPTIONAL_FEE_LINE_FIELDS,
  aggregateFeeLines,
  costsDisagreement,
  feeLinesOutsideStay,
  feeLinesSchema,
  type FeeLine,
} from './fee-lines.js';

/** A Bill (shared/engine/request.ts) as far as the file says it: the costs, and the rest when present. */
export type ImportedBill = Pick<Bill, 'costs'> &
  Partial<Omit<Bill, 'costs'>> & {
    /** The HIS's fee lines, when the file has them: `costs` are then their per-date sums. */
    fee_lines?: FeeLine[];
    /** The stay's 就诊ID when the HIS registered the admission with the platform. */
    mdtrt_id?: string;
    /** What a JSON file carried of the person besides its region, not taken (the store's are): 'insured', 'ytd'. */
    person_fields?: ('insured' | 'ytd')[];
    /** The region a JSON file names (the CLI's request carries it): the window refuses a file of another region. */
    region?: string;
  };

type Failure = { ok: false; problem: string; problem_en: string };
export type ImportOutcome = { ok: true; bill: ImportedBill } | Failure;

/** A cost line's fields (CostLine), in its order. */
export const CSV_COLUMNS = ['date', ...COST_AMOUNT_FIELDS] as const satisfies readonly (keyof CostLine)[];
/** The columns a fee-line CSV must have (it is recognised by feedetl_sn); OPTIONAL_FEE_LINE_FIELDS and mdtrt_id may be added. */
export const FEE_LINE_CSV_COLUMNS = FEE_LINE_FIELDS.filter(
  (f) => !(OPTIONAL_FEE_LINE_FIELDS as readonly string[]).includes(f),
);

const mdtrtId = z.string().trim().min(1).max(30);
const cost = z.object(costLineShape(z.string(), z.string())) satisfies z.ZodType<CostLine>;
const jsonBill = z.object({
  region: z.string().trim().min(1).optional(),
  admission_date: z.string().optional(),
  discharge_date: z.string().optional(),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  costs: z.array(cost).min(1).optional(),
  fee_lines: feeLinesSchema.optional(),
  mdtrt_id: mdtrtId.optional(),
  prior_compensation: z.record(z.string(), z.string()).optional(),
});

const fail = (problem: string, problem_en: string): Failure => ({ ok: false, problem, problem_en });
const jsonFail = (field: string, zh: string, en: string): Failure =>
  fail(`JSON 字段 ${field || '(根)'}：${zh}`, `JSON field ${field || '(root)'}: ${en}`);

export function importBill(fileName: string, text: string): ImportOutcome {
  const body = text.replace(/^\uFEFF/, '');
  if (/\.json$/i.test(fileName) || body.trimStart().startsWith('{')) return importJson(body);
  const csv = Papa.parse<Record<string, string>>(body, {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: (h) => h.trim(),
  });
  const first = csv.errors[0];
  if (first)
    return fail(
      `CSV 第 ${(first.row ?? 0) + 2} 行：${first.message}`,
      `CSV line ${(first.row ?? 0) + 2}: ${first.message}`,
    );
  const fields = csv.meta.fields ?? [];
  if (fields.includes('feedetl_sn')) return importFeeLineCsv(csv.data, fields);
  const missing = CSV_COLUMNS.filter((c) => !fields.includes(c));
  if (missing.length)
    return fail(
      `CSV 缺少列：${missing.join(', ')}（表头应为 ${CSV_COLUMNS.join(',')}）`,
      `CSV is missing columns: ${missing.join(', ')} (the header is ${CSV_COLUMNS.join(',')})`,
    );
  if (csv.data.length === 0) return fail('CSV 没有费用行', 'CSV has no cost lines');
  const costs = csv.data.map((row) => {
    const line = {} as CostLine;
    for (const c of CSV_COLUMNS) line[c] = (row[c] ?? '').trim();
    return line;
  });
  const dates = costs
    .map((c) => c.date)
    .filter((d) => d !== '')
    .sort();
  const prior: Record<string, string> = {};
  if (fields.includes('prior_compensation')) {
    for (const [i, row] of csv.data.entries()) {
      const v = (row['prior_compensation'] ?? '').trim();
      if (v === '') continue;
      const p = amountProblem(v);
      if (p)
        return fail(`CSV 第 ${i + 2} 行 prior_compensation：${p.zh}`, `CSV line ${i + 2} prior_compensation: ${p.en}`);
      const date = (row['date'] ?? '').trim();
      // The year it is netted in comes from the line's date: a line without one cannot say.
      if (date === '')
        return fail(
          `CSV 第 ${i + 2} 行：有 prior_compensation 的行须填写 date`,
          `CSV line ${i + 2}: a line with prior_compensation needs its date`,
        );
      const year = date.slice(0, 4);
      prior[year] = formatAmount(new Decimal(prior[year] ?? '0').plus(v));
    }
  }
  return {
    ok: true,
    bill: {
      costs,
      ...(dates.length ? { admission_date: dates[0], discharge_date: dates[dates.length - 1] } : {}),
      ...(Object.keys(prior).length ? { prior_compensation: prior } : {}),
    },
  };
}

function importJson(body: string): ImportOutcome {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return fail(`不是有效的 JSON：${why}`, `not valid JSON: ${why}`);
  }
  const parsed = jsonBill.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const e = fromZodError(parsed.error).body;
    return jsonFail(e.field, e.message, e.message_en);
  }
  const { costs, fee_lines, ...given } = parsed.data;
  const carried = (['insured', 'ytd'] as const).filter((k) => (raw as Record<string, unknown>)[k] !== undefined);
  const rest = carried.length ? { ...given, person_fields: [...carried] } : given;
  if (!fee_lines)
    return costs
      ? { ok: true, bill: { ...rest, costs } }
      : jsonFail('costs', '须有 costs 或 fee_lines', 'the bill needs costs or fee_lines');
  // Costs sent beside the fee lines must be amounts before they can be compared.
  for (const [i, c] of (costs ?? []).entries()) {
    if (!isRealDate(c.date)) return jsonFail(`costs[${i}].date`, '日期无效', 'not a real date YYYY-MM-DD');
    for (const f of COST_AMOUNT_FIELDS) {
      const p = amountProblem(c[f]);
      if (p) return jsonFail(`costs[${i}].${f}`, p.zh, p.en);
    }
  }
  const derived = aggregateFeeLines(fee_lines);
  const { admission_date: from, discharge_date: to } = rest;
  const outside = from && to ? feeLinesOutsideStay(fee_lines, from, to) : null;
  if (outside) return jsonFail(formatPath(['fee_lines', ...outside.path]), outside.zh, outside.en);
  const disagree = costs ? costsDisagreement(costs, derived) : null;
  if (disagree) return jsonFail(formatPath(disagree.path), disagree.zh, disagree.en);
  return { ok: true, bill: withFeeLines(rest, fee_lines, derived) };
}

/** The bill of its fee lines: costs derived, the stay's dates from the lines' when the file gives none. */
function withFeeLines(rest: Omit<ImportedBill, 'costs'>, lines: FeeLine[], costs: CostLine[]): ImportedBill {
  const dates = lines.map((l) => l.fee_ocur_time.slice(0, 10)).sort();
  return {
    admission_date: dates[0]!,
    discharge_date: dates[dates.length - 1]!,
    ...rest,
    costs,
    fee_lines: lines,
  };
}

/** A fee-line CSV: each row checked as the settlement checks it, named by CSV line, column and fee_lines path. */
function importFeeLineCsv(rows: Record<string, string>[], fields: string[]): ImportOutcome {
  const missing = FEE_LINE_CSV_COLUMNS.filter((c) => !fields.includes(c));
  if (missing.length)
    return fail(
      `费用明细 CSV 缺少列：${missing.join(', ')}（表头见 docs/bill-import.md）`,
      `the fee-line CSV is missing columns: ${missing.join(', ')} (see docs/bill-import.md)`,
    );
  if (fields.includes('prior_compensation'))
    return fail(
      '费用明细 CSV 不含 prior_compensation 列：其他补偿请用 JSON 账单的 prior_compensation 或在结算界面填写',
      'a fee-line CSV has no prior_compensation column: use the JSON bill or the settle screen',
    );
  if (rows.length === 0) return fail('CSV 没有费用明细行', 'CSV has no fee lines');
  const optional = OPTIONAL_FEE_LINE_FIELDS as readonly string[];
  const raw = rows.map((row) => {
    const line: Record<string, string> = {};
    for (const f of FEE_LINE_FIELDS) {
      const v = (row[f] ?? '').trim();
      if (v !== '' || !optional.includes(f)) line[f] = v;
    }
    return line;
  });
  const ids = new Map<string, number>();
  for (const [i, row] of rows.entries()) {
    const v = (row['mdtrt_id'] ?? '').trim();
    if (v !== '' && !ids.has(v)) ids.set(v, i);
  }
  if (ids.size > 1) {
    const [[a, i], [b, j]] = [...ids.entries()] as [[string, number], [string, number]];
    return fail(
      `CSV 的 mdtrt_id 须为同一次就诊：第 ${i + 2} 行为 ${a}，第 ${j + 2} 行为 ${b}`,
      `mdtrt_id must name one stay: line ${i + 2} has ${a}, line ${j + 2} has ${b}`,
    );
  }
  const id = [...ids.keys()][0];
  if (id !== undefined && !mdtrtId.safeParse(id).success)
    return fail('CSV 的 mdtrt_id 不能超过 30 个字符', 'mdtrt_id has at most 30 characters');
  const parsed = feeLinesSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const e = fromZodError(parsed.error).body;
    return csvFail(parsed.error.issues[0]?.path ?? [], e.message, e.message_en);
  }
  return {
    ok: true,
    bill: withFeeLines(id === undefined ? {} : { mdtrt_id: id }, parsed.data, aggregateFeeLines(parsed.data)),
  };
}

function csvFail(path: PropertyKey[], zh: string, en: string): Failure {
  const [row, column] = path;
  if (typeof row !== 'number') return fail(`CSV：${zh}`, `CSV: ${en}`);
  const at = formatPath(['fee_lines', ...path]);
  const col = typeof column === 'string' ? ` ${column}` : '';
  return fail(`CSV 第 ${row + 2} 行${col}（${at}）：${zh}`, `CSV line ${row + 2}${col} (${at}): ${en}`);
}
