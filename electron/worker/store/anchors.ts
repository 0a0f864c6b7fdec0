/**
 * Anchors outside the database (issue 16, items 2 and 3).
 *
 * The keyed chain (chain.ts) proves that no row changed behind the app's back, but not that the file is the
 * newest one: an older backup copied over desk.sqlite, a whole data folder copied back, or the newest rows cut
 * off together with the chain's tail all verify on their own. So the terminal keeps, outside the data folder and
 * beside its key (KeyProvider.anchorFolder: the key file's folder for the browser host and the CLI, the Electron
 * app's user-data folder next to its keychain-protected key), a small file per database:
 *
 * - the chain's head (seq and MAC) as last seen after a commit;
 * - the high-water marks of the settlement, reversal and manual-claim numbers of the last days (sequences rows);
 * - one mark (seq, MAC) per day, the last 120 days: what a backup's chain must agree with to be this store's past.
 *
 * The file is tagged (HMAC-SHA256) under a key derived from the master key, so it cannot be forged or edited
 * without the key; it holds no patient data. It is rewritten shortly after each commit (coalesced, off the
 * request's path) and when the store closes. A database whose chain ends before the anchored head, whose entry at
 * the anchored seq has another MAC (a chain rebuilt from genesis, another store), or whose numbers are lower than
 * the anchored ones is refused at open, with what to do. A database ahead of its anchor is normal (a crash between
 * a commit and the anchor's write) and the start check verifies the stretch.
 *
 * After a restore IT confirmed (restore.ts), numbering continues after the highest number the anchor holds and the
 * anchor is rewritten from the restored store (the restore itself is a chained audit entry).
 *
 * With our own protocol the same anchor goes to the insurer with every upload batch (sync/outbox.ts), which keeps
 * them per terminal (insurer/anchors.ts). The NHSA interface has no field for it: there the local anchor alone holds.
 *
 * Where there is no key storage (a raw key Buffer: tests and tools), there is no anchor.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { DeskError } from '../../../shared/errors.js';
import { sequenceName, type TerminalAnchor } from '../../../shared/sync/protocol/anchor.js';
import { writeFileDurably } from '../../node/durable-file.js';
import type { KeyProvider } from '../../node/keys.js';
import { deriveKey } from '../../node/sealed.js';
import { chainHead, chainHmac, integrityStatus } from './chain.js';
import type { Db } from './db.js';

/** How many daily marks an anchor keeps (a backup older than that cannot be placed in the store's history). */
export const MAX_MARKS = 120;
/** The sequences of the last days an anchor keeps (numbers carry their day: only the current days can collide). */
const SEQUENCE_DAYS = 7;
/** A number's sequence part has six digits (context.ts nextNumber; the protocol's limit). */
const MAX_SEQUENCE_VALUE = 999_999;
/** The append-only tables (their triggers refuse deletes) whose highest rowid the anchor keeps. */
const APPEND_ONLY = ['settlements', 'audit_log'] as const;
/** How soon after a commit the anchor is rewritten (commits in between are coalesced into one write). */
const WRITE_DELAY_MS = 50;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const anchorState = z.strictObject({
  /** The chain's head: its last entry's seq and MAC (hex). */
  seq: z.number().int().nonnegative(),
  mac: hex64.nullable(),
  /** Highest number issued per sequence (e.g. "S:2026-11-30": 6), the last SEQUENCE_DAYS days. */
  sequences: z.record(sequenceName, z.number().int().positive().max(MAX_SEQUENCE_VALUE)),
  /** The highest rowid of each append-only table: rows of an older copy under a transplanted chain tail fall short. */
  rows: z.record(z.enum(APPEND_ONLY), z.number().int().nonnegative()),
  /** One (seq, MAC) of the chain per day: the head when the day's first anchor was written. */
  marks: z.array(z.strictObject({ date: isoDate, seq: z.number().int().nonnegative(), mac: hex64 })).max(MAX_MARKS),
  /** When it was written (ISO). */
  at: z.string().max(40),
});
export type AnchorState = z.infer<typeof anchorState>;

const anchorFile = z.strictObject({
  v: z.literal(1),
  /** The database it anchors (for IT reading the file; the file's name is derived from it). */
  db: z.string(),
  /** The anchor as JSON text: the tag is over these exact bytes. */
  anchor: z.string(),
  tag: hex64,
});

