/** Numbered schema migrations: MIGRATIONS[n] takes user_version n to n + 1. Never edit one that has shipped; add the next. */
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

export interface Migration {
  name: string;
  sql: string;
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
];
