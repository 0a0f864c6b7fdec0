/**
 * The insurer's recomputation of a claim (domain.md §1, offline): the same
 * engine and the terminal's bill (hospital level, dates, costs), but the
 * person as the insurer knows them (region, scheme, retired, assistance,
 * enrolment) and the insurer's own accumulators, which include stays at other
 * hospitals. Where the inputs differ, reasons() names them for the answer.
 */
import { Decimal } from '../shared/money.js';
import { yearOf, yearsBetween } from '../shared/dates.js';
import { enrolledIn, enrolmentForYears, onlyRegionLayers } from '../shared/engine/insured.js';
import { settle } from '../shared/engine/settle.js';
import type { YtdJson } from '../shared/engine/accumulators.js';
import type { SettlementResult } from '../shared/engine/result.js';
import type { RuleSet } from '../shared/rules/ruleset.js';
import type { AdjustmentReason, SettlementRequestWire } from '../shared/sync/protocol.js';
import type { Person } from './persons.js';

const MAX_REASONS = 50;

export function yearsOf(request: SettlementRequestWire): number[] {
  return [...new Set(request.costs.map((c) => yearOf(c.date)))].sort((a, b) => a - b);
}

/** Settles the terminal's bill with the insurer's person and accumulators. Throws DeskError when the engine refuses. */
export function recompute(
  person: Person,
  request: SettlementRequestWire,
  ytd: YtdJson,
  rules: RuleSet,
): SettlementResult {
  // Only flags and accumulators of layers the person's region has (shared with the terminal's request builder).
  const own = onlyRegionLayers(rules.layerIds(person.region), person.enrolled, ytd);
  const enrolled = enrolmentForYears(own.enrolled, yearsBetween(request.admission_date, request.discharge_date));
  const ownYtd: YtdJson = own.ytd;
  return settle(
    {
      region: person.region,
      insured: {
        scheme: person.scheme,
        retired: person.retired,
        medical_assistance: person.medical_assistance,
        enrolled,
        suspended_years: person.suspended_years,
      },
      hospital_level: request.hospital_level,
      admission_date: request.admission_date,
      discharge_date: request.discharge_date,
      costs: request.costs,
      ytd: ownYtd,
      // What the bill says of other schemes and of its filing date is the hospital's, not the person's: taken as sent.
      ...(request.prior_compensation ? { prior_compensation: request.prior_compensation } : {}),
      ...(request.claim_filed_on ? { claim_filed_on: request.claim_filed_on } : {}),
    },
    rules,
    { trace: false },
  );
}

/** The inputs where the terminal's request differs from the insurer's data, for the adjusted answer. */
export function reasons(
  person: Person,
  request: SettlementRequestWire,
  insurerYtd: YtdJson,
  terminalResult: Record<string, unknown>,
  insurerResult: SettlementResult,
): AdjustmentReason[] {
  const out: AdjustmentReason[] = [];
  const differ = (field: string, terminal: string, insurer: string) => {
    if (terminal !== insurer && out.length < MAX_REASONS) out.push({ field, terminal, insurer });
  };
  differ('region', request.region, person.region);
  differ('insured.scheme', request.insured.scheme, person.scheme);
  differ('insured.retired', String(request.insured.retired), String(person.retired));
  differ('insured.medical_assistance', String(request.insured.medical_assistance), String(person.medical_assistance));
  const flags = request.insured.enrolled ?? {};
  for (const id of [...new Set([...Object.keys(flags), ...Object.keys(person.enrolled)])].sort()) {
    for (const y of yearsOf(request))
      differ(
        `insured.enrolled.${id}.${y}`,
        String(enrolledIn(flags[id], y)),
        String(enrolledIn(person.enrolled[id], y)),
      );
  }
  differ(
    'insured.suspended_years',
    [...(request.insured.suspended_years ?? [])].sort().join(','),
    [...person.suspended_years].sort().join(','),
  );
  for (const [year, layers] of Object.entries(insurerYtd)) {
    const theirs = request.ytd?.[year] ?? {};
    for (const id of [...new Set([...Object.keys(layers), ...Object.keys(theirs)])].sort()) {
      const a = theirs[id] ?? {};
      const b = layers[id] ?? {};
      for (const f of ['paid', 'base'] as const) {
        const t = new Decimal(a[f] ?? '0');
        const i = new Decimal(b[f] ?? '0');
        if (!t.equals(i)) differ(`ytd.${year}.${id}.${f}`, t.toFixed(2), i.toFixed(2));
      }
      differ(`ytd.${year}.${id}.admissions`, String(a.admissions ?? 0), String(b.admissions ?? 0));
    }
  }
  // A terminal settling with an older rule version than the insurer's shows up here.
  const versions = (parts: unknown) =>
    Array.isArray(parts) ? parts.map((p) => String((p as { rule_version?: unknown }).rule_version)).join(',') : '';
  if (Array.isArray(terminalResult.parts))
    differ('rule_versions', versions(terminalResult.parts), versions(insurerResult.parts));
  return out;
}