/** Where the anchor of one database is kept, and the key its tag is made with. */
export class AnchorFile {
  readonly path: string;
  private readonly key: Buffer;
  constructor(
    folder: string,
    keys: KeyProvider | Buffer,
    readonly dbPath: string,
  ) {
    const abs = canonicalPath(dbPath);
    this.path = join(folder, `${createHash('sha256').update(abs).digest('hex').slice(0, 16)}.json`);
    this.dbPath = abs;
    this.key = deriveKey(keys, 'discharge-desk anchors hmac v1');
  }

  private tag(text: string): string {
    return chainHmac(this.key, Buffer.from(text, 'utf8')).toString('hex');
  }

  /** The anchor kept for this database, null when none was; throws anchor_invalid when the file does not verify. */
  read(): AnchorState | null {
    if (!existsSync(this.path)) return null;
    let state: AnchorState;
    try {
      const file = anchorFile.parse(JSON.parse(readFileSync(this.path, 'utf8')));
      if (file.tag !== this.tag(file.anchor)) throw new Error('its tag does not verify under this terminal’s key');
      state = anchorState.parse(JSON.parse(file.anchor));
    } catch (e) {
      throw invalidAnchor(this.path, e instanceof Error ? e.message : String(e));
    }
    return state;
  }

  write(state: AnchorState): void {
    const text = JSON.stringify(state);
    const body = { v: 1 as const, db: this.dbPath, anchor: text, tag: this.tag(text) };
    mkdirSync(resolve(this.path, '..'), { recursive: true, mode: 0o700 });
    writeFileDurably(this.path, `${JSON.stringify(body)}\n`, 0o600);
  }
}

/**
 * The database's path as the anchor's name is made from it: its folder's real path (symlinks, `..`, 8.3 names
 * resolved), lower-cased on Windows, where `C:\\ProgramData` and `c:\\programdata` are one folder. IT's restore and
 * the app must find the same anchor however the folder was typed.
 */
export function canonicalPath(dbPath: string, platform: NodeJS.Platform = process.platform): string {
  const abs = resolve(dbPath);
  let folder = dirname(abs);
  try {
    folder = realpathSync.native(folder);
  } catch {
    // the folder does not exist yet: its path as given
  }
  const path = join(folder, basename(abs));
  return platform === 'win32' ? path.toLowerCase() : path;
}

/** The anchor file of `dbPath` under the key storage of `keys`; null without key storage or for an in-memory store. */
export function anchorFileFor(keys: KeyProvider | Buffer, dbPath: string): AnchorFile | null {
  if (Buffer.isBuffer(keys) || !keys.anchorFolder || dbPath === '' || dbPath === ':memory:') return null;
  return new AnchorFile(keys.anchorFolder, keys, dbPath);
}

function invalidAnchor(path: string, why: string): DeskError {
  return new DeskError(
    'anchor_invalid',
    '',
    `本机保存的数据库锚点 ${path} 无法校验（${why}）：它被改动或损坏，无法确认数据库是否被换成旧副本。未作任何改动。` +
      '请信息科核对：若数据库确为最新，移走该锚点文件后重启（程序会按当前数据库重建锚点）；否则用最近的备份恢复。',
    `the terminal's database anchor ${path} does not verify (${why}): it was altered or damaged, so it cannot be ` +
      'confirmed that the database was not replaced by an older copy. Nothing was changed. IT: if the database is the ' +
      'newest, move the anchor file away and start again (the app anchors the current database); otherwise restore the latest backup.',
  );
}

// ---- the state of a store ----

const utcDate = (d: Date) => d.toISOString().slice(0, 10);

function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return utcDate(d);
}

const SEQUENCE_GLOB = "name GLOB '[SRM]:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'";
const PREFIXES = ['M', 'R', 'S'] as const;

/** Every number sequence of the store (the checks at open and restore: not on the path of a write). */
function allStoreSequences(db: Db): Map<string, number> {
  const rows = db.prepare('SELECT name, value FROM sequences').raw().all() as [string, number][];
  return new Map(rows.filter(([name]) => sequenceName.safeParse(name).success));
}

/** The newest day (not after `to`) the store has a number sequence for, or null: through the key's index. */
function storeNewestDay(db: Db, to: string): string | null {
  let newest: string | null = null;
  const q = db.prepare(`SELECT max(name) FROM sequences WHERE name > ? AND name <= ? AND ${SEQUENCE_GLOB}`).pluck();
  for (const p of PREFIXES) {
    const name = q.get(`${p}:`, `${p}:${to}`) as string | null;
    const day = name?.slice(2) ?? null;
    if (day !== null && (newest === null || day > newest)) newest = day;
  }
  return newest;
}

