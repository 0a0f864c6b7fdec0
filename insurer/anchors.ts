/**
 * The terminals' anchors (shared/sync/protocol/anchor.ts): each upload batch of our own protocol carries how far
 * the terminal's keyed chain and numbering had got. The insurer keeps every anchor it receives, per terminal, so
 * that a terminal put back on an old copy of its database (its chain behind one it sent before) is on record here
 * even if the terminal's own anchor was lost with its machine: `behind` marks such an anchor. The terminal's
 * claims are answered as before; what to do about a terminal behind its past is the hospital's and the insurer's
 * call, with this table as the evidence.
 */
import type { TerminalAnchor } from '../shared/sync/protocol/anchor.js';
import type { Db } from './db.js';
import type { Terminal } from './terminals.js';

export const ANCHORS_SCHEMA = `
CREATE TABLE terminal_anchors (
  id INTEGER PRIMARY KEY,
  terminal_id INTEGER NOT NULL REFERENCES terminals (id),
  seq INTEGER NOT NULL,
  mac TEXT,
  -- JSON object: sequence name -> highest number issued.
  sequences TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  -- 1 when seq is below the highest seq this terminal sent before (or a sequence below one it sent).
  behind INTEGER NOT NULL
);
CREATE INDEX terminal_anchors_terminal ON terminal_anchors (terminal_id, seq);`;

/**
 * Records one anchor; returns whether it is behind what the terminal sent before. The same head sent again (a
 * retried or replayed batch) is not stored twice, so the table grows with the terminal's changes, not its retries.
 */
export function recordAnchor(db: Db, terminal: Terminal, anchor: TerminalAnchor, now: Date): boolean {
  const last = db
    .prepare('SELECT seq, mac FROM terminal_anchors WHERE terminal_id = ? ORDER BY id DESC LIMIT 1')
    .get(terminal.id) as { seq: number; mac: string | null } | undefined;
  if (last && last.seq === anchor.seq && last.mac === anchor.mac) return false;
  const highest = db
    .prepare('SELECT seq, sequences FROM terminal_anchors WHERE terminal_id = ? ORDER BY seq DESC, id DESC LIMIT 1')
    .get(terminal.id) as { seq: number; sequences: string } | undefined;
  let behind = false;
  if (highest) {
    const before = JSON.parse(highest.sequences) as Record<string, number>;
    behind =
      anchor.seq < highest.seq ||
      Object.entries(before).some(([name, n]) => name in anchor.sequences && anchor.sequences[name]! < n);
  }
  db.prepare(
    `INSERT INTO terminal_anchors (terminal_id, seq, mac, sequences, sent_at, received_at, behind)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    terminal.id,
    anchor.seq,
    anchor.mac,
    JSON.stringify(anchor.sequences),
    anchor.at,
    now.toISOString(),
    behind ? 1 : 0,
  );
  if (behind)
    console.error(
      `terminal ${terminal.hospital_code}/${terminal.terminal_code} sent an anchor behind an earlier one (chain entry ${anchor.seq} < ${highest!.seq}): an older copy of its database?`,
    );
  return behind;
}

/** One anchor as the insurer keeps it. */
export interface AnchorRecord {
  hospital_code: string;
  terminal_code: string;
  seq: number;
  mac: string | null;
  sequences: Record<string, number>;
  sent_at: string;
  received_at: string;
  behind: boolean;
}

/** Every anchor received, oldest first (the admin's and the tests' view). */
export function listAnchors(db: Db): AnchorRecord[] {
  const rows = db
    .prepare(
      `SELECT t.hospital_code, t.terminal_code, a.seq, a.mac, a.sequences, a.sent_at, a.received_at, a.behind
       FROM terminal_anchors a JOIN terminals t ON t.id = a.terminal_id ORDER BY a.id`,
    )
    .all() as (Omit<AnchorRecord, 'sequences' | 'behind'> & { sequences: string; behind: number })[];
  return rows.map((r) => ({
    ...r,
    sequences: JSON.parse(r.sequences) as Record<string, number>,
    behind: r.behind === 1,
  }));
}
