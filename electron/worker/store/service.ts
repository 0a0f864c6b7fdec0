/**
 * The settlement service: what the UI, the browser host and the CLI call.
 * Every write is one IMMEDIATE transaction that records the money, its ledger
 * movements, its outbox entry and its audit entry together, so a settlement
 * that was reported done is there in full after a power cut, or not at all.
 * Roles are checked here, not only hidden in the UI.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, existsSync } from 'node:fs';
import { writeFileOnce } from '../../node/durable-file.js';
import { join } from 'node:path';
import type { z } from 'zod';
import { Decimal, ZERO, formatAmount, negatedAmount, type Money } from '../../../shared/money.js';
import { addMonths, yearOf, yearsBetween } from '../../../shared/dates.js';
import { enrolmentForYears, onlyRegionLayers, type Enrolment } from '../../../shared/engine/insured.js';
import { DeskError, fromZodError } from '../../../shared/errors.js';
import { settle } from '../../../shared/engine/settle.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import type { LayerAccumulator } from '../../../shared/engine/request.js';
import { movements } from '../../../shared/engine/accumulators.js';
import { BASIC_LAYER_ID } from '../../../shared/rules/schema.js';
import {
  closeDayInput,
  createOperatorInput,
  historyQuery,
  loginInput,
  manualClaimInput,
  recordPersonInput,
  reverseInput,
  settleInput,
  type OperatorRole,
} from '../../../shared/store/inputs.js';
import type { DayTotals, PersonSummary, QueueCounts, SettlementRecord } from '../../../shared/store/records.js';
import type { OperatorListItem } from '../../../shared/settings.js';
import { writeTransaction, type Db } from './db.js';
import { outboxCounts } from './outbox-counts.js';
import { appendAudit, verifyAudit, type AuditVerdict } from './audit.js';
import { businessDate, systemClock, type Clock } from './clock.js';
import { IdentityVault, maskIdNumber, normalizeIdNumber } from './pii.js';
import type { KeyProvider } from '../../node/keys.js';
import { hashPin, verifyPin } from './pin.js';
import { RuleStore } from './rule-store.js';
import { addUp, type SettlementRow } from './day-totals.js';
import { backupDatabase } from './backup.js';

export interface Session {
  operatorId: number;
  code: string;
  name: string;
  role: OperatorRole;
}

export type Action =
  | 'operator.create'
  | 'person.record'
  | 'settlement.preview'
  | 'settlement.settle'
  | 'settlement.reprint'
  | 'settlement.reverse'
  | 'history.search'
  | 'claim.create'
  | 'claim.submit'
  | 'day.close'
  | 'rules.install'
  | 'backup.run'
  | 'settings.change';

const CAN: Record<OperatorRole, readonly Action[]> = {
  cashier: ['person.record', 'settlement.preview', 'settlement.settle', 'settlement.reprint', 'history.search'],
  claims_clerk: ['person.record', 'settlement.preview', 'history.search', 'claim.create', 'claim.submit'],
  supervisor: [
    'operator.create',
    'person.record',
    'settlement.preview',
    'settlement.settle',
    'settlement.reprint',
    'settlement.reverse',
    'history.search',
    'claim.create',
    'claim.submit',
    'day.close',
    'rules.install',
    'backup.run',
    'settings.change',
  ],
};

const ROLE_NAMES: Record<OperatorRole, string> = { cashier: '收费员', claims_clerk: '报销审核员', supervisor: '主管' };
const MAX_FAILED_LOGINS = 5;
const LOCK_MINUTES = 15;

export type { DayTotals, SettlementRecord };

export interface TerminalInfo {
  code: string;
  hospital_code: string;
  hospital_name: string;
}

export interface ServiceOptions {
  db: Db;
  keys: KeyProvider;
  /** Data folder: attachments are stored under it. */
  dataDir: string;
  terminal: TerminalInfo;
  clock?: Clock;
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input, { reportInput: true });
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

export class DeskService {
  readonly db: Db;
  readonly rules: RuleStore;
  private readonly vault: IdentityVault;
  private readonly clock: Clock;
  private readonly dataDir: string;
  private readonly terminal: TerminalInfo;

  constructor(options: ServiceOptions) {
    this.db = options.db;
    this.clock = options.clock ?? systemClock;
    this.vault = new IdentityVault(options.keys);
    this.dataDir = options.dataDir;
    this.rules = new RuleStore(this.db, this.clock);
    this.terminal = options.terminal;
    writeTransaction(this.db, () => {
      const existing = this.db.prepare('SELECT code, hospital_code, hospital_name FROM terminal WHERE id = 1').get() as
        TerminalInfo | undefined;
      if (!existing) {
        this.db
          .prepare('INSERT INTO terminal (id, code, hospital_code, hospital_name, created_at) VALUES (1, ?, ?, ?, ?)')
          .run(options.terminal.code, options.terminal.hospital_code, options.terminal.hospital_name, this.nowIso());
      } else if (existing.code !== options.terminal.code) {
        throw new DeskError(
          'invalid_field',
          'terminal.code',
          `数据库属于终端 ${existing.code}，不能以终端 ${options.terminal.code} 打开`,
          `this database belongs to terminal ${existing.code}`,
        );
      }
    });
    this.rules.installBundled();
  }