/** The numbers issued in the store per sequence for the days from `from` to `to` (a range of the key's index). */
function storeSequences(db: Db, from: string, to: string): Map<string, number> {
  const q = db.prepare(`SELECT name, value FROM sequences WHERE name >= ? AND name <= ? AND ${SEQUENCE_GLOB}`).raw();
  const out = new Map<string, number>();
  for (const p of PREFIXES)
    for (const [name, value] of q.all(`${p}:${from}`, `${p}:${to}`) as [string, number][])
      if (sequenceName.safeParse(name).success) out.set(name, value);
  return out;
}

/** The highest rowid of each append-only table. */
function storeRows(db: Db): Record<(typeof APPEND_ONLY)[number], number> {
  const rows = {} as Record<(typeof APPEND_ONLY)[number], number>;
  for (const t of APPEND_ONLY) rows[t] = db.prepare(`SELECT coalesce(max(rowid), 0) FROM ${t}`).pluck().get() as number;
  return rows;
}

/** Whether the store's chain holds entry `seq` with MAC `mac` (hex). */
function chainHas(db: Db, seq: number, mac: string): boolean {
  const m = db.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(seq) as Buffer | undefined;
  return m?.toString('hex') === mac;
}

/**
 * The anchor of a store now: its chain head, its append-only tables' reach, its sequences merged with the previous
 * anchor's (never lower) for its last SEQUENCE_DAYS business days up to tomorrow, a daily mark on a new day.
 *
 * `restored`: after a restore IT confirmed, the marks of the discarded history (past the restored head, or another
 * MAC there) are dropped and the restored head is marked, so later backups of the restored store verify.
 */
export function anchorOf(db: Db, previous: AnchorState | null, now: Date, restored = false): AnchorState {
  const head = chainHead(db);
  const merged = new Map<string, number>(Object.entries(previous?.sequences ?? {}));
  const today = utcDate(now);
  // The newest business day not beyond tomorrow (China Standard Time runs ahead of UTC; a day's margin more), and
  // the days before it: numbers of days past it, issued under a clock set ahead, are not kept (the anchor stays small).
  // Only that window of the store's sequences is read (in SQL), not every day the store has numbered.
  const to = daysBefore(today, -2);
  const stored = storeNewestDay(db, to);
  const newest = [stored, ...[...merged.keys()].map((n) => n.slice(2))]
    .filter((d): d is string => d !== null && d <= to)
    .sort()
    .at(-1);
  const from = newest ? daysBefore(newest, SEQUENCE_DAYS) : to;
  for (const [name, value] of storeSequences(db, from, to)) merged.set(name, Math.max(value, merged.get(name) ?? 0));
  const sequences: Record<string, number> = {};
  for (const name of [...merged.keys()].sort()) {
    const day = name.slice(2);
    if (day >= from && day <= to) sequences[name] = Math.min(merged.get(name)!, MAX_SEQUENCE_VALUE);
  }
  let marks = [...(previous?.marks ?? [])];
  if (restored) marks = marks.filter((m) => m.seq <= head.seq && chainHas(db, m.seq, m.mac) && m.date !== today);
  if (head.mac && (restored || (marks.at(-1)?.date !== today && (marks.at(-1)?.seq ?? -1) <= head.seq)))
    marks.push({ date: today, seq: head.seq, mac: head.mac });
  return {
    seq: head.seq,
    mac: head.mac,
    sequences,
    rows: storeRows(db),
    marks: marks.slice(-MAX_MARKS),
    at: now.toISOString(),
  };
}

