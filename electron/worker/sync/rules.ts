/**
 * Rule package pull: ask for versions newer than the newest installed one per
 * region, download each, verify it (verify-package.ts) and install it as
 * 'verified'. A refused package is recorded with its reason and nothing is
 * installed; a transport failure aborts the check (SyncError) and changes
 * nothing.
 */
import type { KeyObject } from 'node:crypto';
import { DeskError } from '../../../shared/errors.js';
import { ENDPOINTS, ruleDownloadPath } from '../../../shared/sync/protocol.js';
import type { Db } from '../store/db.js';
import { writeTransaction } from '../store/db.js';
import type { RuleStore } from '../store/rule-store.js';
import type { InsurerSession } from './session.js';
import { verifyPackage } from './verify-package.js';

export interface RulePullResult {
  installed: { region: string; version: string }[];
  refused: { region: string; version: string; reason: string }[];
}

export async function pullRules(
  db: Db,
  rules: RuleStore,
  session: InsurerSession,
  pinned: ReadonlyMap<string, KeyObject>,
  now: () => Date,
): Promise<RulePullResult> {
  // Newest installed version per region (list() is ordered by effective_from descending within a region).
  const newest = new Map<string, string>();
  for (const p of rules.list()) if (!newest.has(p.region)) newest.set(p.region, p.version);
  const listing = await session.call(ENDPOINTS.ruleQuery.response, {
    method: 'POST',
    path: ENDPOINTS.ruleQuery.path,
    body: { regions: [...newest].map(([region, after_version]) => ({ region, after_version })) },
  });
  const installedNow = new Set(rules.list().map((p) => `${p.region}/${p.version}`));
  const todo = listing.packages
    .filter((p) => !installedNow.has(`${p.region}/${p.version}`))
    .sort((a, b) => a.effective_from.localeCompare(b.effective_from));
  const result: RulePullResult = { installed: [], refused: [] };
  for (const summary of todo) {
    const wanted = { region: summary.region, version: summary.version };
    const d = await session.call(ENDPOINTS.ruleDownload.response, {
      method: 'GET',
      path: ruleDownloadPath(summary.region, summary.version),
    });
    const verdict = verifyPackage(d, pinned, now(), wanted);
    let reason: string | null = verdict.ok ? null : verdict.reason;
    if (verdict.ok) {
      try {
        rules.install(verdict.pkg, 'verified', null);
        result.installed.push(wanted);
      } catch (e) {
        reason =
          e instanceof DeskError
            ? `无法安装 (cannot install): ${e.body.message}`
            : `无法安装 (cannot install): ${(e as Error).message}`;
      }
    }
    if (reason !== null) {
      result.refused.push({ ...wanted, reason });
      writeTransaction(db, () =>
        db
          .prepare('INSERT INTO rule_refusals (region, version, reason, refused_at) VALUES (?, ?, ?, ?)')
          .run(wanted.region, wanted.version, reason, now().toISOString()),
      );
    }
  }
  writeTransaction(db, () =>
    db.prepare('UPDATE sync_state SET rule_check_at = ? WHERE id = 1').run(now().toISOString()),
  );
  return result;
}
