/**
 * Importing a bill exported by the hospital system (HIS), so the cashier does
 * not retype it:
 *  - JSON in the CLI's request format (v1): admission/discharge dates,
 *    hospital level and costs are taken; region, insured and ytd are not
 *    (the person and the accumulators come from the store);
 *  - CSV, UTF-8, one cost line per row, with this header (columns in any order):
 *      date,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt
 *    e.g. 2026-03-20,180000.00,6000.00,0.00,4000.00
 *    and optionally a prior_compensation column: what 公务员医疗补助 or 职工补充医疗保险
 *    paid on that line, summed per year of the line's date (江阴 二(三)); JSON
 *    bills carry prior_compensation: {"<year>": "amount"} as the request does.
 * Problems name the line and column. Amounts are kept as the text they are;
 * the settlement validates them like typed ones.
 */
import Papa from 'papaparse';
import { z } from 'zod';
import { Decimal, amountProblem, formatAmount } from './money.js';
import { COST_AMOUNT_FIELDS, costLineShape, type Bill, type CostLine } from './engine/request.js';

/** A Bill (shared/engine/request.ts) as far as the file says it: the costs, and the rest when present. */
export type ImportedBill = Pick<Bill, 'costs'> & Partial<Omit<Bill, 'costs'>>;

export type ImportOutcome = { ok: true; bill: ImportedBill } | { ok: false; problem: string; problem_en: string };

/** A cost line's fields (CostLine), in its order. */
export const CSV_COLUMNS = ['date', ...COST_AMOUNT_FIELDS] as const satisfies readonly (keyof CostLine)[];

const cost = z.object(costLineShape(z.string(), z.string())) satisfies z.ZodType<CostLine>;
const jsonBill = z.object({
  admission_date: z.string().optional(),
  discharge_date: z.string().optional(),
  hospital_level: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  costs: z.array(cost).min(1),
  prior_compensation: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<ImportedBill>;

export function importBill(fileName: string, text: string): ImportOutcome {
  const body = text.replace(/^\uFEFF/, '');
  if (/\.json$/i.test(fileName) || body.trimStart().startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return { ok: false, problem: `不是有效的 JSON：${why}`, problem_en: `not valid JSON: ${why}` };
    }
    const parsed = jsonBill.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        ok: false,
        problem: `JSON 字段 ${issue.path.join('.') || '(根)'}：${issue.message}`,
        problem_en: `JSON field ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      };
    }
    return { ok: true, bill: parsed.data };
  }
  const csv = Papa.parse<Record<string, string>>(body, {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: (h) => h.trim(),
  });
  const first = csv.errors[0];
  if (first)
    return {
      ok: false,
      problem: `CSV 第 ${(first.row ?? 0) + 2} 行：${first.message}`,
      problem_en: `CSV line ${(first.row ?? 0) + 2}: ${first.message}`,
    };
  const missing = CSV_COLUMNS.filter((c) => !(csv.meta.fields ?? []).includes(c));
  if (missing.length)
    return {
      ok: false,
      problem: `CSV 缺少列：${missing.join(', ')}（表头应为 ${CSV_COLUMNS.join(',')}）`,
      problem_en: `CSV is missing columns: ${missing.join(', ')} (the header is ${CSV_COLUMNS.join(',')})`,
    };
  if (csv.data.length === 0) return { ok: false, problem: 'CSV 没有费用行', problem_en: 'CSV has no cost lines' };
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
  if ((csv.meta.fields ?? []).includes('prior_compensation')) {
    for (const [i, row] of csv.data.entries()) {
      const v = (row['prior_compensation'] ?? '').trim();
      if (v === '') continue;
      const p = amountProblem(v);
      if (p)
        return {
          ok: false,
          problem: `CSV 第 ${i + 2} 行 prior_compensation：${p.zh}`,
          problem_en: `CSV line ${i + 2} prior_compensation: ${p.en}`,
        };
      const date = (row['date'] ?? '').trim();
      // The year it is netted in comes from the line's date: a line without one cannot say.
      if (date === '')
        return {
          ok: false,
          problem: `CSV 第 ${i + 2} 行：有 prior_compensation 的行须填写 date`,
          problem_en: `CSV line ${i + 2}: a line with prior_compensation needs its date`,
        };
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