/** Why a store is behind (or beside) its anchor, in both languages; null when it is at or ahead of it. */
export function anchorProblem(db: Db, anchor: AnchorState): { zh: string; en: string } | null {
  const when = anchor.at.slice(0, 19).replace('T', ' ');
  const hasChain = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'chain_entries'");
  if (hasChain.pluck().get() === 0)
    return {
      zh: `数据库没有校验链（新建的空库，或校验链被删、结构版本被改回），而本机在 ${when}（UTC）记录的已到第 ${anchor.seq} 条`,
      en: `the database has no chain (a new empty store, or its chain dropped and its schema version set back), while this terminal recorded entry ${anchor.seq} at ${when} UTC`,
    };
  const head = chainHead(db);
  if (head.seq < anchor.seq)
    return {
      zh: `数据库的校验链只到第 ${head.seq} 条，而本机在 ${when}（UTC）记录的已到第 ${anchor.seq} 条：这是一份较旧的副本（备份被拷回、整个数据目录被换回），或最新的记录连同链尾被删`,
      en: `the database's chain ends at entry ${head.seq}, while this terminal recorded entry ${anchor.seq} at ${when} UTC: it is an older copy (a backup copied back, the whole data folder put back) or its newest records were cut off with the chain's tail`,
    };
  if (anchor.mac) {
    const mac = db.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(anchor.seq) as Buffer | undefined;
    if (!mac || mac.toString('hex') !== anchor.mac)
      return {
        zh: `数据库校验链的第 ${anchor.seq} 条与本机在 ${when}（UTC）记录的不同：这不是本机一直在用的数据库（另一份数据库，或校验链被重建）`,
        en: `entry ${anchor.seq} of the database's chain differs from the one this terminal recorded at ${when} UTC: this is not the database the terminal has been using (another store, or a chain rebuilt from scratch)`,
      };
  }
  const reach = storeRows(db);
  for (const t of APPEND_ONLY) {
    const kept = anchor.rows[t] ?? 0;
    if (reach[t] < kept)
      return {
        zh: `数据库的 ${t} 只到第 ${reach[t]} 行，而本机在 ${when}（UTC）记录的已到第 ${kept} 行（这些记录不能删除）：这是一份较旧的副本`,
        en: `the database's ${t} ends at row ${reach[t]}, while this terminal recorded row ${kept} at ${when} UTC (rows that cannot be deleted): it is an older copy`,
      };
  }
  const store = allStoreSequences(db);
  for (const [name, value] of Object.entries(anchor.sequences)) {
    const have = store.get(name) ?? 0;
    if (have < value)
      return {
        zh: `数据库中 ${name} 的编号只到 ${have}，而本机已开出到 ${value}：再收费会重复使用已开出的单号`,
        en: `the database's numbers for ${name} end at ${have}, while this terminal issued up to ${value}: settling would reuse numbers already issued`,
      };
  }
  return null;
}

/** The refusal at open of a store behind its anchor: what happened, and what IT does. */
export function behindAnchorError(problem: { zh: string; en: string }, dbPath: string, anchorPath: string): DeskError {
  return new DeskError(
    'database_behind_anchor',
    '',
    `数据库 ${dbPath} 比本机记录的旧，拒绝打开：${problem.zh}。继续使用会丢失此后的收费记录并重复开出单号。` +
      '请信息科：若有更新的数据库（例如被改名保留的 desk.sqlite.replaced-…），放回原处；若确需使用这份较旧的数据，用恢复命令（README「Restore (IT)」）' +
      `从最近的备份恢复，单号将接着本机开出过的最大号继续，并记入审计日志。只有确要弃用本机开出过的单号记录时，才移走锚点文件 ${anchorPath}（单号将按这份数据库中的编号继续，已开出的单号可能重复）。`,
    `the database ${dbPath} is older than this terminal's record, so it was not opened: ${problem.en}. Using it would ` +
      'lose the records since and issue the same numbers again. IT: if a newer database exists (a desk.sqlite.replaced-… ' +
      "kept aside, say), put it back; if this older data must be used, restore the latest backup with the restore command (README, 'Restore (IT)'): " +
      `numbering then continues after the highest number this terminal issued, and the restore is recorded in the audit log. ` +
      `Only to give up, on purpose, this terminal's record of the numbers it issued: move the anchor file ${anchorPath} away (numbering then continues from this database's own; numbers already issued may be issued again).`,
  );
}

/**
 * Whether a backup's chain (a read-only connection to it) is this store's past: its entry at the newest daily mark
 * it reaches must carry the mark's MAC. 'unplaced' when it reaches no mark (older than the marks kept, or no anchor).
 */
export function backupAgainstAnchor(
  backup: Db,
  anchor: AnchorState | null,
): 'agrees' | 'unplaced' | { zh: string; en: string } {
  if (!anchor) return 'unplaced';
  const head = chainHead(backup);
  const mark = [...anchor.marks].reverse().find((m) => m.seq <= head.seq);
  if (!mark) return 'unplaced';
  const mac = backup.prepare('SELECT mac FROM chain_entries WHERE seq = ?').pluck().get(mark.seq) as Buffer | undefined;
  if (mac?.toString('hex') === mark.mac) return 'agrees';
  return {
    zh: `备份的校验链第 ${mark.seq} 条与本机 ${mark.date} 的记录不同：它不是本机数据库的备份`,
    en: `entry ${mark.seq} of the backup's chain differs from this terminal's record of ${mark.date}: it is not a backup of this terminal's database`,
  };
}

