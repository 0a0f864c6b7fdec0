/**
 * Settling at the window (预结算 F5, 结算 F8) and reversing (结算撤销): the
 * engine's request built from the store (snapshot + accumulators), and each
 * write as ONE transaction with its fund rows, ledger movements, outbox entry
 * and audit entry, so a settlement reported done is there in full after a
 * power cut, or not at all. The window's settlement.preview/settle/reverse.
 */
import { canonicalJson } from '../../../shared/canonical-json.js';
import { createHash } from 'node:crypto';
import { DeskError } from '../../../shared/errors.js';
import { storageProblemOf } from '../../node/storage-errors.js';
import { formatAmount, negatedAmount } from '../../../shared/money.js';
import { yearOf, yearsBetween } from '../../../shared/dates.js';
import { enrolmentForYears, onlyRegionLayers, type Enrolment } from '../../../shared/engine/insured.js';
import { settleRequest } from '../../../shared/engine/settle.js';
import { movements } from '../../../shared/engine/accumulators.js';
import type { CostLine, SettlementRequest } from '../../../shared/engine/request.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import type { SchemeId } from '../../../shared/rules/schema.js';
import type { BillInput, ReverseInput, SettleInput } from '../../../shared/store/inputs.js';
import type { FeeLine } from '../../../shared/fee-lines.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { businessDate } from '../store/clock.js';
import { refuseBeyondToday } from '../../../shared/limits.js';
import { writeTransaction } from '../store/db.js';
import { assertCan, type Session } from './access.js';
import { assertIntact } from '../store/chain.js';
import { audit, nextNumber, refusingClosedDay, type ServiceContext } from './context.js';
import { insertFeeLines, readFeeLines, readMdtrtId, refuseWithoutFeeLines } from './fee-lines.js';
import type { Outbox } from './outbox.js';
import type { Persons, SnapshotRow, Ytd } from './persons.js';
import { addMovement, latestAsOf } from '../store/ytd-totals.js';
import { cached } from '../../node/statement-cache.js';

/** The request as stored with the record and uploaded (empty prior compensation and filing date left out). */
export type StoredRequest = Omit<SettlementRequest, 'prior_compensation' | 'claim_filed_on'> & {
  prior_compensation?: Record<string, string>;
  claim_filed_on?: string;
};

/** What a request is built from: the stay and its bill, for a recorded person. */
export interface Stay {
  person_id: number;
  hospital_level: SettleInput['hospital_level'];
  admission_date: string;
  discharge_date: string;
  costs: CostLine[];
  prior_compensation?: Record<string, string>;
  claim_filed_on?: string;
}

const INSERT_FUND =
  'INSERT INTO settlement_funds (settlement_id, layer, field, fund_pay_type, amount) VALUES (?, ?, ?, ?, ?)';
const INSERT_LEDGER =
  'INSERT INTO ledger (person_id, year, layer, paid, base, admissions, settlement_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/** The engine's typed request of a stored one (no second validation: the service built it). */
export const engineRequest = (r: StoredRequest): SettlementRequest => ({
  ...r,
  prior_compensation: r.prior_compensation ?? {},
  claim_filed_on: r.claim_filed_on ?? null,
});

