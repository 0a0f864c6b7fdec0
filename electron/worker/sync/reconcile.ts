/**
 * Reconciliation with the insurer (like 3201 and 3202): the terminal's totals
 * for a business date — every operator's settlements and reversals, reversals
 * negative, as settled at the window — against what the insurer received.
 * On a mismatch the detail list is fetched and compared record by record, so
 * the supervisor sees which settlements differ and how.
 */
import { Decimal } from '../../../shared/money.js';
import { addUp, type SettlementRow } from '../store/day-totals.js';
import { ENDPOINTS, MAX_DETAIL_PAGE, type dayTotals } from '../../../shared/sync/protocol.js';
import type { z } from 'zod';
import type { Db } from '../store/db.js';
import type { InsurerSession } from './session.js';
import type { ReconciliationView } from '../../../shared/ipc/contract.js';

type DayTotalsWire = z.output<typeof dayTotals>;

/** The window's view of the day's reconciliation, plus both sides' totals (for logs and the CLI). */
export interface ReconciliationReport extends ReconciliationView {
  terminal: DayTotalsWire;
  insurer: DayTotalsWire;
}

/** One record that differs: a code for the window's language, and the Chinese text for logs and the CLI. */
export type ReconciliationRecord = ReconciliationView['records'][number];

/** The terminal's day as the protocol carries it (all operators). */
export function terminalDayTotals(db: Db, businessDate: string): DayTotalsWire {
  const rows = db
    .prepare(
      'SELECT id, kind, reverses_id, offline, medfee_sumamt, fund_pay_sumamt, psn_cash_pay FROM settlements WHERE business_date = ?',
    )
    .all(businessDate) as SettlementRow[];
  const t = addUp(db, rows);
  return {
    settlements: t.settlements,
    reversals: t.reversals,
    medfee_sumamt: t.medfee_sumamt,
    fund_pay_sumamt: t.fund_pay_sumamt,
    psn_cash_pay: t.psn_cash_pay,
    funds: t.funds,
  };
}

export async function reconcileDay(
  db: Db,
  session: InsurerSession,
  businessDate: string,
): Promise<ReconciliationReport> {
  const terminal = terminalDayTotals(db, businessDate);
  const totals = await session.call(ENDPOINTS.totals.response, {
    method: 'POST',
    path: ENDPOINTS.totals.path,
    body: { business_date: businessDate, totals: terminal },
  });
  const report: ReconciliationReport = {
    business_date: businessDate,
    result: totals.result,
    terminal,
    insurer: totals.insurer,
    differences: totals.differences,
    records: [],
  };
  if (totals.result === 'balanced') return report;

  // 3202: the insurer's records of the day, page by page, against ours.
  const theirs = new Map<string, { status: string; fund: string | null }>();
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const res: z.output<typeof ENDPOINTS.details.response> = await session.call(ENDPOINTS.details.response, {
      method: 'POST',
      path: ENDPOINTS.details.path,
      body: { business_date: businessDate, after, limit: MAX_DETAIL_PAGE },
    });
    for (const item of res.items)
      if (item.kind !== 'manual_claim')
        theirs.set(item.idempotency_key, { status: item.status, fund: item.terminal?.fund_pay_sumamt ?? null });
    after = res.next_after;
    if (after === null) break;
  }
  const ours = db
    .prepare('SELECT number, fund_pay_sumamt FROM settlements WHERE business_date = ? ORDER BY number')
    .all(businessDate) as { number: string; fund_pay_sumamt: string }[];
  for (const o of ours) {
    const t = theirs.get(o.number);
    if (!t)
      report.records.push({
        number: o.number,
        code: 'not_received',
        problem: '医保未收到（尚未上传）',
        terminal: o.fund_pay_sumamt,
        insurer: null,
      });
    else if (t.status === 'rejected')
      report.records.push({
        number: o.number,
        code: 'rejected',
        problem: '医保已拒绝',
        terminal: o.fund_pay_sumamt,
        insurer: null,
      });
    else if (t.fund !== null && !new Decimal(t.fund).equals(o.fund_pay_sumamt))
      report.records.push({
        number: o.number,
        code: 'fund_differs',
        problem: '基金金额不一致',
        terminal: o.fund_pay_sumamt,
        insurer: t.fund,
      });
    theirs.delete(o.number);
  }
  for (const [number, t] of theirs)
    report.records.push({ number, code: 'unknown_here', problem: '本机无此记录', terminal: null, insurer: t.fund });
  return report;
}