/**
 * After a restore IT confirmed: every sequence below the anchor's high-water mark is raised to it, so the next
 * number follows the highest one ever issued (inside the caller's transaction, so it is chained). Returns the
 * sequences raised, with the value they had.
 */
export function continueNumbering(db: Db, anchor: AnchorState | null): Record<string, { was: number; now: number }> {
  const raised: Record<string, { was: number; now: number }> = {};
  if (!anchor) return raised;
  const store = allStoreSequences(db);
  const upsert = db.prepare(
    'INSERT INTO sequences (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  );
  for (const [name, value] of Object.entries(anchor.sequences)) {
    const have = store.get(name) ?? 0;
    if (have >= value) continue;
    upsert.run(name, value);
    raised[name] = { was: have, now: value };
  }
  return raised;
}

// ---- the anchor of an open store ----

interface Attached {
  file: AnchorFile;
  last: AnchorState | null;
  timer: NodeJS.Timeout | null;
  now: () => Date;
}
const attached = new WeakMap<Db, Attached>();

/**
 * At open for writing, before any migration (db.ts openDatabase): the anchor kept for the store, after refusing a
 * store behind it (unless `restoring`: restore.ts raises the numbers and re-anchors). Before the migrations, so a
 * store whose chain was dropped and its version set back is refused before a migration would chain it afresh.
 */
export function checkAnchor(db: Db, file: AnchorFile, restoring: boolean): AnchorState | null {
  const last = file.read();
  if (last && !restoring) {
    const problem = anchorProblem(db, last);
    if (problem) throw behindAnchorError(problem, file.dbPath, file.path);
  }
  return last;
}

/** Once the store is open (migrated, checked): its anchor follows its commits from now on, written now. */
export function attachAnchor(
  db: Db,
  file: AnchorFile,
  last: AnchorState | null,
  options: { restoring?: boolean; now?: () => Date } = {},
): void {
  const a: Attached = { file, last, timer: null, now: options.now ?? (() => new Date()) };
  attached.set(db, a);
  if (!options.restoring) anchorNow(db);
}

/** The anchor kept for an open store (restore.ts, before it re-anchors). */
export const keptAnchor = (db: Db): AnchorState | null => attached.get(db)?.last ?? null;

/** The anchor the store would write now, as sent to the insurer with each upload batch; null without key storage. */
export function currentAnchor(db: Db): TerminalAnchor | null {
  const a = attached.get(db);
  if (!a || !intact(db)) return null;
  const { seq, mac, sequences, at } = anchorOf(db, a.last, a.now());
  return { seq, mac, sequences, at };
}

/**
 * Writes the store's anchor now when its head or numbers moved (at open, at close, after a restore). A failure to
 * write (a full disk) is logged: the store is ahead of its anchor, which is accepted; it never fails a settlement.
 */
export function anchorNow(db: Db, options: { force?: boolean } = {}): void {
  const a = attached.get(db);
  if (!a || !db.open) return;
  if (a.timer) {
    clearTimeout(a.timer);
    a.timer = null;
  }
  // A store whose chain did not verify is not anchored: what someone changed must not become the terminal's record
  // (a forced write is the restore's, of a store it just verified).
  if (!options.force && !intact(db)) return;
  try {
    const next = anchorOf(db, a.last, a.now(), options.force ?? false);
    const same =
      a.last !== null &&
      next.seq === a.last.seq &&
      next.marks.length === a.last.marks.length &&
      JSON.stringify(next.sequences) === JSON.stringify(a.last.sequences);
    // Never backwards (another process may have anchored a later head of the same chain), unless restoring.
    if (!options.force && (same || (a.last && next.seq < a.last.seq))) return;
    a.file.write(next);
    a.last = next;
  } catch (e) {
    console.error(`the database anchor ${a.file.path} could not be written: ${(e as Error).message}`);
  }
}

/** The connection's last chain check passed (or none ran). */
const intact = (db: Db): boolean => integrityStatus(db)?.ok ?? true;

/** After a commit (db.ts writeTransaction): the anchor is rewritten shortly after, once for a burst of commits. */
export function anchorSoon(db: Db): void {
  const a = attached.get(db);
  if (!a || a.timer) return;
  a.timer = setTimeout(() => {
    a.timer = null;
    anchorNow(db);
  }, WRITE_DELAY_MS);
  a.timer.unref();
}