export class Settlements {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly persons: Persons,
    private readonly outbox: Outbox,
  ) {}

  /** The engine's request from the store: the person's latest snapshot and year-to-date accumulators. */
  buildRequest(stay: Stay): StoredRequest {
    return this.build(stay).request;
  }

  /** The request and the snapshot it was built from (read once: settle() needs its as_of for the running totals). */
  private build(stay: Stay): { request: StoredRequest; snap: SnapshotRow } {
    const snap = this.persons.snapshot(stay.person_id);
    const years = [...new Set(stay.costs.map((c) => yearOf(c.date)))].sort();
    // Only the flags and accumulators of layers the region has (shared with the reference insurer's recomputation).
    const own = onlyRegionLayers(
      this.ctx.rules.ruleSet().layerIds(snap.region),
      JSON.parse(snap.enrolled) as Record<string, Enrolment>,
      this.persons.ytd(stay.person_id, years),
    );
    const request: StoredRequest = {
      region: snap.region,
      insured: {
        scheme: snap.scheme as SchemeId,
        retired: snap.retired === 1,
        medical_assistance: snap.medical_assistance === 1,
        // Enrolment per year, limited to the stay's years (the record may hold many years; the request names only the stay's).
        enrolled: enrolmentForYears(own.enrolled, yearsBetween(stay.admission_date, stay.discharge_date)),
        suspended_years: JSON.parse(snap.suspended_years) as string[],
      },
      hospital_level: stay.hospital_level,
      admission_date: stay.admission_date,
      discharge_date: stay.discharge_date,
      costs: stay.costs,
      ytd: own.ytd as Ytd,
      ...(stay.prior_compensation && Object.keys(stay.prior_compensation).length > 0
        ? { prior_compensation: stay.prior_compensation }
        : {}),
      ...(stay.claim_filed_on ? { claim_filed_on: stay.claim_filed_on } : {}),
    };
    return { request, snap };
  }

  /** Pre-settlement (预结算): computes from the stored rules and accumulators, writes nothing. */
  preview(session: Session, s: BillInput): SettlementResult {
    assertCan(this.ctx.db, session, 'settlement.preview');
    // The limit against today (shared/limits.ts), by this service's clock: the window's schemas are static.
    refuseBeyondToday(s, businessDate(this.ctx.clock.now()));
    return settleRequest(engineRequest(this.buildRequest(s)), this.ctx.rules.ruleSet());
  }

  /**
   * Settles in one transaction: settlement, fund rows, ledger movements, outbox entry, audit entry, and what the
   * caller adds (`within`: the NHSA window's stay adopted by the record, or a refusal that writes nothing).
   */
  settle(
    session: Session,
    s: SettleInput,
    within?: (r: { id: number; outboxId: number; result: SettlementResult }) => void,
  ): { number: string; id: number; outboxId: number; result: SettlementResult } {
    const { db, terminal } = this.ctx;
    assertCan(db, session, 'settlement.settle');
    assertIntact(db); // a store that does not verify takes no money (store/chain.ts)
    refuseBeyondToday(s, businessDate(this.ctx.clock.now()));
    return refusingClosedDay(session, () =>
      writeTransaction(db, () => {
        // Inside the write lock: the accumulators cannot move under us.
        // The costs of an item-level bill are its fee lines summed per date (shared/fee-lines.ts).
        const { request, snap } = this.build(s);
        const result = settleRequest(engineRequest(request), this.ctx.rules.ruleSet());
        const at = this.ctx.clock.now();
        const date = businessDate(at);
        const number = nextNumber(this.ctx, 'S', date);
        const requestJson = JSON.stringify(request);
        const id = Number(
          cached(
            db,
            `INSERT INTO settlements (number, kind, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
                 admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result, stay, mdtrt_id)
               VALUES (?, 'settlement', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
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
            requestJson,
            JSON.stringify(result),
            JSON.stringify(s.stay),
            s.mdtrt_id ?? null,
          ).lastInsertRowid,
        );
        // The item-level bill the costs were derived from (shared/store/inputs.ts), with the settlement or not at all.
        if (s.fee_lines) insertFeeLines(db, id, s.fee_lines);
        const fund = cached(db, INSERT_FUND);
        for (const f of result.fund_details) fund.run(id, f.layer, f.field, f.fund_pay_type, f.amount);
        const ledger = cached(db, INSERT_LEDGER);
        const recordedAt = at.toISOString();
        // What this settlement moved, per year and layer (ytd_after − ytd before), and the running totals with it.
        for (const m of movements(request.ytd, result.ytd_after)) {
          const move = {
            person_id: s.person_id,
            year: m.year,
            layer: m.layer,
            paid: formatAmount(m.paid),
            base: formatAmount(m.base),
            admissions: m.admissions,
            recorded_at: recordedAt,
          };
          ledger.run(move.person_id, move.year, move.layer, move.paid, move.base, move.admissions, id, recordedAt);
          addMovement(db, snap.as_of, move);
        }
        // The payload as JSON.stringify would write it, with the request's text reused (not serialized twice).
        const outboxId = this.outbox.enqueueJson(
          'settlement',
          id,
          number,
          `{"number":${JSON.stringify(number)},"terminal":${JSON.stringify(terminal.code)},"hospital_code":${JSON.stringify(
            terminal.hospital_code,
          )},"person_id":${JSON.stringify(s.person_id)},"offline":${JSON.stringify(s.offline)},"request":${requestJson},"result":${JSON.stringify(
            { ...result, trace: undefined },
          )}}`,
          at,
        );
        audit(this.ctx, session, 'settlement.settle', 'settlement', number, {
          cash: result.psn_cash_pay,
          funds: result.fund_pay_sumamt,
          offline: s.offline,
        });
        within?.({ id, outboxId, result });
        return { number, id, outboxId, result };
      }),
    );
  }

  /** The fee lines the settlement's bill carried, in the bill's order ([] without an item-level bill): for the NHSA adapter's 2301. */
  feeLines(settlementId: number): FeeLine[] {
    return readFeeLines(this.ctx.db, settlementId);
  }

  /** The stay's mdtrt_id as the bill gave it (the HIS registered the admission, 2401 done), else null. A reversal carries its original's. */
  mdtrtId(settlementId: number): string | null {
    return readMdtrtId(this.ctx.db, settlementId);
  }

  /** 结算撤销: a negative record linked to the original; the accumulators move back. */
  reverse(session: Session, r: ReverseInput): { number: string; id: number; outboxId: number } {
    const { db } = this.ctx;
    assertCan(db, session, 'settlement.reverse');
    assertIntact(db);
    return refusingClosedDay(session, () =>
      writeTransaction(db, () => {
        const original = db
          .prepare("SELECT * FROM settlements WHERE number = ? AND kind = 'settlement'")
          .get(r.number) as
          | {
              id: number;
              person_id: number;
              operator_id: number;
              stay: string;
              mdtrt_id: string | null;
              region: string;
              rule_versions: string;
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
        const already = db.prepare('SELECT number FROM settlements WHERE reverses_id = ?').get(original.id) as
          { number: string } | undefined;
        const today = businessDate(this.ctx.clock.now());
        if (
          db
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
        const at = this.ctx.clock.now();
        const date = businessDate(at);
        const number = nextNumber(this.ctx, 'R', date);
        const id = Number(
          db
            .prepare(
              `INSERT INTO settlements (number, kind, reverses_id, person_id, operator_id, business_date, settled_at, region, rule_versions, offline, hospital_level,
                 admission_date, discharge_date, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, request, result, reason, stay, mdtrt_id)
               VALUES (?, 'reversal', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
              original.mdtrt_id,
            ).lastInsertRowid,
        );
        const fund = cached(db, INSERT_FUND);
        for (const f of db
          .prepare('SELECT layer, field, fund_pay_type, amount FROM settlement_funds WHERE settlement_id = ?')
          .all(original.id) as { layer: string; field: string; fund_pay_type: string; amount: string }[]) {
          fund.run(id, f.layer, f.field, f.fund_pay_type, negatedAmount(f.amount));
        }
        const moves = db
          .prepare('SELECT year, layer, paid, base, admissions FROM ledger WHERE settlement_id = ?')
          .all(original.id) as { year: number; layer: string; paid: string; base: string; admissions: number }[];
        const ledger = cached(db, INSERT_LEDGER);
        // The running totals move back with the ledger, by the same rule ytd() reads them (after the latest as_of).
        const asOf = latestAsOf(db, original.person_id);
        for (const m of moves) {
          const move = {
            person_id: original.person_id,
            year: m.year,
            layer: m.layer,
            paid: negatedAmount(m.paid),
            base: negatedAmount(m.base),
            admissions: -m.admissions,
            recorded_at: at.toISOString(),
          };
          ledger.run(
            move.person_id,
            move.year,
            move.layer,
            move.paid,
            move.base,
            move.admissions,
            id,
            move.recorded_at,
          );
          if (asOf !== null) addMovement(db, asOf, move);
        }
        const outboxId = this.outbox.enqueue(
          'reversal',
          id,
          number,
          { number, reverses: r.number, terminal: this.ctx.terminal.code, reason: r.reason },
          at,
        );
        audit(this.ctx, session, 'settlement.reverse', 'settlement', number, { reverses: r.number, reason: r.reason });
        return { number, id, outboxId };
      }),
    );
  }
}

