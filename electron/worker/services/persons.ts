/**
 * Insured persons: identity numbers encrypted and found by HMAC, masked on
 * screen; what is known of their insurance as dated snapshots (entered by the
 * cashier or received from the insurer); year-to-date accumulators from the
 * snapshot plus the ledger's movements since. The window's person.* calls.
 */
import { DeskError } from '../../../shared/errors.js';
import { Decimal, ZERO, formatAmount, type Money } from '../../../shared/money.js';
import { yearOf } from '../../../shared/dates.js';
import type { Enrolment } from '../../../shared/engine/insured.js';
import type { LayerAccumulator } from '../../../shared/engine/request.js';
import { BASIC_LAYER_ID } from '../../../shared/rules/schema.js';
import type { RecordPersonInput } from '../../../shared/store/inputs.js';
import type { PersonSummary } from '../../../shared/store/records.js';
import type { FoundPerson } from '../../../shared/ipc/contract.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { businessDate } from '../store/clock.js';
import { writeTransaction } from '../store/db.js';
import { maskIdNumber, normalizeIdNumber } from '../store/pii.js';
import { readYtd, rebuildPerson } from '../store/ytd-totals.js';
import { cached } from '../../node/statement-cache.js';
import { idNumberProblem, limitError } from '../../../shared/limits.js';
import { genderOfIdNumber } from '../../../shared/sync/id-number.js';
import { assertCan, type Session } from './access.js';
import { audit, nowIso, type ServiceContext } from './context.js';

export type Ytd = Record<string, Record<string, LayerAccumulator>>;

/** The person's latest snapshot as stored (JSON columns still text). */
export interface SnapshotRow {
  region: string;
  scheme: 'employee' | 'resident';
  retired: number;
  medical_assistance: number;
  enrolled: string;
  suspended_years: string;
  accumulators: string;
  source: 'cashier' | 'insurer';
  as_of: string;
}

export class Persons {
  constructor(private readonly ctx: ServiceContext) {}

