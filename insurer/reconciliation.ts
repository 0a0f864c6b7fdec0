/**
 * Reconciliation (对账): 3201-like daily totals per terminal and business date,
 * and the 3202-like detail list a terminal reads when the totals do not match.
 *
 * The totals are those of the store's DayTotals (all operators): window
 * settlements the insurer did not reject and accepted reversals, reversals
 * negative, with the amounts as the terminal uploaded them, so that "balanced"
 * means every record arrived intact. Adjustments are reported beside the
 * totals, not in them: they are a separate 多退少补 track (domain.md §1).
 */
import { Decimal, ZERO } from '../shared/money.js';
import type {
  DayTotalsWire,
  DetailItem,
  DetailsRequest,
  SignedAmounts,
  TotalsRequest,
} from '../shared/sync/protocol.js';
import { AmountTotals } from '../shared/sync/amounts.js';
import { formatSigned as signed } from '../shared/money.js';
import type { ClaimRow } from './claim-records.js';
import type { Db } from './db.js';
import type { Terminal } from './terminals.js';

function insurerTotals(
  db: Db,
  terminalId: number,
  date: string,
): { totals: DayTotalsWire; adjustments: { count: number; fund_pay_difference: string } } {
  const rows = db
    .prepare(
      'SELECT kind, status, terminal_amounts, insurer_amounts FROM claims WHERE terminal_id = ? AND business_date = ? ORDER BY id',
    )
    .all(terminalId, date) as Pick<ClaimRow, 'kind' | 'status' | 'terminal_amounts' | 'insurer_amounts'>[];
  const sums = new AmountTotals();
  let settlements = 0;
  let reversals = 0;
  let adjusted = 0;
  let adjustment = ZERO;
  for (const r of rows) {
    if (r.status === 'rejected') continue;
    const terminal = JSON.parse(r.terminal_amounts!) as SignedAmounts;
    if (r.status === 'adjusted') {
      adjusted++;
      adjustment = adjustment.plus(
        new Decimal((JSON.parse(r.insurer_amounts!) as SignedAmounts).fund_pay_sumamt).minus(terminal.fund_pay_sumamt),
      );
    }
    if (r.kind === 'manual_claim') continue;
    if (r.kind === 'settlement') settlements++;
    else reversals++;
    sums.add(terminal);
  }
  const a = sums.toJson();
  return {
    totals: {
      settlements,
      reversals,
      medfee_sumamt: a.medfee_sumamt,
      fund_pay_sumamt: a.fund_pay_sumamt,
      psn_cash_pay: a.psn_cash_pay,
      funds: a.funds,
    },
    adjustments: { count: adjusted, fund_pay_difference: signed(adjustment) },
  };
}

export function reconcileTotals(db: Db, terminal: Terminal, req: TotalsRequest, now: Date) {
  const { totals: insurer, adjustments } = insurerTotals(db, terminal.id, req.business_date);
  const mine = req.totals;
  const differences: { field: string; terminal: string; insurer: string }[] = [];
  const compare = (field: string, t: string, i: string) => {
    if (!new Decimal(t).equals(i)) differences.push({ field, terminal: t, insurer: i });
  };
  compare('settlements', String(mine.settlements), String(insurer.settlements));
  compare('reversals', String(mine.reversals), String(insurer.reversals));
  compare('medfee_sumamt', mine.medfee_sumamt, insurer.medfee_sumamt);
  compare('fund_pay_sumamt', mine.fund_pay_sumamt, insurer.fund_pay_sumamt);
  compare('psn_cash_pay', mine.psn_cash_pay, insurer.psn_cash_pay);
  for (const id of [...new Set([...Object.keys(mine.funds), ...Object.keys(insurer.funds)])].sort()) {
    compare(`funds.${id}`, mine.funds[id] ?? '0.00', insurer.funds[id] ?? '0.00');
  }
  return {
    terminal_code: terminal.terminal_code,
    business_date: req.business_date,
    result: differences.length === 0 ? ('balanced' as const) : ('mismatch' as const),
    insurer,
    differences: differences.slice(0, 200),
    adjustments,
    as_of: now.toISOString(),
  };
}

export function reconcileDetails(db: Db, terminal: Terminal, req: DetailsRequest) {
  const rows = db
    .prepare(
      `SELECT c.idempotency_key, c.kind, c.status, c.terminal_amounts, c.insurer_amounts, c.received_at, o.idempotency_key AS reverses, r.idempotency_key AS reversed_by
       FROM claims c LEFT JOIN claims o ON o.id = c.reverses_id LEFT JOIN claims r ON r.id = c.reversed_by_id
       WHERE c.terminal_id = ? AND c.business_date = ? AND c.idempotency_key > ? ORDER BY c.idempotency_key LIMIT ?`,
    )
    .all(terminal.id, req.business_date, req.after ?? '', req.limit + 1) as (Pick<
    ClaimRow,
    'idempotency_key' | 'kind' | 'status' | 'terminal_amounts' | 'insurer_amounts' | 'received_at'
  > & {
    reverses: string | null;
    reversed_by: string | null;
  })[];
  const page = rows.slice(0, req.limit);
  const items: DetailItem[] = page.map((r) => ({
    idempotency_key: r.idempotency_key,
    kind: r.kind,
    status: r.status,
    reverses: r.reverses,
    reversed_by: r.reversed_by,
    terminal: r.terminal_amounts === null ? null : (JSON.parse(r.terminal_amounts) as SignedAmounts),
    insurer: r.insurer_amounts === null ? null : (JSON.parse(r.insurer_amounts) as SignedAmounts),
    received_at: r.received_at,
  }));
  return {
    terminal_code: terminal.terminal_code,
    business_date: req.business_date,
    items,
    next_after: rows.length > req.limit ? page[page.length - 1]!.idempotency_key : null,
  };
}