/**
 * What you see is what you settle (issue 17): the SHA-256 of
 * - the bill as validated (defaults applied, costs derived from fee lines; the digest itself and `offline`, which
 *   the terminal decides, left out),
 * - the amounts computed for it (the result without its trace: every fund, part and accumulator after), so rules
 *   installed or accumulators synced between F5 and F8 are a different preview too, and
 * - at an NHSA terminal online once F5's 2303 answered, the 2303 data that answer is for (the journal's
 *   `presettled`: what F8's 2304 sends).
 * F5 returns it with the preview; F8 sends it back and the service settles only when the digest of the bill and of
 * the amounts it computes inside the settling transaction is the same.
 */
export function previewDigest(
  bill: BillInput | SettleInput,
  result: SettlementResult,
  presettled: string | null = null,
): string {
  const rest: Record<string, unknown> = { ...bill };
  delete rest['preview_digest'];
  delete rest['offline'];
  const { trace: _trace, ...amounts } = result;
  return createHash('sha256')
    .update(canonicalJson(rest))
    .update(`\nresult:${canonicalJson(amounts)}`)
    .update(presettled === null ? '' : `\n2303:${presettled}`)
    .digest('hex');
}

/**
 * F8 refused unless its digest is its F5's (the bill and the amounts unchanged since the cashier saw the numbers).
 * The digest is required on the channel (inputs.ts windowSettleInput): every caller of `settlement.settle` previews
 * first, as the window does. The CLI and the bench settle through DeskService, not this channel.
 */
