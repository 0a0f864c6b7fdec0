/**
 * Prepared statements cached per connection and SQL text (issue 18): preparing
 * one costs more than running most of ours, so a statement on a per-row path
 * is prepared once per connection. The terminal's store and the reference
 * insurer use it alike.
 *
 * A cached statement is shared by every caller of the same SQL: never switch
 * its mode (pluck, raw, expand), or another caller gets that mode too.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function cached(db: Database.Database, sql: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
