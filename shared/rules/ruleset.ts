/**
 * A set of validated rule packages, several versions per region. The engine
 * asks it which version is in force on a date (domain.md §3, rule selection).
 */
import { DeskError, fromZodError } from '../errors.js';
import { rulePackageSchema, type RulePackage } from './schema.js';

/** Validates one package; a malformed one is refused with the path of the bad value. */
export function parseRulePackage(raw: unknown, label = ''): RulePackage {
  const parsed = rulePackageSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return parsed.data;
  const e = fromZodError(parsed.error, 'invalid_rule_package').body;
  const where = label ? `${label}: ` : '';
  throw new DeskError(
    'invalid_rule_package',
    e.field,
    `${where}规则包无效：${e.field} ${e.message}`,
    `${where}invalid rule package: ${e.field} ${e.message_en}`,
  );
}

export class RuleSet {
  /** Per region, newest effective.from first. */
  private readonly byRegion = new Map<string, RulePackage[]>();

  private constructor(packages: RulePackage[]) {
    for (const pkg of packages) {
      const list = this.byRegion.get(pkg.region.id) ?? [];
      const clash = list.find((p) => p.effective.from === pkg.effective.from || p.version === pkg.version);
      if (clash) {
        throw new DeskError(
          'conflicting_rule_packages',
          'effective.from',
          `${pkg.region.name} 规则版本 ${pkg.version} 与 ${clash.version} 版本号或生效日期相同，无法确定适用版本`,
          `region ${pkg.region.id}: versions ${pkg.version} and ${clash.version} share a version or an effective date`,
        );
      }
      list.push(pkg);
      list.sort((a, b) => (a.effective.from < b.effective.from ? 1 : -1));
      this.byRegion.set(pkg.region.id, list);
    }
  }

  static fromPackages(raw: readonly unknown[]): RuleSet {
    return new RuleSet(raw.map((p, i) => parseRulePackage(p, `#${i + 1}`)));
  }

  static fromValidated(packages: readonly RulePackage[]): RuleSet {
    return new RuleSet([...packages]);
  }

  /** Every layer id the region's installed versions have (a request may not name another). */
  layerIds(region: string): Set<string> {
    return new Set(this.versions(region).flatMap((p) => p.layers.map((l) => l.id)));
  }

  hasRegion(region: string): boolean {
    return this.byRegion.has(region);
  }

  regions(): string[] {
    return [...this.byRegion.keys()].sort();
  }

  versions(region: string): readonly RulePackage[] {
    return this.byRegion.get(region) ?? [];
  }

  /**
   * The version in force on `date`: the one with the latest start on or before
   * the date whose end (if any) is not before it. A newer version thereby
   * supersedes an open-ended older one from its start date.
   */
  versionFor(region: string, date: string): RulePackage | undefined {
    for (const pkg of this.versions(region)) {
      if (pkg.effective.from > date) continue;
      if (pkg.effective.to !== null && pkg.effective.to < date) return undefined;
      return pkg;
    }
    return undefined;
  }
}

/**
 * The RuleSet of a package table, rebuilt only when the table has changed
 * (another connection installed or published a package): the caller passes the
 * table's newest row id and how to load the packages. Used by the terminal's
 * store and the reference insurer alike.
 */
export class RuleSetCache {
  private cached: RuleSet | null = null;
  private cachedAt = -1;

  get(latestId: number, load: () => RulePackage[]): RuleSet {
    if (!this.cached || this.cachedAt !== latestId) {
      this.cached = RuleSet.fromValidated(load());
      this.cachedAt = latestId;
    }
    return this.cached;
  }

  /** Forget the set (after a write on this connection). */
  clear(): void {
    this.cached = null;
  }
}