export function refuseStalePreview(sent: string, expected: string): void {
  if (sent === expected) return;
  throw new DeskError(
    'preview_stale',
    '',
    '预览后账单已改动，请按 F5 重新预览',
    'the bill changed after its preview: press F5 to preview again',
  );
}

/**
 * A stay across 1 January whose typed costs all lie in one year (one cost line, or lines left without dates, which
 * the window sends as the discharge date) is settled in that year only: refused at the window until the lines are
 * split by date or the cashier confirms (cross_year_confirmed, part of the previewed bill). An item-level bill's
 * dates are the HIS's own, taken as they are.
 */
export function refuseUnsplitNewYear(b: BillInput): void {
  if (b.fee_lines || b.cross_year_confirmed) return;
  const from = yearOf(b.admission_date);
  const to = yearOf(b.discharge_date);
  const years = new Set(b.costs.map((c) => yearOf(c.date)));
  if (from === to || years.size !== 1) return;
  const [only] = [...years];
  throw new DeskError(
    'costs_not_split',
    'cross_year_confirmed',
    `住院跨年（${b.admission_date} 至 ${b.discharge_date}），费用全部在 ${only} 年：请按日期拆分费用行（每年一行），或勾选确认全部按 ${only} 年结算`,
    `the stay crosses New Year (${b.admission_date} to ${b.discharge_date}) but all costs are dated ${only}: split the cost lines by date (one per year), or tick the box to settle all of it in ${only}`,
  );
}

/**
 * A step after the record committed (the platform's settle or undo at once): whatever it throws — a full disk
 * taking the sync lease, say — must not reach the window as "结算未保存" (dispatch's wording for an error of
 * the channel), or the cashier settles the patient twice. The record is saved and queued; the step's failure
 * is logged and the answer says the amounts are provisional.
 */
async function afterCommit<T>(step: () => Promise<T>, provisional: (why: string) => T): Promise<T> {
  try {
    return await step();
  } catch (e) {
    console.error('a step after the record was saved failed; the record stays queued', e);
    const why =
      storageProblemOf(e) === 'disk_full'
        ? '磁盘空间不足'
        : e instanceof DeskError
          ? e.body.message
          : '内部错误，已记录日志';
    return provisional(why);
  }
}