  /** Records what is known of a person now (entered by the cashier or received from the insurer). */
  record(session: Session, p: RecordPersonInput): { person_id: number; id_masked: string } {
    const { db, vault } = this.ctx;
    assertCan(db, session, 'person.record');
    const id = normalizeIdNumber(p.id_number);
    // The birth date against today, by this service's clock (the window's schema checks the rest: shared/limits.ts).
    const born = idNumberProblem(id, businessDate(this.ctx.clock.now()));
    if (born) throw limitError('id_number', born);
    if (!this.ctx.rules.ruleSet().hasRegion(p.region))
      throw new DeskError('unknown_region', 'region', `未知统筹区 "${p.region}"`, `unknown region "${p.region}"`);
    const hash = vault.lookupHash(id);
    return writeTransaction(db, () => {
      let person = db.prepare('SELECT id FROM persons WHERE id_hash = ?').get(hash) as { id: number } | undefined;
      if (!person) {
        const personId = Number(
          db
            .prepare(
              'INSERT INTO persons (id_hash, id_cipher, id_masked, name, gender, created_at) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(
              hash,
              vault.encrypt(id),
              maskIdNumber(id),
              p.name,
              // Given, else the identity number's (its 17th digit): every caller's person has a gender for the slip.
              p.gender ?? genderOfIdNumber(id),
              nowIso(this.ctx),
            ).lastInsertRowid,
        );
        person = { id: personId };
      }
      db.prepare(
        `INSERT INTO person_snapshots (person_id, region, scheme, retired, medical_assistance, enrolled, suspended_years, accumulators, as_of, source, operator_id, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        person.id,
        p.region,
        p.scheme,
        p.retired ? 1 : 0,
        p.medical_assistance ? 1 : 0,
        JSON.stringify(p.enrolled),
        JSON.stringify([...new Set(p.suspended_years)].sort()),
        JSON.stringify(p.accumulators),
        new Date(p.as_of).toISOString(),
        p.source,
        session.operatorId,
        nowIso(this.ctx),
      );
      // The new snapshot replaces the stated values and moves as_of: the person's running totals follow.
      rebuildPerson(db, person.id);
      audit(this.ctx, session, 'person.record', 'person', String(person.id), {
        source: p.source,
        region: p.region,
        scheme: p.scheme,
      });
      return { person_id: person.id, id_masked: maskIdNumber(id) };
    });
  }

  findByIdNumber(session: Session, idNumber: string): { person_id: number; name: string; id_masked: string } | null {
    assertCan(this.ctx.db, session, 'history.search');
    const row = this.ctx.db
      .prepare('SELECT id, name, id_masked FROM persons WHERE id_hash = ?')
      .get(this.ctx.vault.lookupHash(normalizeIdNumber(idNumber))) as
      { id: number; name: string; id_masked: string } | undefined;
    return row ? { person_id: row.id, name: row.name, id_masked: row.id_masked } : null;
  }

  /** The person id for an identity number, or null; for searches (the field is named as the search form names it). */
  idFor(idNumber: string, field: string): number | null {
    const row = this.ctx.db
      .prepare('SELECT id FROM persons WHERE id_hash = ?')
      .get(this.ctx.vault.lookupHash(normalizeIdNumber(idNumber, field))) as { id: number } | undefined;
    return row?.id ?? null;
  }

  /** The person and their current snapshot, for the settlement screen. */
  summary(session: Session, personId: number): PersonSummary {
    assertCan(this.ctx.db, session, 'history.search');
    const p = this.ctx.db.prepare('SELECT id, name, gender, id_masked FROM persons WHERE id = ?').get(personId) as
      { id: number; name: string; gender: 'M' | 'F' | null; id_masked: string } | undefined;
    if (!p) throw new DeskError('not_found', 'person_id', '参保人不存在', 'no such person');
    const snap = this.snapshot(personId);
    return {
      person_id: p.id,
      name: p.name,
      gender: p.gender,
      id_masked: p.id_masked,
      region: snap.region,
      scheme: snap.scheme,
      retired: snap.retired === 1,
      medical_assistance: snap.medical_assistance === 1,
      enrolled: JSON.parse(snap.enrolled) as Record<string, Enrolment>,
      suspended_years: JSON.parse(snap.suspended_years) as string[],
      source: snap.source,
      as_of: snap.as_of,
    };
  }

  /** The full identity number, only where it is needed (the insurer's upload, the claim form). */
  /** The person's name and gender as recorded (for requests on their behalf: 1101, 2401). */
  identity(personId: number): { name: string; gender: 'M' | 'F' | null } {
    return this.ctx.db.prepare('SELECT name, gender FROM persons WHERE id = ?').get(personId) as {
      name: string;
      gender: 'M' | 'F' | null;
    };
  }

  revealIdNumber(personId: number): string {
    const row = cached(this.ctx.db, 'SELECT id_cipher FROM persons WHERE id = ?').get(personId) as
      { id_cipher: Buffer } | undefined;
    if (!row) throw new DeskError('not_found', 'person_id', '参保人不存在', 'no such person');
    return this.ctx.vault.decrypt(row.id_cipher);
  }

  snapshot(personId: number): SnapshotRow {
    const row = cached(
      this.ctx.db,
      'SELECT region, scheme, retired, medical_assistance, enrolled, suspended_years, accumulators, source, as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1',
    ).get(personId) as SnapshotRow | undefined;
    if (!row)
      throw new DeskError(
        'not_found',
        'person_id',
        '参保人不存在，请先登记参保信息',
        'no such person: record the person first',
      );
    return row;
  }

  /**
   * Year-to-date accumulators from data: the insurer's snapshot for the year, plus the ledger's movements recorded
   * after the snapshot's as-of time, read from the running totals kept with each movement (store/ytd-totals.ts),
   * so the cost does not grow with the person's history.
   */
  ytd(personId: number, years: readonly number[]): Ytd {
    return readYtd(this.ctx.db, personId, years) as Ytd;
  }

  /**
   * The same, added up from the snapshot and every ledger movement since (what the running totals are checked
   * against; kept for tests and the bench as the oracle).
   */
  ytdFromLedger(personId: number, years: readonly number[], snap: SnapshotRow = this.snapshot(personId)): Ytd {
    const stated = JSON.parse(snap.accumulators) as Ytd;
    const out: Ytd = {};
    const moves = this.ctx.db.prepare(
      'SELECT layer, paid, base, admissions FROM ledger WHERE person_id = ? AND year = ? AND recorded_at > ? ORDER BY id',
    );
    for (const year of years) {
      const sums = new Map<string, { paid: Money; base: Money; admissions: number }>();
      for (const [layer, v] of Object.entries(stated[String(year)] ?? {})) {
        sums.set(layer, {
          paid: new Decimal(v.paid ?? '0'),
          base: new Decimal(v.base ?? '0'),
          admissions: v.admissions ?? 0,
        });
      }
      for (const m of moves.iterate(personId, year, snap.as_of) as IterableIterator<{
        layer: string;
        paid: string;
        base: string;
        admissions: number;
      }>) {
        const s = sums.get(m.layer) ?? { paid: ZERO, base: ZERO, admissions: 0 };
        sums.set(m.layer, {
          paid: s.paid.plus(m.paid),
          base: s.base.plus(m.base),
          admissions: s.admissions + m.admissions,
        });
      }
      const layers: Record<string, LayerAccumulator> = {};
      for (const [layer, s] of sums) {
        layers[layer] =
          layer === BASIC_LAYER_ID
            ? { paid: formatAmount(s.paid), admissions: s.admissions }
            : { paid: formatAmount(s.paid), base: formatAmount(s.base) };
      }
      out[String(year)] = layers;
    }
    return out;
  }
}

export function personHandlers({
  service,
  sessions,
  sync,
  online,
  clock,
}: AppContext): Pick<Handlers, 'person.find' | 'person.record'> {
  const persons = service.persons;
  // What the NHSA platform's 1101 said of the person (null for our own protocol, or before any 1101), and the
  // accumulators for the years the record form shows (last year and this year), for updating the person: the
  // snapshot's plus the ledger's movements since (ytd), and the moment they were read. The form saves them as of
  // that moment (not the browser's now), so a settlement made while the card is on screen, recorded later, still
  // counts on top of the updated snapshot (persons.ytd adds the ledger recorded after as_of).
  const withPlatform = (p: PersonSummary): FoundPerson => {
    const now = clock.now();
    const year = yearOf(businessDate(now));
    return {
      ...p,
      nhsa: sync?.window?.personView(p.person_id) ?? null,
      accumulators: persons.ytd(p.person_id, [year - 1, year]),
      accumulators_as_of: now.toISOString(),
    };
  };
  return {
    'person.find': async (req, ctx) => {
      const s = sessions.current(ctx);
      // A number that cannot be anyone's (check character, a birth date that does not exist or is after today) is
      // refused at the lookup, naming id_number, instead of opening the record form for it (issue 17 item 7).
      const problem = idNumberProblem(req.id_number, businessDate(clock.now()));
      if (problem) throw limitError('id_number', problem);
      // Online, the insurer's snapshot (status, enrolment, accumulators) comes first; offline, what the store has.
      if (sync && online()) {
        try {
          await sync.fetchPerson(s, req.id_number, [yearOf(businessDate(clock.now()))]);
        } catch (e) {
          const told = ['invalid_field', 'forbidden', 'out_of_region'];
          if (e instanceof DeskError && told.includes(e.body.code)) throw e;
        }
      }
      const found = persons.findByIdNumber(s, req.id_number);
      return found ? withPlatform(persons.summary(s, found.person_id)) : null;
    },
    'person.record': (req, ctx) => {
      const s = sessions.current(ctx);
      return withPlatform(persons.summary(s, persons.record(s, req).person_id));
    },
  };
}
