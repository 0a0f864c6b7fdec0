/**
 * The settlement records as the window reads them: one record, its stored
 * result and trace, the history search, and the reprint (补打) count kept
 * beside the immutable record. The window's settlement.get and history.search.
 */
import { DeskError } from '../../../shared/errors.js';
import { negatedResult } from '../../../shared/engine/negated-result.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import type { HistoryQuery } from '../../../shared/store/inputs.js';
import type { SettlementRecord } from '../../../shared/store/records.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { writeTransaction } from '../store/db.js';
import { assertCan, type Session } from './access.js';
import { audit, nowIso, type ServiceContext } from './context.js';
import type { Persons } from './persons.js';

const RECORD_SQL = `
  SELECT s.id, s.number, s.kind, o.number AS reverses, r.number AS reversed_by, s.person_id, p.name AS person_name, p.id_masked,
         op.code AS operator_code, s.business_date, s.settled_at, s.region, s.rule_versions, s.offline, s.hospital_level,
         s.admission_date, s.discharge_date, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay, s.reason,
         (SELECT count(*) FROM reprints WHERE settlement_id = s.id) AS reprints
  FROM settlements s
  JOIN persons p ON p.id = s.person_id
  JOIN operators op ON op.id = s.operator_id
  LEFT JOIN settlements o ON o.id = s.reverses_id
  LEFT JOIN settlements r ON r.reverses_id = s.id`;

function toRecord(row: Record<string, unknown>): SettlementRecord {
  const kind = row['kind'] as 'settlement' | 'reversal';
  return {
    ...(row as unknown as SettlementRecord),
    offline: row['offline'] === 1,
    status: kind === 'reversal' ? 'reversal' : row['reversed_by'] ? 'reversed' : 'settled',
  };
}

export class SettlementRecords {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly persons: Persons,
  ) {}

  record(number: string): SettlementRecord {
    const row = this.ctx.db.prepare(`${RECORD_SQL} WHERE s.number = ?`).get(number) as
      Record<string, unknown> | undefined;
    if (!row) throw new DeskError('not_found', 'number', `结算单号 ${number} 不存在`, `no settlement ${number}`);
    return toRecord(row);
  }

  /** The stored result (with its trace) of a settlement. */
  result(session: Session, number: string): SettlementResult {
    assertCan(this.ctx.db, session, 'history.search');
    const row = this.ctx.db
      .prepare("SELECT result FROM settlements WHERE number = ? AND kind = 'settlement'")
      .get(number) as { result: string } | undefined;
    if (!row) throw new DeskError('not_found', 'number', `结算单号 ${number} 不存在`, `no settlement ${number}`);
    return JSON.parse(row.result) as SettlementResult;
  }

  /** History: by settlement number, person, date range and status; newest first. */
  history(session: Session, q: HistoryQuery): SettlementRecord[] {
    assertCan(this.ctx.db, session, 'history.search');
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.from && q.to && q.from > q.to) {
      throw new DeskError(
        'invalid_field',
        'from',
        `起始日期 ${q.from} 晚于截止日期 ${q.to}`,
        `the start date ${q.from} is after the end date ${q.to}`,
      );
    }
    if (q.number) {
      // Any part of the number: the cashier types the last digits on the slip (T01-S20261201-000012 by "12").
      where.push("s.number LIKE ? ESCAPE '\\'");
      args.push(`%${q.number.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (q.id_number) {
      const personId = this.persons.idFor(q.id_number, 'id_number');
      if (personId === null) return [];
      where.push('s.person_id = ?');
      args.push(personId);
    }
    if (q.person_id) {
      where.push('s.person_id = ?');
      args.push(q.person_id);
    }
    if (q.from) {
      where.push('s.settled_at >= ?');
      args.push(new Date(`${q.from}T00:00:00+08:00`).toISOString());
    }
    if (q.to) {
      where.push('s.settled_at < ?');
      args.push(new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 86_400_000).toISOString());
    }
    if (q.status === 'reversal') where.push("s.kind = 'reversal'");
    if (q.status === 'settled') where.push("s.kind = 'settlement' AND r.id IS NULL");
    if (q.status === 'reversed') where.push("s.kind = 'settlement' AND r.id IS NOT NULL");
    const sql = `${RECORD_SQL} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.settled_at DESC, s.id DESC LIMIT ? OFFSET ?`;
    return (this.ctx.db.prepare(sql).all(...args, q.limit, q.offset) as Record<string, unknown>[]).map(toRecord);
  }

  /** A reprint (补打) keeps the original number; the count is kept beside the immutable record. */
  reprint(session: Session, number: string): { record: SettlementRecord; result: unknown; reprint: number } {
    const { db } = this.ctx;
    assertCan(db, session, 'settlement.reprint');
    return writeTransaction(db, () => {
      const rec = this.record(number);
      db.prepare('INSERT INTO reprints (settlement_id, operator_id, printed_at) VALUES (?, ?, ?)').run(
        rec.id,
        session.operatorId,
        nowIso(this.ctx),
      );
      audit(this.ctx, session, 'settlement.reprint', 'settlement', number, { reprint: rec.reprints + 1 });
      const result = JSON.parse(
        (db.prepare('SELECT result FROM settlements WHERE id = ?').get(rec.id) as { result: string }).result,
      ) as unknown;
      return { record: { ...rec, reprints: rec.reprints + 1 }, result, reprint: rec.reprints + 1 };
    });
  }
}

export function recordHandlers({ service, sessions }: AppContext): Pick<Handlers, 'settlement.get' | 'history.search'> {
  const records = service.records;
  return {
    'settlement.get': (req, ctx) => {
      const s = sessions.current(ctx);
      service.assertCan(s, 'history.search');
      const record = records.record(req.number);
      if (record.kind !== 'reversal') return { record, result: records.result(s, record.number) };
      // A reversal refunds the original: its figures are the original's negated, as its list row and slip show them.
      return { record, result: negatedResult(records.result(s, record.reverses!)) };
    },
    'history.search': (req, ctx) => records.history(sessions.current(ctx), req),
  };
}
