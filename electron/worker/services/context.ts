/**
 * What every domain service shares: the store, the clock, the installed rules,
 * the identity vault, the sealed archive files and this terminal; plus the
 * three things each write does alike (its audit entry, its number, its refusal
 * on a closed day).
 */
import { DeskError } from '../../../shared/errors.js';
import type { ArchiveFiles } from '../../node/archive-files.js';
import { appendAudit } from '../store/audit.js';
import type { Clock } from '../store/clock.js';
import type { Db } from '../store/db.js';
import type { IdentityVault } from '../store/pii.js';
import type { RuleStore } from '../store/rule-store.js';
import type { Session } from './access.js';
import { cached } from '../../node/statement-cache.js';

export interface TerminalInfo {
  code: string;
  hospital_code: string;
  hospital_name: string;
}

export interface ServiceContext {
  readonly db: Db;
  readonly clock: Clock;
  readonly rules: RuleStore;
  readonly vault: IdentityVault;
  readonly terminal: TerminalInfo;
  /** Data folder: attachments are stored under it. */
  readonly dataDir: string;
  /** The data folder's sealed archive files (claim scans here). */
  readonly archive: ArchiveFiles;
}

export const nowIso = (ctx: ServiceContext): string => ctx.clock.now().toISOString();

/** Appends to the hash-chained audit log, inside the caller's transaction. */
export function audit(
  ctx: ServiceContext,
  session: Session | null,
  action: string,
  entity: string,
  entityId: string | null,
  detail: Record<string, unknown>,
): void {
  appendAudit(ctx.db, { at: nowIso(ctx), operatorId: session?.operatorId ?? null, action, entity, entityId, detail });
}

/** terminal-<prefix><yyyymmdd>-<sequence>: S settlement, R reversal, M manual claim; inside the caller's transaction. */
export function nextNumber(ctx: ServiceContext, prefix: 'S' | 'R' | 'M', date: string): string {
  const row = cached(
    ctx.db,
    'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value',
  ).get(`${prefix}:${date}`) as { value: number };
  return `${ctx.terminal.code}-${prefix}${date.replaceAll('-', '')}-${String(row.value).padStart(6, '0')}`;
}

/** The closed-day trigger's refusal, in the cashier's words. */
export function refusingClosedDay<T>(operator: Session, work: () => T): T {
  try {
    return work();
  } catch (e) {
    if (e instanceof Error && /day closed/.test(e.message)) {
      throw new DeskError(
        'day_closed',
        '',
        `${operator.name}（${operator.code}）今日已日结，不能再记录结算`,
        `the day is closed for operator ${operator.code}`,
      );
    }
    throw e;
  }
}