  get terminalInfo(): TerminalInfo {
    return { ...this.terminal };
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  /** Throws forbidden unless the role may do this (checked in the service, not only hidden in the UI). */
  assertCan(session: Session, action: Action): void {
    this.can(session, action);
  }

  private can(session: Session, action: Action): void {
    if (!CAN[session.role].includes(action)) {
      throw new DeskError(
        'forbidden',
        '',
        `${ROLE_NAMES[session.role]}无权执行此操作`,
        `a ${session.role} may not do ${action}`,
      );
    }
    const op = this.db.prepare('SELECT active FROM operators WHERE id = ?').get(session.operatorId) as
      { active: number } | undefined;
    if (!op || op.active !== 1)
      throw new DeskError('unauthenticated', '', '操作员已停用，请重新登录', 'operator is not active');
  }

  private audit(
    session: Session | null,
    action: string,
    entity: string,
    entityId: string | null,
    detail: Record<string, unknown>,
  ): void {
    appendAudit(this.db, {
      at: this.nowIso(),
      operatorId: session?.operatorId ?? null,
      action,
      entity,
      entityId,
      detail,
    });
  }

  // ── Operators ────────────────────────────────────────────────────────────

  /** The first operator (a supervisor) can be created without a session; after that only a supervisor creates operators. */
  createOperator(session: Session | null, input: unknown): { id: number } {
    const o = parse(createOperatorInput, input);
    const pinHash = hashPin(o.pin);
    return writeTransaction(this.db, () => {
      const count = (this.db.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n;
      if (count === 0) {
        if (o.role !== 'supervisor')
          throw new DeskError('forbidden', 'role', '第一个操作员必须是主管', 'the first operator must be a supervisor');
      } else {
        if (!session) throw new DeskError('unauthenticated', '', '请先登录', 'sign in first');
        this.can(session, 'operator.create');
      }
      if (this.db.prepare('SELECT 1 FROM operators WHERE code = ?').get(o.code)) {
        throw new DeskError('invalid_field', 'code', `工号 ${o.code} 已存在`, `operator ${o.code} exists`);
      }
      const id = Number(
        this.db
          .prepare('INSERT INTO operators (code, name, role, pin_hash, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(o.code, o.name, o.role, pinHash, this.nowIso()).lastInsertRowid,
      );
      this.audit(session, 'operator.create', 'operator', o.code, { role: o.role, name: o.name });
      return { id };
    });
  }

  /** Every operator of this terminal (a supervisor's list); PIN hashes stay in the store. */
  listOperators(session: Session): OperatorListItem[] {
    this.can(session, 'operator.create');
    return (
      this.db.prepare('SELECT code, name, role, active, created_at FROM operators ORDER BY code').all() as (Omit<
        OperatorListItem,
        'active'
      > & { active: number })[]
    ).map((o) => ({ ...o, active: o.active === 1 }));
  }

  /** Disables (a leaver) or re-enables an operator; their open sessions stop at the next call. A supervisor cannot disable themself. */
  setOperatorActive(session: Session, code: string, active: boolean): void {
    this.can(session, 'operator.create');
    if (code === session.code && !active)
      throw new DeskError('forbidden', 'code', '不能停用自己的账号', 'you cannot disable your own account');
    writeTransaction(this.db, () => {
      // Checked again inside the write lock: two supervisors disabling each other at the same moment must not both succeed.
      this.can(session, 'operator.create');
      const changed = this.db
        .prepare('UPDATE operators SET active = ? WHERE code = ?')
        .run(active ? 1 : 0, code).changes;
      if (changed === 0) throw new DeskError('not_found', 'code', `工号 ${code} 不存在`, `no operator ${code}`);
      const supervisors = this.db
        .prepare("SELECT count(*) FROM operators WHERE role = 'supervisor' AND active = 1")
        .pluck()
        .get() as number;
      if (supervisors === 0)
        throw new DeskError(
          'forbidden',
          'code',
          '至少须保留一名启用的主管',
          'at least one supervisor must stay active',
        );
      this.audit(session, active ? 'operator.enable' : 'operator.disable', 'operator', code, {});
    });
  }

  /** A supervisor changed the terminal's settings: what changed goes to the audit log (never the secret). */
  recordSettingsChange(session: Session, changed: Record<string, unknown>): void {
    this.can(session, 'settings.change');
    writeTransaction(this.db, () => this.audit(session, 'settings.change', 'settings', 'config.json', changed));
  }

  login(input: unknown): Session {
    const { code, pin } = parse(loginInput, input);
    const op = this.db
      .prepare('SELECT id, code, name, role, pin_hash, active, locked_until FROM operators WHERE code = ?')
      .get(code) as
      | {
          id: number;
          code: string;
          name: string;
          role: OperatorRole;
          pin_hash: string;
          active: number;
          locked_until: string | null;
        }
      | undefined;
    const now = this.nowIso();
    if (op?.locked_until && op.locked_until > now) {
      throw new DeskError(
        'operator_locked',
        'code',
        `多次输错 PIN，已锁定至 ${op.locked_until}`,
        `locked after repeated wrong PINs until ${op.locked_until}`,
      );
    }
    // Verify even for an unknown code, so timing does not tell which codes exist.
    const ok = verifyPin(
      pin,
      op?.pin_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    );
    if (!op || !ok || op.active !== 1) {
      if (op) {
        // Counted inside the write lock: concurrent wrong PINs (two windows) all count.
        writeTransaction(this.db, () => {
          const { failed_logins: failed } = this.db
            .prepare('UPDATE operators SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins')
            .get(op.id) as { failed_logins: number };
          const lock =
            failed >= MAX_FAILED_LOGINS
              ? new Date(this.clock.now().getTime() + LOCK_MINUTES * 60_000).toISOString()
              : null;
          if (lock)
            this.db.prepare('UPDATE operators SET failed_logins = 0, locked_until = ? WHERE id = ?').run(lock, op.id);
          this.audit(null, 'operator.login_failed', 'operator', op.code, { locked_until: lock });
        });
      }
      throw new DeskError('invalid_pin', 'pin', '工号或 PIN 不正确', 'wrong operator code or PIN');
    }
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(op.id);
      this.audit(
        { operatorId: op.id, code: op.code, name: op.name, role: op.role },
        'operator.login',
        'operator',
        op.code,
        {},
      );
    });
    return { operatorId: op.id, code: op.code, name: op.name, role: op.role };
  }

  // ── Persons ──────────────────────────────────────────────────────────────

  /** Records what is known of a person now (entered by the cashier or received from the insurer). */
  recordPerson(session: Session, input: unknown): { person_id: number; id_masked: string } {
    this.can(session, 'person.record');
    const p = parse(recordPersonInput, input);
    const id = normalizeIdNumber(p.id_number);
    if (!this.rules.ruleSet().hasRegion(p.region))
      throw new DeskError('unknown_region', 'region', `未知统筹区 "${p.region}"`, `unknown region "${p.region}"`);
    const hash = this.vault.lookupHash(id);
    return writeTransaction(this.db, () => {
      let person = this.db.prepare('SELECT id FROM persons WHERE id_hash = ?').get(hash) as { id: number } | undefined;
      if (!person) {
        const personId = Number(
          this.db
            .prepare(
              'INSERT INTO persons (id_hash, id_cipher, id_masked, name, gender, created_at) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(hash, this.vault.encrypt(id), maskIdNumber(id), p.name, p.gender, this.nowIso()).lastInsertRowid,
        );
        person = { id: personId };
      }
      this.db
        .prepare(
          `INSERT INTO person_snapshots (person_id, region, scheme, retired, medical_assistance, enrolled, suspended_years, accumulators, as_of, source, operator_id, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
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
          this.nowIso(),
        );
      this.audit(session, 'person.record', 'person', String(person.id), {
        source: p.source,
        region: p.region,
        scheme: p.scheme,
      });
      return { person_id: person.id, id_masked: maskIdNumber(id) };
    });
  }

  findPersonByIdNumber(
    session: Session,
    idNumber: string,
  ): { person_id: number; name: string; id_masked: string } | null {
    this.can(session, 'history.search');
    const id = normalizeIdNumber(idNumber);
    const row = this.db
      .prepare('SELECT id, name, id_masked FROM persons WHERE id_hash = ?')
      .get(this.vault.lookupHash(id)) as { id: number; name: string; id_masked: string } | undefined;
    return row ? { person_id: row.id, name: row.name, id_masked: row.id_masked } : null;
  }

  /** The person and their current snapshot, for the settlement screen. */
  personSummary(session: Session, personId: number): PersonSummary {
    this.can(session, 'history.search');
    const p = this.db.prepare('SELECT id, name, gender, id_masked FROM persons WHERE id = ?').get(personId) as
      { id: number; name: string; gender: 'M' | 'F' | null; id_masked: string } | undefined;
    if (!p) throw new DeskError('not_found', 'person_id', '参保人不存在', 'no such person');
    const snap = this.db
      .prepare(
        'SELECT region, scheme, retired, medical_assistance, enrolled, suspended_years, source, as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(personId) as {
      region: string;
      scheme: 'employee' | 'resident';
      retired: number;
      medical_assistance: number;
      enrolled: string;
      suspended_years: string;
      source: 'cashier' | 'insurer';
      as_of: string;
    };
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

  queueCounts(): QueueCounts {
    return outboxCounts(this.db);
  }

  /** Whether the terminal still needs its first operator (a supervisor). */
  needsFirstOperator(): boolean {
    return (this.db.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n === 0;
  }

  /** The full identity number, only where it is needed (the insurer's upload, the claim form). */
  revealIdNumber(personId: number): string {
    const row = this.db.prepare('SELECT id_cipher FROM persons WHERE id = ?').get(personId) as
      { id_cipher: Buffer } | undefined;
    if (!row) throw new DeskError('not_found', 'person_id', '参保人不存在', 'no such person');
    return this.vault.decrypt(row.id_cipher);
  }

  private snapshot(personId: number) {
    const row = this.db
      .prepare(
        'SELECT region, scheme, retired, medical_assistance, enrolled, suspended_years, accumulators, as_of FROM person_snapshots WHERE person_id = ? ORDER BY id DESC LIMIT 1',
      )
      .get(personId) as
      | {
          region: string;
          scheme: string;
          retired: number;
          medical_assistance: number;
          enrolled: string;
          suspended_years: string;
          accumulators: string;
          as_of: string;
        }
      | undefined;
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
   * Year-to-date accumulators from data: the insurer's snapshot for the year,
   * plus the ledger's movements recorded after the snapshot's as-of time.
   */
  ytd(personId: number, years: readonly number[]): Record<string, Record<string, LayerAccumulator>> {
    const snap = this.snapshot(personId);
    const stated = JSON.parse(snap.accumulators) as Record<string, Record<string, LayerAccumulator>>;
    const out: Record<string, Record<string, LayerAccumulator>> = {};
    const moves = this.db.prepare(
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

  // ── Settlement ───────────────────────────────────────────────────────────

  private buildRequest(
    input: Pick<
      z.output<typeof settleInput>,
      'person_id' | 'hospital_level' | 'admission_date' | 'discharge_date' | 'costs'
    > & { prior_compensation?: Record<string, string>; claim_filed_on?: string },
  ) {
    const snap = this.snapshot(input.person_id);
    const years = [...new Set(input.costs.map((c) => yearOf(c.date)))].sort();
    const rules = this.rules.ruleSet();
    // Only the flags and accumulators of layers the region has (shared with the reference insurer's recomputation).
    const own = onlyRegionLayers(
      rules.layerIds(snap.region),
      JSON.parse(snap.enrolled) as Record<string, Enrolment>,
      this.ytd(input.person_id, years),
    );
    // Enrolment per year, limited to the stay's years (the record may hold many years; the request names only the stay's).
    const enrolled = enrolmentForYears(own.enrolled, yearsBetween(input.admission_date, input.discharge_date));
    const ytd = own.ytd;
    return {
      region: snap.region,
      insured: {
        scheme: snap.scheme,
        retired: snap.retired === 1,
        medical_assistance: snap.medical_assistance === 1,
        enrolled,
        suspended_years: JSON.parse(snap.suspended_years) as string[],
      },
      hospital_level: input.hospital_level,
      admission_date: input.admission_date,
      discharge_date: input.discharge_date,
      costs: input.costs,
      ytd,
      ...(input.prior_compensation && Object.keys(input.prior_compensation).length > 0
        ? { prior_compensation: input.prior_compensation }
        : {}),
      ...(input.claim_filed_on ? { claim_filed_on: input.claim_filed_on } : {}),
    };
  }

  /** Pre-settlement (预结算): computes from the stored rules and accumulators, writes nothing. */
  preview(session: Session, input: unknown): SettlementResult {
    this.can(session, 'settlement.preview');
    const s = parse(settleInput, input);
    return settle(this.buildRequest(s), this.rules.ruleSet());
  }

  private nextNumber(prefix: string, date: string): string {
    const key = `${prefix}:${date}`;
    const row = this.db
      .prepare(
        'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value',
      )
      .get(key) as { value: number };
    return `${this.terminal.code}-${prefix}${date.replaceAll('-', '')}-${String(row.value).padStart(6, '0')}`;
  }

  private translateDayClosed<T>(work: () => T, operator: Session): T {
    try {
      return work();
    } catch (e) {
      if (e instanceof Error && /day closed/.test(e.message)) {
        throw new DeskError(
          'day_closed',
          '',
          `${operator.name}（${operator.code}）今日已日结，不能再记录结算`,
          `the day is closed for operator ${operator.code}`,
        );
      }
      throw e;
    }
  }

  /** Settles in one transaction: settlement, fund rows, ledger movements, outbox entry, audit entry. */
  settle(session: Session, input: unknown): { number: string; id: number; result: SettlementResult } {
    this.can(session, 'settlement.settle');
    const s = parse(settleInput, input);
    return this.translateDayClosed(
      () =>
        writeTransaction(this.db, () => {
          // Inside the write lock: the accumulators cannot move under us.
          const request = this.buildRequest(s);
          const result = settle(request, this.rules.ruleSet());
          const at = this.clock.now();
          const date = businessDate(at);
          const number = this.nextNumber('S', date);
          const id = Number(
            this.db
              .prepare(
                `INSERT INTO settlements (number, kind, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
                   admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result, stay)
                 VALUES (?, 'settlement', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(
                number,
                s.person_id,
                session.operatorId,
                date,
                at.toISOString(),
                result.region,
                [...new Set(result.parts.map((p) => p.rule_version))].join(','),
                s.offline ? 1 : 0,
                s.hospital_level,
                s.admission_date,
                s.discharge_date,
                result.medfee_sumamt,
                result.fund_pay_sumamt,
                result.psn_cash_pay,
                JSON.stringify(request),
                JSON.stringify(result),
                JSON.stringify(s.stay),
              ).lastInsertRowid,
          );
          const fund = this.db.prepare(
            'INSERT INTO settlement_funds (settlement_id, layer, field, fund_pay_type, amount) VALUES (?, ?, ?, ?, ?)',
          );
          for (const f of result.fund_details) fund.run(id, f.layer, f.field, f.fund_pay_type, f.amount);
          this.recordMovements(s.person_id, id, request.ytd, result.ytd_after, at.toISOString());
          this.enqueue(
            'settlement',
            id,
            number,
            {
              number,
              terminal: this.terminal.code,
              hospital_code: this.terminal.hospital_code,
              person_id: s.person_id,
              offline: s.offline,
              request,
              result: { ...result, trace: undefined },
            },
            at,
          );
          this.audit(session, 'settlement.settle', 'settlement', number, {
            cash: result.psn_cash_pay,
            funds: result.fund_pay_sumamt,
            offline: s.offline,
          });
          return { number, id, result };
        }),
      session,
    );
  }

  /** Ledger rows: what this settlement moved, per year and layer (ytd_after − ytd before). */
  private recordMovements(
    personId: number,
    settlementId: number,
    before: Record<string, Record<string, LayerAccumulator>>,
    after: Record<string, Record<string, LayerAccumulator>>,
    at: string,
  ): void {
    const insert = this.db.prepare(
      'INSERT INTO ledger (person_id, year, layer, paid, base, admissions, settlement_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const m of movements(before, after))
      insert.run(personId, m.year, m.layer, formatAmount(m.paid), formatAmount(m.base), m.admissions, settlementId, at);
  }

  private enqueue(
    kind: 'settlement' | 'reversal' | 'manual_claim',
    refId: number,
    idempotencyKey: string,
    payload: unknown,
    at: Date,
  ): void {
    this.db
      .prepare(
        'INSERT INTO outbox (kind, ref_id, idempotency_key, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(kind, refId, idempotencyKey, JSON.stringify(payload), at.toISOString(), at.toISOString());
  }

  /** 结算撤销: a negative record linked to the original; the accumulators move back. */
  reverse(session: Session, input: unknown): { number: string; id: number } {
    this.can(session, 'settlement.reverse');
    const r = parse(reverseInput, input);
    return this.translateDayClosed(
      () =>
        writeTransaction(this.db, () => {
          const original = this.db
            .prepare("SELECT * FROM settlements WHERE number = ? AND kind = 'settlement'")
            .get(r.number) as
            | {
                id: number;
                person_id: number;
                operator_id: number;
                stay: string;
                region: string;
                rule_versions: string;
                offline: number;
                hospital_level: number;
                admission_date: string;
                discharge_date: string;
                medfee_sumamt: string;
                fund_pay_sumamt: string;
                psn_cash_pay: string;
                request: string;
              }
            | undefined;
          if (!original)
            throw new DeskError('not_found', 'number', `结算单号 ${r.number} 不存在`, `no settlement ${r.number}`);
          const already = this.db.prepare('SELECT number FROM settlements WHERE reverses_id = ?').get(original.id) as
            { number: string } | undefined;
          const today = businessDate(this.clock.now());
          if (
            this.db
              .prepare('SELECT 1 FROM day_closes WHERE operator_id = ? AND business_date = ?')
              .get(original.operator_id, today)
          ) {
            throw new DeskError(
              'day_closed',
              'number',
              `原收费员今日已日结，撤销须在次日办理`,
              `the original cashier's day ${today} is closed`,
            );
          }
          if (already)
            throw new DeskError(
              'already_reversed',
              'number',
              `结算 ${r.number} 已于冲销单 ${already.number} 撤销，不能重复撤销`,
              `settlement ${r.number} was already reversed by ${already.number}`,
            );
          const at = this.clock.now();
          const date = businessDate(at);
          const number = this.nextNumber('R', date);
          const id = Number(
            this.db
              .prepare(
                `INSERT INTO settlements (number, kind, reverses_id, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
                   admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result, reason, stay)
                 VALUES (?, 'reversal', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              )
              .run(
                number,
                original.id,
                original.person_id,
                session.operatorId,
                date,
                at.toISOString(),
                original.region,
                original.rule_versions,
                original.hospital_level,
                original.admission_date,
                original.discharge_date,
                negatedAmount(original.medfee_sumamt),
                negatedAmount(original.fund_pay_sumamt),
                negatedAmount(original.psn_cash_pay),
                original.request,
                JSON.stringify({ reverses: r.number }),
                r.reason,
                original.stay,
              ).lastInsertRowid,
          );
          const fund = this.db.prepare(
            'INSERT INTO settlement_funds (settlement_id, layer, field, fund_pay_type, amount) VALUES (?, ?, ?, ?, ?)',
          );
          for (const f of this.db
            .prepare('SELECT layer, field, fund_pay_type, amount FROM settlement_funds WHERE settlement_id = ?')
            .all(original.id) as { layer: string; field: string; fund_pay_type: string; amount: string }[]) {
            fund.run(id, f.layer, f.field, f.fund_pay_type, negatedAmount(f.amount));
          }
          const moves = this.db
            .prepare('SELECT year, layer, paid, base, admissions FROM ledger WHERE settlement_id = ?')
            .all(original.id) as { year: number; layer: string; paid: string; base: string; admissions: number }[];
          const insert = this.db.prepare(
            'INSERT INTO ledger (person_id, year, layer, paid, base, admissions, settlement_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          );
          for (const m of moves)
            insert.run(
              original.person_id,
              m.year,
              m.layer,
              negatedAmount(m.paid),
              negatedAmount(m.base),
              -m.admissions,
              id,
              at.toISOString(),
            );
          this.enqueue(
            'reversal',
            id,
            number,
            { number, reverses: r.number, terminal: this.terminal.code, reason: r.reason },
            at,
          );
          this.audit(session, 'settlement.reverse', 'settlement', number, { reverses: r.number, reason: r.reason });
          return { number, id };
        }),
      session,
    );
  }

  /** A reprint (补打) keeps the original number; the count is kept beside the immutable record. */
  reprint(session: Session, number: string): { record: SettlementRecord; result: unknown; reprint: number } {
    this.can(session, 'settlement.reprint');
    return writeTransaction(this.db, () => {
      const rec = this.record(number);
      this.db
        .prepare('INSERT INTO reprints (settlement_id, operator_id, printed_at) VALUES (?, ?, ?)')
        .run(rec.id, session.operatorId, this.nowIso());
      this.audit(session, 'settlement.reprint', 'settlement', number, { reprint: rec.reprints + 1 });
      const result = JSON.parse(
        (this.db.prepare('SELECT result FROM settlements WHERE id = ?').get(rec.id) as { result: string }).result,
      ) as unknown;
      return { record: { ...rec, reprints: rec.reprints + 1 }, result, reprint: rec.reprints + 1 };
    });
  }

  private static readonly RECORD_SQL = `
    SELECT s.id, s.number, s.kind, o.number AS reverses, r.number AS reversed_by, s.person_id, p.name AS person_name, p.id_masked,
           op.code AS operator_code, s.business_date, s.settled_at, s.region, s.rule_versions, s.offline, s.hospital_level,
           s.admission_date, s.discharge_date, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay, s.reason,
           (SELECT count(*) FROM reprints WHERE settlement_id = s.id) AS reprints
    FROM settlements s
    JOIN persons p ON p.id = s.person_id
    JOIN operators op ON op.id = s.operator_id
    LEFT JOIN settlements o ON o.id = s.reverses_id
    LEFT JOIN settlements r ON r.reverses_id = s.id`;

  private toRecord(row: Record<string, unknown>): SettlementRecord {
    const kind = row['kind'] as 'settlement' | 'reversal';
    return {
      ...(row as unknown as SettlementRecord),
      offline: row['offline'] === 1,
      status: kind === 'reversal' ? 'reversal' : row['reversed_by'] ? 'reversed' : 'settled',
    };
  }

  record(number: string): SettlementRecord {
    const row = this.db.prepare(`${DeskService.RECORD_SQL} WHERE s.number = ?`).get(number) as
      Record<string, unknown> | undefined;
    if (!row) throw new DeskError('not_found', 'number', `结算单号 ${number} 不存在`, `no settlement ${number}`);
    return this.toRecord(row);
  }

  /** The stored result (with its trace) of a settlement. */
  result(session: Session, number: string): SettlementResult {
    this.can(session, 'history.search');
    const row = this.db
      .prepare("SELECT result FROM settlements WHERE number = ? AND kind = 'settlement'")
      .get(number) as { result: string } | undefined;
    if (!row) throw new DeskError('not_found', 'number', `结算单号 ${number} 不存在`, `no settlement ${number}`);
    return JSON.parse(row.result) as SettlementResult;
  }

  /** History: by settlement number, person, date range and status; newest first. */
  history(session: Session, input: unknown): SettlementRecord[] {
    this.can(session, 'history.search');
    const q = parse(historyQuery, input);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.number) {
      where.push('s.number = ?');
      args.push(q.number);
    }
    if (q.id_number) {
      const person = this.db
        .prepare('SELECT id FROM persons WHERE id_hash = ?')
        .get(this.vault.lookupHash(normalizeIdNumber(q.id_number, 'id_number'))) as { id: number } | undefined;
      if (!person) return [];
      where.push('s.person_id = ?');
      args.push(person.id);
    }
    if (q.person_id) {
      where.push('s.person_id = ?');
      args.push(q.person_id);
    }
    if (q.from) {
      where.push('s.settled_at >= ?');
      args.push(new Date(`${q.from}T00:00:00+08:00`).toISOString());
    }
    if (q.to) {
      where.push('s.settled_at < ?');
      args.push(new Date(new Date(`${q.to}T00:00:00+08:00`).getTime() + 86_400_000).toISOString());
    }
    if (q.status === 'reversal') where.push("s.kind = 'reversal'");
    if (q.status === 'settled') where.push("s.kind = 'settlement' AND r.id IS NULL");
    if (q.status === 'reversed') where.push("s.kind = 'settlement' AND r.id IS NOT NULL");
    const sql = `${DeskService.RECORD_SQL} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.settled_at DESC, s.id DESC LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...args, q.limit, q.offset) as Record<string, unknown>[]).map((r) =>
      this.toRecord(r),
    );
  }

  // ── Out-of-network claims (手工报销) ─────────────────────────────────────

  createManualClaim(
    session: Session,
    input: unknown,
  ): { number: string; id: number; expected_reimbursement: string; result: SettlementResult } {
    this.can(session, 'claim.create');
    const c = parse(manualClaimInput, input);
    const today = businessDate(this.clock.now());
    const seen = new Set<string>();
    c.invoices.forEach((inv, i) => {
      if (seen.has(inv.invoice_no))
        throw new DeskError(
          'duplicate_invoice',
          `invoices[${i}].invoice_no`,
          `发票号 ${inv.invoice_no} 在本次报销中重复`,
          `invoice ${inv.invoice_no} appears twice in this claim`,
        );
      seen.add(inv.invoice_no);
    });
    const costs = c.invoices.map((inv) => ({
      date: inv.invoice_date,
      medfee_sumamt: inv.medfee_sumamt,
      fulamt_ownpay_amt: inv.fulamt_ownpay_amt,
      overlmt_selfpay: inv.overlmt_selfpay,
      preselfpay_amt: inv.preselfpay_amt,
    }));
    return writeTransaction(this.db, () => {
      c.invoices.forEach((inv, i) => {
        const dup = this.db
          .prepare(
            'SELECT m.number FROM manual_claim_invoices i JOIN manual_claims m ON m.id = i.claim_id WHERE i.hospital_code = ? AND i.invoice_no = ?',
          )
          .get(c.hospital_code, inv.invoice_no) as { number: string } | undefined;
        if (dup)
          throw new DeskError(
            'duplicate_invoice',
            `invoices[${i}].invoice_no`,
            `${c.hospital_name} 发票号 ${inv.invoice_no} 已在报销单 ${dup.number} 中报销过`,
            `invoice ${inv.invoice_no} of ${c.hospital_code} is already in claim ${dup.number}`,
          );
      });
      // Filed today: a layer's filing limit forfeits that layer only, in the engine (德阳 第十四条).
      const request = this.buildRequest({
        person_id: c.person_id,
        hospital_level: c.hospital_level,
        admission_date: c.admission_date,
        discharge_date: c.discharge_date,
        costs,
        claim_filed_on: today,
      });
      const rules = this.rules.ruleSet();
      // Packages before 2026-11-30 state one limit for the whole claim: refused as they said.
      c.invoices.forEach((inv, i) => {
        const limit = rules.versionFor(request.region, inv.invoice_date)?.manual_claims;
        if (!limit) return;
        const last = addMonths(inv.invoice_date, limit.filing_limit_months);
        if (today > last) {
          throw new DeskError(
            'filing_limit_exceeded',
            `invoices[${i}].invoice_date`,
            `发票日期 ${inv.invoice_date} 已超过 ${limit.filing_limit_months} 个月的申请期限（截至 ${last}），视为放弃（${limit.article}）`,
            `invoice date ${inv.invoice_date} is past the ${limit.filing_limit_months}-month filing limit (${last})`,
          );
        }
      });
      const result = settle(request, rules);
      const at = this.clock.now();
      const number = this.nextNumber('M', businessDate(at));
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO manual_claims (number, person_id, operator_id, hospital_code, hospital_name, hospital_level, admission_date, discharge_date, request, result, expected_reimbursement, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?)`,
          )
          .run(
            number,
            c.person_id,
            session.operatorId,
            c.hospital_code,
            c.hospital_name,
            c.hospital_level,
            c.admission_date,
            c.discharge_date,
            JSON.stringify(request),
            JSON.stringify(result),
            result.fund_pay_sumamt,
            at.toISOString(),
          ).lastInsertRowid,
      );
      const inv = this.db.prepare(
        'INSERT INTO manual_claim_invoices (claim_id, hospital_code, invoice_no, invoice_date, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const i of c.invoices)
        inv.run(
          id,
          c.hospital_code,
          i.invoice_no,
          i.invoice_date,
          i.medfee_sumamt,
          i.fulamt_ownpay_amt,
          i.overlmt_selfpay,
          i.preselfpay_amt,
        );
      const att = this.db.prepare(
        'INSERT INTO attachments (claim_id, sha256, file_name, media_type, size, stored_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const a of c.attachments) {
        const bytes = Buffer.from(a.content_base64, 'base64');
        const sha = this.storeAttachment(bytes);
        att.run(id, sha, a.file_name, a.media_type, bytes.length, at.toISOString());
      }
      this.audit(session, 'claim.create', 'manual_claim', number, {
        expected: result.fund_pay_sumamt,
        invoices: c.invoices.length,
        attachments: c.attachments.length,
      });
      return { number, id, expected_reimbursement: result.fund_pay_sumamt, result };
    });
  }

  /** Content-addressed: the file is named by its SHA-256, written once, fsynced, never overwritten. */
  private storeAttachment(bytes: Buffer): string {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const dir = join(this.dataDir, 'attachments');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, sha);
    if (!existsSync(path)) writeFileOnce(path, bytes);
    return sha;
  }

  submitManualClaim(session: Session, number: string): { number: string } {
    this.can(session, 'claim.submit');
    return writeTransaction(this.db, () => {
      const claim = this.db
        .prepare(
          'SELECT id, status, person_id, request, result, hospital_code, hospital_name FROM manual_claims WHERE number = ?',
        )
        .get(number) as
        | {
            id: number;
            status: string;
            person_id: number;
            request: string;
            result: string;
            hospital_code: string;
            hospital_name: string;
          }
        | undefined;
      if (!claim) throw new DeskError('not_found', 'number', `报销单 ${number} 不存在`, `no claim ${number}`);
      if (claim.status !== 'draft') return { number };
      const at = this.clock.now();
      this.db
        .prepare("UPDATE manual_claims SET status = 'submitted', submitted_at = ? WHERE id = ?")
        .run(at.toISOString(), claim.id);
      const result = JSON.parse(claim.result) as SettlementResult;
      this.enqueue(
        'manual_claim',
        claim.id,
        number,
        {
          number,
          terminal: this.terminal.code,
          person_id: claim.person_id,
          hospital_code: claim.hospital_code,
          hospital_name: claim.hospital_name,
          request: JSON.parse(claim.request) as unknown,
          result: { ...result, trace: undefined },
        },
        at,
      );
      this.audit(session, 'claim.submit', 'manual_claim', number, {});
      return { number };
    });
  }

  // ── Day close (日结) ──────────────────────────────────────────────────────

  closeDay(session: Session, input: unknown): DayTotals {
    this.can(session, 'day.close');
    const c = parse(closeDayInput, input);
    return writeTransaction(this.db, () => {
      const op = this.db.prepare('SELECT id FROM operators WHERE code = ?').get(c.operator_code) as
        { id: number } | undefined;
      if (!op)
        throw new DeskError(
          'not_found',
          'operator_code',
          `工号 ${c.operator_code} 不存在`,
          `no operator ${c.operator_code}`,
        );
      if (
        this.db
          .prepare('SELECT 1 FROM day_closes WHERE operator_id = ? AND business_date = ?')
          .get(op.id, c.business_date)
      ) {
        throw new DeskError(
          'day_closed',
          'business_date',
          `${c.operator_code} 的 ${c.business_date} 已日结`,
          `${c.operator_code} ${c.business_date} is already closed`,
        );
      }
      const totals = this.dayTotals(op.id, c.business_date);
      this.db
        .prepare(
          'INSERT INTO day_closes (operator_id, business_date, closed_by, closed_at, totals) VALUES (?, ?, ?, ?, ?)',
        )
        .run(op.id, c.business_date, session.operatorId, this.nowIso(), JSON.stringify(totals));
      this.audit(session, 'day.close', 'day', `${c.operator_code}/${c.business_date}`, { ...totals });
      return totals;
    });
  }

  /** Totals for an operator and day, added up with decimal.js (SQLite would add TEXT amounts as floats). */
  dayTotals(operatorId: number, date: string): DayTotals {
    // A reversal refunds at the window of the settlement it reverses: it counts in that cashier's day.
    const rows = this.db
      .prepare(
        `SELECT s.id, s.kind, s.offline, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay FROM settlements s LEFT JOIN settlements o ON o.id = s.reverses_id
         WHERE s.business_date = ? AND ((s.kind = 'settlement' AND s.operator_id = ?) OR (s.kind = 'reversal' AND o.operator_id = ?))`,
      )
      .all(date, operatorId, operatorId) as SettlementRow[];
    return { business_date: date, ...addUp(this.db, rows) };
  }

  /** On-demand backup (a supervisor's button); the daily one runs from the app's timer via backup.ts. */
  async backup(session: Session, folder: string): Promise<{ path: string; settlements: number }> {
    this.can(session, 'backup.run');
    const done = await backupDatabase(this.db, folder, this.clock, `desk-${this.terminal.code}`);
    writeTransaction(this.db, () =>
      this.audit(session, 'backup.run', 'backup', done.path, { settlements: done.settlements }),
    );
    return done;
  }

  /** An operator's day: a cashier sees their own, a supervisor anyone's. */
  operatorDay(session: Session, input: unknown): DayTotals & { closed: boolean; operator_id: number } {
    const c = parse(closeDayInput, input);
    if (c.operator_code !== session.code) this.can(session, 'day.close');
    const op = this.db.prepare('SELECT id FROM operators WHERE code = ?').get(c.operator_code) as
      { id: number } | undefined;
    if (!op)
      throw new DeskError(
        'not_found',
        'operator_code',
        `工号 ${c.operator_code} 不存在`,
        `no operator ${c.operator_code}`,
      );
    const closed = !!this.db
      .prepare('SELECT 1 FROM day_closes WHERE operator_id = ? AND business_date = ?')
      .get(op.id, c.business_date);
    return { ...this.dayTotals(op.id, c.business_date), closed, operator_id: op.id };
  }

  verifyAudit(): AuditVerdict {
    return verifyAudit(this.db);
  }
}
