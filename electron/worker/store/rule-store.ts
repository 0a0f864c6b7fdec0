/**
 * Installed rule packages: every version with its effective period, source
 * (bundled or from the insurer), signature status and install time. The engine
 * reads its rules from here, not from files; the bundled packages are installed
 * on first start. Every body is validated again when it is loaded.
 */
import { createHash } from 'node:crypto';
import { DeskError } from '../../../shared/errors.js';
import { bundledPackages } from '../../../shared/rules/bundled.js';
import { RuleSet, RuleSetCache, parseRulePackage } from '../../../shared/rules/ruleset.js';
import type { RulePackage } from '../../../shared/rules/schema.js';
import type { Clock } from './clock.js';
import { writeTransaction, type Db } from './db.js';
import { appendAudit } from './audit.js';

export interface InstalledPackage {
  region: string;
  region_name: string;
  version: string;
  effective_from: string;
  effective_to: string | null;
  source: 'bundled' | 'insurer';
  signature: 'bundled' | 'verified';
  sha256: string;
  installed_at: string;
  uses_sample_values: boolean;
}

export class RuleStore {
  private readonly cache = new RuleSetCache();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * At start: install the bundled packages that are not there yet. A newer
   * bundled version replaces the older bundled ones of its region (an app
   * update: 2023.2 gives the basic parameters and each layer their own periods,
   * domain.md §3 corrected 2026-11-30; left installed, the older one would win
   * from its later start date). The insurer's packages are never touched.
   */
  installBundled(): void {
    writeTransaction(this.db, () => {
      for (const raw of bundledPackages) {
        const pkg = parseRulePackage(raw);
        if (
          this.db
            .prepare('SELECT 1 FROM rule_packages WHERE region = ? AND version = ?')
            .get(pkg.region.id, pkg.version)
        )
          continue;
        const replaced = this.db
          .prepare("SELECT version FROM rule_packages WHERE region = ? AND source = 'bundled'")
          .pluck()
          .all(pkg.region.id) as string[];
        this.db.prepare("DELETE FROM rule_packages WHERE region = ? AND source = 'bundled'").run(pkg.region.id);
        this.insert(pkg, 'bundled', 'bundled');
        if (replaced.length > 0) {
          appendAudit(this.db, {
            at: this.clock.now().toISOString(),
            operatorId: null,
            action: 'rules.install',
            entity: 'rule_package',
            entityId: `${pkg.region.id}/${pkg.version}`,
            detail: { signature: 'bundled', replaced },
          });
        }
      }
    });
  }

  /**
   * Installs a package received from the insurer, whose signature the caller
   * has verified. A new version must not clash with the installed ones.
   */
  install(raw: unknown, signature: 'verified', operatorId: number | null): InstalledPackage {
    const pkg = parseRulePackage(raw);
    return writeTransaction(this.db, () => {
      if (
        this.db.prepare('SELECT 1 FROM rule_packages WHERE region = ? AND version = ?').get(pkg.region.id, pkg.version)
      ) {
        throw new DeskError(
          'conflicting_rule_packages',
          'version',
          `${pkg.region.name} 规则 ${pkg.version} 已安装`,
          `${pkg.region.id} ${pkg.version} is already installed`,
        );
      }
      RuleSet.fromValidated([...this.packages(), pkg]);
      this.insert(pkg, 'insurer', signature);
      appendAudit(this.db, {
        at: this.clock.now().toISOString(),
        operatorId,
        action: 'rules.install',
        entity: 'rule_package',
        entityId: `${pkg.region.id}/${pkg.version}`,
        detail: { signature },
      });
      return this.list().find((p) => p.region === pkg.region.id && p.version === pkg.version)!;
    });
  }

  private insert(pkg: RulePackage, source: 'bundled' | 'insurer', signature: 'bundled' | 'verified'): void {
    const body = JSON.stringify(pkg);
    this.db
      .prepare(
        'INSERT INTO rule_packages (region, version, effective_from, effective_to, source, signature, body, sha256, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        pkg.region.id,
        pkg.version,
        pkg.effective.from,
        pkg.effective.to,
        source,
        signature,
        body,
        createHash('sha256').update(body).digest('hex'),
        this.clock.now().toISOString(),
      );
    this.cache.clear();
  }

  private packages(): RulePackage[] {
    return (
      this.db.prepare('SELECT region, version, body FROM rule_packages ORDER BY id').all() as {
        region: string;
        version: string;
        body: string;
      }[]
    ).map((r) => parseRulePackage(JSON.parse(r.body) as unknown, `${r.region}/${r.version}`));
  }

  /** Rebuilt when another connection (the sync worker, a second window) has installed a package. */
  ruleSet(): RuleSet {
    const latest = (this.db.prepare('SELECT max(id) AS id FROM rule_packages').get() as { id: number | null }).id ?? 0;
    return this.cache.get(latest, () => this.packages());
  }

  list(): InstalledPackage[] {
    const rows = this.db
      .prepare(
        'SELECT region, version, effective_from, effective_to, source, signature, sha256, installed_at, body FROM rule_packages ORDER BY region, effective_from DESC',
      )
      .all() as (Omit<InstalledPackage, 'region_name' | 'uses_sample_values'> & { body: string })[];
    return rows.map(({ body, ...r }) => {
      const pkg = JSON.parse(body) as RulePackage;
      const sample =
        Object.values(pkg.schemes).some((s) => s?.status === 'sample') ||
        pkg.layers.some(
          (l) =>
            l.parts.some((p) => p.status === 'sample') ||
            l.annual_cap?.status === 'sample' ||
            l.combined_cap?.status === 'sample',
        );
      return { ...r, region_name: pkg.region.name, uses_sample_values: sample };
    });
  }
}
