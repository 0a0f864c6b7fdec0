/**
 * Published rule packages, each stored with its signature. Publishing
 * validates the package with the same schema the terminals use and refuses a
 * version that would clash with a published one (RuleSet's check), so that a
 * terminal never receives a set it cannot install. Signatures are made at
 * publish time and renewed when a download finds them close to expiry, so a
 * terminal always gets one valid for a while yet.
 */
import { createHash } from 'node:crypto';
import { RuleSet, RuleSetCache, parseRulePackage } from '../shared/rules/ruleset.js';
import type { RulePackage } from '../shared/rules/schema.js';
import { DeskError } from '../shared/errors.js';
import { MAX_BODY_BYTES, type PackageSummary, type RuleQueryRequest } from '../shared/sync/protocol.js';
import { writeTransaction, type Db } from './db.js';
import type { Signer } from './signing.js';

const DAY_MS = 86_400_000;

export interface SigningPolicy {
  /** How long a signature is valid (the terminal refuses the package afterwards). */
  validityDays: number;
  /** A download renews a signature with less than this left. */
  renewBeforeDays: number;
}

interface PackageRow {
  id: number;
  region: string;
  region_name: string;
  version: string;
  effective_from: string;
  effective_to: string | null;
  package_json: string;
  sha256: string;
  published_at: string;
  key_id: string;
  signed_at: string;
  valid_until: string;
  signature: string;
}

export class PackageStore {
  private readonly cache = new RuleSetCache();

  constructor(
    private readonly db: Db,
    private readonly signer: Signer,
    private readonly policy: SigningPolicy,
    private readonly now: () => Date,
  ) {}

  private signature(packageJson: string): { signed_at: string; valid_until: string; value: string } {
    const at = this.now();
    const s = this.signer.sign(
      packageJson,
      at.toISOString(),
      new Date(at.getTime() + this.policy.validityDays * DAY_MS).toISOString(),
    );
    return { signed_at: s.signed_at, valid_until: s.valid_until, value: s.value };
  }

  /** Validates, checks it fits with the published versions, signs and stores. Throws DeskError when refused. */
  publish(raw: unknown): PackageSummary {
    const pkg = parseRulePackage(raw);
    return writeTransaction(this.db, () => {
      RuleSet.fromValidated([...this.packages(), pkg]);
      const json = JSON.stringify(pkg);
      // The download (package as a JSON string inside the envelope) must fit the protocol's body limit.
      if (
        Buffer.byteLength(json) > MAX_BODY_BYTES / 2 ||
        Buffer.byteLength(JSON.stringify(json)) > MAX_BODY_BYTES - 4096
      ) {
        throw new DeskError(
          'invalid_rule_package',
          '',
          `规则包过大（超过 ${MAX_BODY_BYTES / 2} 字节）`,
          `the rule package is too large (over ${MAX_BODY_BYTES / 2} bytes)`,
        );
      }
      const sig = this.signature(json);
      this.db
        .prepare(
          `INSERT INTO rule_packages (region, region_name, version, effective_from, effective_to, package_json, sha256, published_at, key_id, signed_at, valid_until, signature)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          pkg.region.id,
          pkg.region.name,
          pkg.version,
          pkg.effective.from,
          pkg.effective.to,
          json,
          sha256(json),
          this.now().toISOString(),
          this.signer.keyId,
          sig.signed_at,
          sig.valid_until,
          sig.value,
        );
      return summary(this.row(pkg.region.id, pkg.version)!);
    });
  }

  isEmpty(): boolean {
    return !this.db.prepare('SELECT 1 FROM rule_packages LIMIT 1').get();
  }

  private packages(): RulePackage[] {
    return (
      this.db.prepare('SELECT region, version, package_json FROM rule_packages ORDER BY id').all() as PackageRow[]
    ).map((r) => parseRulePackage(JSON.parse(r.package_json) as unknown, `${r.region}/${r.version}`));
  }

  /** The insurer's rules: every published version. Rebuilt when another connection (the publish CLI) has published. */
  ruleSet(): RuleSet {
    const latest = (this.db.prepare('SELECT max(id) AS id FROM rule_packages').get() as { id: number | null }).id ?? 0;
    return this.cache.get(latest, () => this.packages());
  }

  private row(region: string, version: string): PackageRow | undefined {
    return this.db.prepare('SELECT * FROM rule_packages WHERE region = ? AND version = ?').get(region, version) as
      PackageRow | undefined;
  }

  /** Per region, the versions that start later than the terminal's `after_version` (all when it is null or unknown here). */
  query(q: RuleQueryRequest): PackageSummary[] {
    const all = this.db.prepare('SELECT * FROM rule_packages ORDER BY region, effective_from').all() as PackageRow[];
    if (q.regions === null) return all.map(summary);
    const out: PackageSummary[] = [];
    for (const { region, after_version } of q.regions) {
      const mine = all.filter((r) => r.region === region);
      const known = after_version === null ? undefined : mine.find((r) => r.version === after_version);
      for (const r of mine) if (!known || r.effective_from > known.effective_from) out.push(summary(r));
    }
    return out;
  }

  /** The package with a signature valid for at least renewBeforeDays more (renewed here otherwise). */
  download(
    region: string,
    version: string,
  ): {
    region: string;
    version: string;
    package_json: string;
    sha256: string;
    signature: ReturnType<Signer['sign']>;
  } | null {
    let r = this.row(region, version);
    if (!r) return null;
    const left = Date.parse(r.valid_until) - this.now().getTime();
    if (r.key_id !== this.signer.keyId || left < this.policy.renewBeforeDays * DAY_MS) {
      const sig = this.signature(r.package_json);
      writeTransaction(this.db, () =>
        this.db
          .prepare('UPDATE rule_packages SET key_id = ?, signed_at = ?, valid_until = ?, signature = ? WHERE id = ?')
          .run(this.signer.keyId, sig.signed_at, sig.valid_until, sig.value, r!.id),
      );
      r = this.row(region, version)!;
    }
    return {
      region: r.region,
      version: r.version,
      package_json: r.package_json,
      sha256: r.sha256,
      signature: {
        algorithm: 'Ed25519',
        key_id: r.key_id,
        signed_at: r.signed_at,
        valid_until: r.valid_until,
        value: r.signature,
      },
    };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function summary(r: PackageRow): PackageSummary {
  return {
    region: r.region,
    region_name: r.region_name,
    version: r.version,
    effective_from: r.effective_from,
    effective_to: r.effective_to,
    sha256: r.sha256,
    size: Buffer.byteLength(r.package_json, 'utf8'),
    published_at: r.published_at,
  };
}