export function settlementHandlers({
  service,
  sessions,
  sync,
  online,
  live,
}: AppContext): Pick<
  Handlers,
  'settlement.preview' | 'settlement.presettle' | 'settlement.settle' | 'settlement.reverse'
> {
  const settlements = service.settlements;
  // The national interface settles item by item (2301): a bill without fee lines cannot be sent there.
  const nhsa = live.started.nhsa !== undefined;
  const window = sync?.window ?? null;
  return {
    'settlement.preview': (req, ctx) => {
      const session = sessions.current(ctx);
      refuseWithoutFeeLines(nhsa, req);
      refuseUnsplitNewYear(req);
      const result = settlements.preview(session, req);
      return { ...result, digest: previewDigest(req, result) };
    },
    // F5 at an NHSA terminal: the platform's 2303 beside the local preview (docs/nhsa.md §7.6).
    'settlement.presettle': async (req, ctx) => {
      const session = sessions.current(ctx);
      if (!window)
        throw new DeskError('not_found', '', '本终端未使用国家医保接口，无平台预结算', 'not an NHSA terminal');
      refuseWithoutFeeLines(true, req);
      refuseUnsplitNewYear(req);
      const local = settlements.preview(session, req);
      const platform = await window.presettle(session, req, local);
      return { ...platform, digest: previewDigest(req, local, window.stayFor(req)?.presettled ?? null) };
    },
    'settlement.settle': async ({ preview_digest, ...req }, ctx) => {
      const session = sessions.current(ctx);
      refuseWithoutFeeLines(nhsa, req);
      refuseUnsplitNewYear(req);
      // NHSA: the window's stay, and whether F8 settles it with the platform now (online, F5's 2303 answered).
      const stay = window?.stayFor(req) ?? null;
      const presettled = window !== null && online() && stay !== null && stay.presettled !== null;
      // Inside the settling transaction, before anything is written: the digest of the bill, of the amounts just
      // computed and (settled with the platform now) of the 2303 shown must be F5's, or nothing is settled. Offline,
      // an old 2303 is not part of it: the window's F5 then showed the local preview only.
      const unchanged = (result: SettlementResult) =>
        refuseStalePreview(preview_digest, previewDigest(req, result, presettled ? stay!.presettled : null));
      if (window) {
        // NHSA: the record takes the window's stay (the queue goes on from the step F5 reached). Online with the
        // bill presettled (2303), 2402/2304 run at once; otherwise the record is provisional and queued.
        const done = settlements.settle(session, { ...req, offline: !presettled }, (r) => {
          unchanged(r.result);
          if (stay) window.adopt(stay, req, r.result, r.outboxId, presettled);
        });
        if (presettled) {
          const outcome = await afterCommit(
            () => window.settleNow(done.outboxId, done.result),
            (why) => ({
              platform: null,
              provisional: `本单已结算并保存；医保平台结算未完成（${why}），已进入上传队列，金额以医保部门确认为准`,
            }),
          );
          return { number: done.number, result: done.result, ...outcome };
        }
        const provisional = '未经医保平台预结算（2303）：本单按本机金额结算，金额以医保部门确认为准，已进入上传队列';
        return { number: done.number, result: done.result, platform: null, provisional };
      }
      // Offline is what this terminal knows of its link, not what the window says.
      const offline = !online();
      const { number, result } = settlements.settle(session, { ...req, offline }, (r) => unchanged(r.result));
      const provisional = offline ? '脱机结算：金额以医保部门确认为准，联网后自动上传' : null;
      return { number, result, platform: null, provisional };
    },
    'settlement.reverse': async (req, ctx) => {
      const done = settlements.reverse(sessions.current(ctx), req);
      // NHSA online: the platform's undo runs at once (docs/nhsa.md §7.4); otherwise the reversal waits in the queue.
      if (window && online()) {
        const provisional = await afterCommit(
          () => window.reverseNow(done.outboxId),
          (why) => `冲销已保存；医保平台撤销未完成（${why}），已进入上传队列`,
        );
        return { number: done.number, provisional };
      }
      return { number: done.number, provisional: sync ? '冲销已进入上传队列，联网后上传' : null };
    },
  };
}
