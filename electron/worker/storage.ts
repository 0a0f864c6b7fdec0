/**
 * The data folder's disk and the backups as the window shows them (AppStatus.storage): free space, with a
 * warning below a threshold, and the outcome of the backups, a failure shown until a backup succeeds.
 *
 * Free space is one statfs of the data folder: at start, before and after each settlement and slip print
 * (what fills the disk at a cashier window), and otherwise at most a minute apart when the window asks for
 * the status (space used or freed by others).
 *
 * The backup outcome lives in memory and is also written to the audit log (backup.daily, backup.run,
 * backup.failed), from which it is read back at start: so a failure survives a restart, and the hospital's
 * IT finds every failure with its reason in the log. The memory is what the window shows: under a full disk
 * the audit entry of a failure may itself fail to be written, and the failure must show all the same. (The
 * audit log rather than a table of its own: no migration, and the entries belong in the log anyway.)
 */
import { statfsSync } from 'node:fs';
import { basename } from 'node:path';
import { DeskError } from '../../shared/errors.js';
import type { BackupStatus, StorageStatus } from '../../shared/ipc/contract.js';
import { storageError } from '../node/storage-errors.js';
import { appendAudit } from './store/audit.js';
import type { Clock } from './store/clock.js';
import { writeTransaction, type Db } from './store/db.js';

/** Below this much free space on the data folder's disk the window shows a warning (the default of `lowSpaceBytes`). */
export const LOW_SPACE_BYTES = 200 * 1024 * 1024;
const REMEASURE_MS = 60_000;

const SUCCEEDED = ['backup.daily', 'backup.run'];
const FAILED = 'backup.failed';

/** A backup folder that cannot be used, in the person's words (the file system's code names why). */
function folderProblem(e: unknown): [zh: string, en: string] | null {
  const { code, path } = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; path?: unknown };
  const where = typeof path === 'string' ? path : '';
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return [`备份目录 ${where} 不是文件夹`, `the backup folder ${where} is not a folder`];
    case 'EACCES':
    case 'EPERM':
      return [`没有写入备份目录 ${where} 的权限`, `no permission to write the backup folder ${where}`];
    case 'ENOENT':
      return [`备份目录 ${where} 不存在或无法创建`, `the backup folder ${where} does not exist`];
    default:
      return null;
  }
}

export interface StorageWatchOptions {
  dataDir: string;
  db: Db;
  clock: Clock;
  /** The warning threshold; LOW_SPACE_BYTES unless a test starts the app with another. */
  lowSpaceBytes?: number;
}

export class StorageWatch {
  private free: number | null = null;
  private measuredAt = Number.NEGATIVE_INFINITY;
  private backup: BackupStatus;
  private readonly lowSpaceBytes: number;

  constructor(private readonly options: StorageWatchOptions) {
    this.lowSpaceBytes = options.lowSpaceBytes ?? LOW_SPACE_BYTES;
    this.backup = this.fromAuditLog();
    this.measure();
  }

  /** Measures the free space now (one statfs); null when the file system does not say. */
  measure(): number | null {
    try {
      const fs = statfsSync(this.options.dataDir);
      this.free = fs.bavail * fs.bsize;
    } catch {
      this.free = null;
    }
    this.measuredAt = Date.now();
    return this.free;
  }

  status(): StorageStatus {
    if (Date.now() - this.measuredAt > REMEASURE_MS) this.measure();
    return {
      free_bytes: this.free,
      low_space_bytes: this.lowSpaceBytes,
      low_space: this.free !== null && this.free < this.lowSpaceBytes,
      backup: { ...this.backup },
    };
  }

  /** A backup succeeded: any failure before it is no longer shown. `audited`: its caller wrote the audit entry. */
  backupSucceeded(path: string, audited: boolean): void {
    const at = this.options.clock.now().toISOString();
    this.backup = {
      last_ok_at: at,
      last_ok_file: basename(path),
      failed_at: null,
      failure: null,
      failure_en: null,
    };
    if (!audited) this.audit('backup.daily', path, {});
    this.measure();
  }

  /** A backup failed: shown (status bar, settings screen) until one succeeds; the reason in the person's words. */
  backupFailed(e: unknown, kind: 'daily' | 'on_demand'): void {
    const at = this.options.clock.now().toISOString();
    const known = e instanceof DeskError ? e : storageError(e, 'backup.now');
    const folder = folderProblem(e);
    const failure =
      known?.body.message ??
      (folder ? `备份失败：${folder[0]}` : `备份失败：${e instanceof Error ? e.message : String(e)}`);
    const failure_en =
      known?.body.message_en ??
      (folder ? `the backup failed: ${folder[1]}` : `the backup failed: ${e instanceof Error ? e.message : String(e)}`);
    this.backup = { ...this.backup, failed_at: at, failure, failure_en };
    this.audit(FAILED, null, { kind, reason: failure, reason_en: failure_en });
    this.measure();
  }

  /** Best effort: the entry may not be writable (a full disk); what the window shows is the memory above. */
  private audit(action: string, entityId: string | null, detail: Record<string, unknown>): void {
    const { db, clock } = this.options;
    try {
      writeTransaction(db, () =>
        appendAudit(db, {
          at: clock.now().toISOString(),
          operatorId: null,
          action,
          entity: 'backup',
          entityId,
          detail,
        }),
      );
    } catch (e) {
      console.error(`could not write the audit entry ${action}`, e);
    }
  }

  /** The last success and the last failure after it, as the audit log has them (at start). */
  private fromAuditLog(): BackupStatus {
    const { db } = this.options;
    const latest = (actions: string[]) =>
      db
        .prepare(
          `SELECT id, at, entity_id, detail FROM audit_log WHERE action IN (${actions.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT 1`,
        )
        .get(...actions) as { id: number; at: string; entity_id: string | null; detail: string } | undefined;
    const ok = latest(SUCCEEDED);
    const failed = latest([FAILED]);
    const reason = failed && (!ok || failed.id > ok.id) ? failed : null;
    const detail = reason ? (JSON.parse(reason.detail) as { reason?: string; reason_en?: string }) : null;
    return {
      last_ok_at: ok?.at ?? null,
      last_ok_file: ok?.entity_id ? basename(ok.entity_id) : null,
      failed_at: reason?.at ?? null,
      failure: detail ? (detail.reason ?? '备份失败') : null,
      failure_en: detail ? (detail.reason_en ?? detail.reason ?? 'the backup failed') : null,
    };
  }
}
