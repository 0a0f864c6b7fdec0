/**
 * Numbered schema migrations: MIGRATIONS[n] takes user_version n to n + 1. Never edit one that has shipped; add the next.
 *
 * The keyed chain (../chain.ts) covers every table not in CHAIN_EXCLUDED through triggers generated from the
 * table's columns. A migration that adds a table, adds or drops a column, or rebuilds a table (CREATE new, copy,
 * DROP, RENAME: dropping a table drops its triggers) must regenerate them in its `run` step:
 * `run: (db) => resealTables(db, ['the_table'])`, which also chains the table's rows as they now are.
 * test/tamper-chain.test.ts fails for a table or column the chain does not cover.
 */
import { sql as initial } from './0001-initial.js';
import { sql as slips } from './0002-slips.js';
import { sql as historyIndex } from './0003-history-index.js';
import { sql as sync } from './0004-sync.js';
import { sql as benefitYears } from './0005-benefit-years.js';
import { sql as feeLines } from './0006-fee-lines.js';
import { sql as nhsa } from './0007-nhsa.js';
import { sql as syncLease } from './0008-sync-lease.js';
import { sql as nhsaStays } from './0009-nhsa-stays.js';
import { sql as outboxWithdrawn } from './0010-outbox-withdrawn.js';
import { sql as windowCollections } from './0012-window-collections.js';
import { sql as nhsaReconcile } from './0011-nhsa-reconcile.js';
import { sql as chain, run as chainRun } from './0013-chain.js';
import { sql as storeIdentity, run as storeIdentityRun } from './0014-store-identity.js';
import { sql as ytdTotals, run as ytdTotalsRun } from './0015-ytd-totals.js';
import type { Db } from '../db.js';

export interface Migration {
  name: string;
  sql: string;
  /** Runs after `sql` in the same transaction: what SQL alone cannot do (the chain's generated triggers). */
  run?: (db: Db) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  { name: '0001-initial', sql: initial },
  { name: '0002-slips', sql: slips },
  { name: '0003-history-index', sql: historyIndex },
  { name: '0004-sync', sql: sync },
  { name: '0005-benefit-years', sql: benefitYears },
  { name: '0006-fee-lines', sql: feeLines },
  { name: '0007-nhsa', sql: nhsa },
  { name: '0008-sync-lease', sql: syncLease },
  { name: '0009-nhsa-stays', sql: nhsaStays },
  { name: '0010-outbox-withdrawn', sql: outboxWithdrawn },
  { name: '0011-nhsa-reconcile', sql: nhsaReconcile },
  { name: '0012-window-collections', sql: windowCollections },
  { name: '0013-chain', sql: chain, run: chainRun },
  { name: '0014-store-identity', sql: storeIdentity, run: storeIdentityRun },
  { name: '0015-ytd-totals', sql: ytdTotals, run: ytdTotalsRun },
];
