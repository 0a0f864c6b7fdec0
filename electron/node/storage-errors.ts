/**
 * What the disk under the data folder did to a call, in the words of the person
 * at the window: full (SQLITE_FULL from the store, ENOSPC/EDQUOT from a file
 * write), failing (the SQLITE_IOERR family, EIO, EROFS), or a store file whose
 * pages no longer read (SQLITE_CORRUPT, SQLITE_NOTADB: SQLCipher authenticates
 * every page it reads, so a flipped byte surfaces here instead of as wrong data).
 * dispatch.ts maps a handler's error through here once, for every channel; the
 * wording names what was not done, per channel. Without this the cashier saw
 * "内部错误" for a full disk and could not tell whether the settlement was saved.
 */
import { DeskError, type ErrorCode } from '../../shared/errors.js';
import type { ChannelName } from '../../shared/ipc/contract.js';

type StorageProblem = Extract<ErrorCode, 'disk_full' | 'io_error' | 'database_damaged'>;

/** The kind of storage failure behind an error thrown by better-sqlite3 or node:fs; null for any other error. */
export function storageProblemOf(e: unknown): StorageProblem | null {
  if (typeof e !== 'object' || e === null) return null;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk_full';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO' || code === 'EROFS') return 'io_error';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'database_damaged';
  return null;
}

/** What was not done, by channel (a channel not listed: "操作未完成"). */
const NOT_DONE: Partial<Record<ChannelName, [zh: string, en: string]>> = {
  'settlement.settle': ['结算未保存', 'the settlement was not saved'],
  'settlement.reverse': ['冲销未保存', 'the reversal was not saved'],
  'claim.create': ['报销申请未保存', 'the claim was not saved'],
  'claim.submit': ['报销申请未提交', 'the claim was not submitted'],
  'person.record': ['参保人信息未保存', 'the person was not saved'],
  'day.close': ['日结未保存', 'the day close was not saved'],
  // The printer may already have printed (it prints before the archive file is written): that paper is not on record.
  'slip.print': [
    '票据未归档、未记录（打印机若已出纸，请作废该张，清理磁盘后重新打印）',
    'the slip was not archived or recorded (if the printer already printed it, void that paper and print again once space is freed)',
  ],
  'day.report': [
    '日结报表未归档（打印机若已出纸，请作废该张，清理磁盘后重新打印）',
    'the day report was not archived (if the printer already printed it, void that paper and print again once space is freed)',
  ],
  'backup.now': ['备份未完成', 'the backup was not made'],
  'settings.save': ['设置未保存', 'the settings were not saved'],
  'operators.create': ['操作员未保存', 'the operator was not saved'],
  // Every sign-in is recorded (failed PINs count towards the lockout): one that cannot be recorded is refused.
  'auth.login': ['无法登录（登录记录无法写入）', 'cannot sign in (the sign-in cannot be recorded)'],
  'auth.setup': ['无法创建操作员并登录', 'cannot create the operator and sign in'],
};

/** The error a person sees for a storage failure during `channel`, or null when `e` is not one. */
export function storageError(e: unknown, channel: string): DeskError | null {
  const problem = storageProblemOf(e);
  if (!problem) return null;
  const [zh, en] = NOT_DONE[channel as ChannelName] ?? ['操作未完成', 'nothing was changed'];
  switch (problem) {
    case 'disk_full':
      return new DeskError(
        'disk_full',
        '',
        `磁盘空间不足，${zh}。请清理数据目录所在磁盘后重试。`,
        `disk full: ${en}. Free space on the data folder's disk and try again.`,
      );
    case 'io_error':
      return new DeskError(
        'io_error',
        '',
        `磁盘读写错误，${zh}。请联系信息科检查磁盘。`,
        `disk read/write error: ${en}. Ask IT to check the disk.`,
      );
    case 'database_damaged':
      return new DeskError(
        'database_damaged',
        '',
        `数据库文件已损坏（无法读取），${zh}。请联系信息科用备份恢复。`,
        `the database file is damaged (a page cannot be read): ${en}. Ask IT to restore a backup.`,
      );
  }
}
