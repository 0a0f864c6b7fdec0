/**
 * Day close (日结): an operator's totals for a business day, per fund, added
 * up with decimal.js; closing makes the day read-only (a trigger refuses new
 * records in it). A cashier sees their own day, a supervisor anyone's. The
 * window's day.totals and day.close.
 */
import { DeskError } from '../../../shared/errors.js';
import type { CloseDayInput } from '../../../shared/store/inputs.js';
import type { DayTotals } from '../../../shared/store/records.js';
import type { DayView } from '../../../shared/ipc/contract.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { addUp, type SettlementRow } from '../store/day-totals.js';
import { writeTransaction } from '../store/db.js';
import { requireFullVerification } from '../store/chain.js';
import { assertCan, type Session } from './access.js';
import { audit, nowIso, type ServiceContext } from './context.js';

export interface OperatorRef {
  id: number;
  code: string;
  name: string;
}

export class Day {
  constructor(private readonly ctx: ServiceContext) {}

  /** The operator a day belongs to, by the code typed on the day-close screen. */
  operator(code: string): OperatorRef {
    const op = this.ctx.db.prepare('SELECT id, code, name FROM operators WHERE code = ?').get(code) as
      OperatorRef | undefined;
    if (!op) throw new DeskError('not_found', 'operator_code', `工号 ${code} 不存在`, `no operator ${code}`);
    return op;
  }

  /** Who closed the operator's day and when; null while it is open. */
  closedBy(operatorId: number, date: string): { closed_at: string; name: string } | null {
    return (
      (this.ctx.db
        .prepare(
          'SELECT c.closed_at, o.name FROM day_closes c JOIN operators o ON o.id = c.closed_by WHERE c.operator_id = ? AND c.business_date = ?',
        )
        .get(operatorId, date) as { closed_at: string; name: string } | undefined) ?? null
    );
  }

  close(session: Session, c: CloseDayInput): DayTotals {
    const { db } = this.ctx;
    assertCan(db, session, 'day.close');
    // The day's totals are closed only over a store that verifies in full (store/chain.ts): refused otherwise.
    requireFullVerification(db, this.ctx.clock.now());
    return writeTransaction(db, () => {
      const op = this.operator(c.operator_code);
      if (this.closedBy(op.id, c.business_date)) {
        throw new DeskError(
          'day_closed',
          'business_date',
          `${c.operator_code} 的 ${c.business_date} 已日结`,
          `${c.operator_code} ${c.business_date} is already closed`,
        );
      }
      const totals = this.totals(op.id, c.business_date);
      db.prepare(
        'INSERT INTO day_closes (operator_id, business_date, closed_by, closed_at, totals) VALUES (?, ?, ?, ?, ?)',
      ).run(op.id, c.business_date, session.operatorId, nowIso(this.ctx), JSON.stringify(totals));
      audit(this.ctx, session, 'day.close', 'day', `${c.operator_code}/${c.business_date}`, { ...totals });
      return totals;
    });
  }

  /** Totals for an operator and day, added up with decimal.js (SQLite would add TEXT amounts as floats). */
  totals(operatorId: number, date: string): DayTotals {
    // A reversal refunds at the window of the settlement it reverses: it counts in that cashier's day.
    const rows = this.ctx.db
      .prepare(
        `SELECT s.id, s.kind, s.reverses_id, s.offline, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay FROM settlements s LEFT JOIN settlements o ON o.id = s.reverses_id
         WHERE s.business_date = ? AND ((s.kind = 'settlement' AND s.operator_id = ?) OR (s.kind = 'reversal' AND o.operator_id = ?))`,
      )
      .all(date, operatorId, operatorId) as SettlementRow[];
    return { business_date: date, ...addUp(this.ctx.db, rows) };
  }

  /**
   * An operator's day as the window shows it: a cashier sees their own, a supervisor anyone's. With whose day it is
   * (code and name, for the heading), who closed it and when, and each fund layer's national field (the window names
   * the fund by it, as the printed day report does).
   */
  operatorDay(session: Session, c: CloseDayInput): DayView {
    if (c.operator_code !== session.code) assertCan(this.ctx.db, session, 'day.view_others');
    const op = this.operator(c.operator_code);
    const closed = this.closedBy(op.id, c.business_date);
    return {
      ...this.totals(op.id, c.business_date),
      closed: closed !== null,
      closed_by: closed ? { name: closed.name, at: closed.closed_at } : null,
      operator: { code: op.code, name: op.name },
      fund_fields: this.fundFields(),
    };
  }

  /** Each fund layer's national field (hifob_pay for large_amount…), as the settlements recorded them. */
  fundFields(): Record<string, string> {
    const rows = this.ctx.db.prepare('SELECT DISTINCT layer, field FROM settlement_funds').all() as {
      layer: string;
      field: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.layer, r.field]));
  }
}

export function dayHandlers({ service, sessions }: AppContext): Pick<Handlers, 'day.totals' | 'day.close'> {
  return {
    'day.totals': (req, ctx) => service.day.operatorDay(sessions.current(ctx), req),
    'day.close': (req, ctx) => service.day.close(sessions.current(ctx), req),
  };
}
