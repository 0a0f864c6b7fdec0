/**
 * The schema our migrations build, per schema version: built once per process on an empty in-memory database
 * and cached. Used to check that a store (at every start and full chain check, store/chain.ts) and a backup file
 * (store/backup.ts verifyDatabaseFile) hold exactly our tables, columns, indexes, triggers and views: an injected
 * trigger (e.g. one that RAISE(IGNORE)s the PIN lockout's write) changes no row the chain covers.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { registerChain } from './chain.js';
import { migrate, type Db } from './db.js';

/** One schema object as sqlite_master lists it, its SQL with runs of whitespace collapsed. */
export interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

interface Reference {
  /** Each table and its columns (sorted). */
  tables: Map<string, string[]>;
  /** Every schema object, keyed by `${type} ${name}`. */
  objects: Map<string, SchemaObject>;
}

const references = new Map<number, Reference>();

function reference(version: number): Reference {
  let ref = references.get(version);
  if (!ref) {
    const mem = new Database(':memory:');
    try {
      // The chain's migration seals the rows there are (none here) under a chain key: a throwaway one.
      registerChain(mem, randomBytes(32));
      migrate(mem, 0, version);
      ref = { tables: tableColumns(mem), objects: schemaObjects(mem) };
    } finally {
      mem.close();
    }
    references.set(version, ref);
  }
  return ref;
}

/** Each table of our schema at `version` and its columns (sorted), from the migrations. */
export function referenceSchema(version: number): Map<string, string[]> {
  return reference(version).tables;
}

/** Every object (table, index, trigger, view) of our schema at `version`, from the migrations. */
export function referenceObjects(version: number): Map<string, SchemaObject> {
  return reference(version).objects;
}

/** SQLite's own objects (sqlite_sequence, sqlite_autoindex_*, sqlite_stat*) follow from ours or from ANALYZE. */
const OURS = "substr(name, 1, 7) <> 'sqlite_'";

/** A database's tables and their columns (sorted). */
export function tableColumns(db: Db): Map<string, string[]> {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${OURS} ORDER BY name`)
    .pluck()
    .all() as string[];
  return new Map(
    names.map((t) => [t, (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(t) as string[]).sort()]),
  );
}

const normalise = (sql: unknown): string | null => (typeof sql === 'string' ? sql.replace(/\s+/g, ' ').trim() : null);

/** A database's schema objects, keyed by `${type} ${name}`. */
export function schemaObjects(db: Db): Map<string, SchemaObject> {
  const rows = db
    .prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE ${OURS} ORDER BY type, name`)
    .all() as { type: unknown; name: unknown; tbl_name: unknown; sql: unknown }[];
  return new Map(
    rows.map((r) => {
      const o = { type: String(r.type), name: String(r.name), tbl_name: String(r.tbl_name), sql: normalise(r.sql) };
      return [`${o.type} ${o.name}`, o];
    }),
  );
}

export interface SchemaDifference {
  change: 'extra' | 'missing' | 'changed';
  type: string;
  name: string;
}

/** The first object (in type, name order) in which `db`'s schema differs from ours at `version`; null when none. */
export function schemaDifference(db: Db, version: number): SchemaDifference | null {
  const ours = referenceObjects(version);
  const theirs = schemaObjects(db);
  const diffs: SchemaDifference[] = [];
  for (const [k, o] of theirs) {
    const r = ours.get(k);
    if (!r) diffs.push({ change: 'extra', type: o.type, name: o.name });
    else if (r.tbl_name !== o.tbl_name || r.sql !== o.sql)
      diffs.push({ change: 'changed', type: o.type, name: o.name });
  }
  for (const [k, r] of ours) if (!theirs.has(k)) diffs.push({ change: 'missing', type: r.type, name: r.name });
  diffs.sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : 1) : a.type < b.type ? -1 : 1));
  return diffs[0] ?? null;
}
