/**
 * Online at the window, through the national interface (docs/nhsa.md §7.6):
 * 1101 at lookup; at F5 the bill's stay registered (2401), its fee lines
 * uploaded (2301; a line edited since is cancelled with 2302 and sent again)
 * and presettled (2303) beside the local preview; at F8 the record is settled
 * locally and its window stay adopted in the same transaction, then 2402 and
 * 2304 — with exactly the input 2303 was given — run at once through the same
 * steps as the queue (drain.ts). Whatever does not get through stays in the
 * queue and continues from the step reached; the cashier is told the amounts
 * are provisional.
 */
import { DeskError } from '../../../../shared/errors.js';
import { stringifyNhsaJson } from '../../../../shared/nhsa/index.js';
import type { SettlementResult } from '../../../../shared/engine/result.js';
import type { NhsaPersonView, PlatformPreview, PlatformSettlement } from '../../../../shared/ipc/contract.js';
import type { BillInput } from '../../../../shared/store/inputs.js';
import type { Session } from '../../services/access.js';
import type { OutboxRow, PushResult } from '../../services/outbox.js';
import { UnknownOutcome, type Output, type Sender } from './client.js';
import { drainSettlement } from './drain.js';
import { drainReversal } from './reversal.js';
import { Held, SignInAgain, call, resolveUnknown, signedIn, type NhsaContext } from './exchange.js';
import { platformAnswerOf, type Stay } from './journal.js';
import { comparison, packageFundCodes, platformAmounts, platformCosts } from './platform-split.js';
import {
  admit,
  ACTIVE,
  insuranceOf,
  lineDigest,
  schemeOf,
  person,
  personInput,
  samePerson,
  settlementData,
  uploadFees,
  type StayBill,
  type StayRun,
} from './steps.js';

/** How the window finds its stay again between F5 and F8: the person, the admission date, the HIS's numbers. */
const windowKey = (b: BillInput) => [b.person_id, b.admission_date, b.stay.inpatient_no, b.mdtrt_id ?? ''].join('|');

export class NhsaWindow {
  constructor(
    private readonly x: NhsaContext,
    /** Runs fn holding the queue's lease (one process drains a queue); null when another process holds it. */
    private readonly leased: <T>(fn: () => Promise<T>) => Promise<T | null>,
    /** Whether the gateway answered the window's last exchange (false: no answer at all): the status bar follows. */
    private readonly contact: (answered: boolean) => void = () => {},
  ) {}

  private sender(session: Session, insuplc: string | null): Sender {
    return { opter: session.code, opter_name: session.name, insuplc_admdvs: insuplc ?? '' };
  }

  /** 1101 at lookup for a person this terminal knows: psn_no, insutype, 参保地 and status kept; the scheme follows insutype. */
  async lookup(session: Session, idNumber: string): Promise<void> {
    const { x } = this;
    const known = x.service.persons.findByIdNumber(session, idNumber);
    if (!known) return; // 1101 alone is not a snapshot (no region rules, no accumulators): the cashier records the person first.
    const scheme = x.service.persons.snapshot(known.person_id).scheme === 'employee' ? 'employee' : 'resident';
    const ask = () =>
      call(
        x,
        { stay: null, outbox: null },
        '1101',
        personInput(idNumber, known.name),
        this.sender(session, null),
        (o, p) => {
          const insu = insuranceOf(o, scheme);
          x.journal.recordPerson(
            known.person_id,
            {
              psn_no: o.baseinfo.psn_no,
              insutype: insu.insutype,
              insuplc_admdvs: insu.insuplc_admdvs,
              psn_insu_stas: insu.psn_insu_stas ?? '',
              psn_type: insu.psn_type ?? '',
            },
            p.msgid,
          );
          // One entry decides both what is kept for the stay and the scheme the terminal settles under.
          this.followScheme(session, known.person_id, idNumber, insu.insutype);
        },
        { belongs: samePerson(idNumber) },
      );
    await x.serial.run(async () => {
      try {
        await signedIn(ask);
        this.contact(true);
      } catch (e) {
        this.contact(!(e instanceof UnknownOutcome && e.why === 'network'));
        // The platform's refusal is the cashier's to see (no answer: the store's snapshot serves, offline).
        if (e instanceof Held)
          throw new DeskError(
            'invalid_field',
            'id_number',
            `医保平台人员信息获取（1101）未通过：${e.message}`,
            `the platform's person lookup (1101) refused: ${e.message}`,
          );
        throw e;
      }
    });
  }

  /**
   * The platform's insutype decides the scheme (310 职工 → employee, 390 居民 → resident): when the snapshot says
   * otherwise, a new snapshot with the platform's scheme, everything else and its as-of kept (the year-to-date
   * accumulators are the snapshot's plus the ledger after its as-of: a new as-of would drop movements).
   */
  private followScheme(session: Session, personId: number, idNumber: string, insutype: string): void {
    const persons = this.x.service.persons;
    const snap = persons.snapshot(personId);
    const scheme = schemeOf(insutype);
    if (!scheme || scheme === snap.scheme) return;
    const p = persons.identity(personId);
    persons.record(session, {
      id_number: idNumber,
      name: p.name,
      gender: p.gender,
      region: snap.region,
      scheme,
      retired: snap.retired === 1,
      medical_assistance: snap.medical_assistance === 1,
      enrolled: JSON.parse(snap.enrolled) as Record<string, never>,
      suspended_years: JSON.parse(snap.suspended_years) as string[],
      accumulators: JSON.parse(snap.accumulators) as Record<string, never>,
      as_of: snap.as_of,
      source: 'insurer',
    });
  }

  /** What 1101 last said of the person, for the window. */
  personView(personId: number): NhsaPersonView | null {
    const p = this.x.journal.person(personId);
    return p
      ? {
          psn_no: p.psn_no,
          insutype: p.insutype,
          insuplc_admdvs: p.insuplc_admdvs,
          psn_insu_stas: p.psn_insu_stas,
          queried_at: p.queried_at,
        }
      : null;
  }

  private bill(b: BillInput, result: SettlementResult): StayBill {
    const persons = this.x.service.persons;
    const { name } = persons.identity(b.person_id);
    return {
      personId: b.person_id,
      personName: name,
      idNumber: persons.revealIdNumber(b.person_id),
      scheme: persons.snapshot(b.person_id).scheme === 'employee' ? 'employee' : 'resident',
      admission: b.admission_date,
      discharge: b.discharge_date,
      stay: b.stay,
      number: null,
      lines: b.fee_lines ?? [],
      mdtrtId: b.mdtrt_id ?? null,
      result,
    };
  }

  /** F5: the stay brought up to the bill (2401, 2302/2301 as needed), then 2303 with the data F8 will send. */
  async presettle(session: Session, b: BillInput, local: SettlementResult): Promise<PlatformPreview> {
    const { x } = this;
    const bill = this.bill(b, local);
    return x.serial.run(async () => {
      let stay = x.journal.windowStay(windowKey(b));
      // Presettled means the LAST F5's 2303 answered: a failed F5 leaves nothing for F8 to take as presettled.
      if (stay.presettled !== null) {
        const id = stay.id;
        x.service.db.transaction(() => x.journal.updateStay(id, { presettled: null }))();
        stay = x.journal.stay(id);
      }
      const known = x.journal.person(b.person_id);
      if (!stay.psn_no && known) {
        const id = stay.id;
        x.service.db.transaction(() =>
          x.journal.updateStay(id, {
            psn_no: known.psn_no,
            insutype: known.insutype,
            insuplc_admdvs: known.insuplc_admdvs,
          }),
        )();
        stay = x.journal.stay(stay.id);
      }
      if (known && known.psn_insu_stas !== ACTIVE)
        throw new DeskError(
          'invalid_field',
          'person_id',
          `医保平台（1101）显示该参保人参保状态为 ${known.psn_insu_stas}（非正常参保），不能按医保结算`,
          `the platform (1101) says this person's insurance status is ${known.psn_insu_stas}, not active`,
        );
      const r: StayRun = {
        x,
        owner: { stay: stay.id, outbox: null },
        stay,
        sender: this.sender(session, stay.insuplc_admdvs),
      };
      await this.steps(async () => {
        await resolveUnknown(x, r.owner, r.stay, r.sender);
        r.stay = x.journal.stay(stay.id);
        await person(r, bill);
        await admit(r, bill);
        await uploadFees(r, bill);
      });
      const data = settlementData(r.stay, bill);
      const codes = packageFundCodes(x.service.rules.ruleSet(), local.region);
      let preview: PlatformPreview | null = null;
      await this.steps(() =>
        call(x, r.owner, '2303', { data }, r.sender, (o) => {
          x.journal.updateStay(r.stay.id, { presettled: stringifyNhsaJson(data) });
          preview = {
            mdtrt_id: r.stay.mdtrt_id!,
            ...comparison(local, platformAmounts(o, codes), platformCosts(o.setlinfo)),
          };
        }),
      );
      return preview!;
    });
  }

  /** The refusals of a window step in the cashier's words: the gateway's refusal, or no answer. */
  private async steps(fn: () => Promise<void>): Promise<void> {
    try {
      await signedIn(fn);
      this.contact(true);
    } catch (e) {
      this.contact(!(e instanceof UnknownOutcome && e.why === 'network'));
      if (e instanceof Held || e instanceof SignInAgain)
        throw new DeskError('insurer_refused', '', `医保平台拒绝：${e.message}`, `the platform refused: ${e.message}`);
      if (e instanceof UnknownOutcome)
        throw new DeskError(
          'insurer_unreachable',
          '',
          `医保平台未应答（${e.message}）：可按本机结算（F8），金额待医保平台确认`,
          `no answer from the platform (${e.message}): F8 settles locally, amounts to be confirmed`,
        );
      throw e;
    }
  }

  /** The window's stay for this bill (F5 got at least as far as creating it), else null. */
  stayFor(b: BillInput): Stay | null {
    return this.x.journal.windowStayIf(windowKey(b));
  }

  /**
   * Inside the settlement's transaction (F8): the record takes the window's stay, so the queue goes on from the step
   * F5 reached (never a second 2401). Settled online (`presettled`): only when the bill and the local result are the
   * ones 2303 was given, else F8 is refused and nothing is written (press F5 again). Settled offline: the presettled
   * input is dropped, the queue builds 2304 from the record.
   */
  adopt(stay: Stay, b: BillInput, result: SettlementResult, outboxId: number, presettled: boolean): void {
    const j = this.x.journal;
    if (presettled) {
      const bill = this.bill(b, result);
      const uploaded = j.uploaded(stay.id);
      const sameLines =
        uploaded.size === bill.lines.length && bill.lines.every((l) => uploaded.get(l.feedetl_sn) === lineDigest(l));
      if (!sameLines || stringifyNhsaJson(settlementData(stay, bill)) !== stay.presettled)
        throw new DeskError(
          'presettle_stale',
          '',
          '账单或本机结算在医保预结算（F5）之后有变化：请重新预结算（F5）再结算',
          'the bill or the local settlement changed after the platform presettlement: press F5 again',
        );
    } else if (stay.presettled !== null) {
      j.updateStay(stay.id, { presettled: null });
    }
    j.adopt(stay.id, outboxId);
  }

  /**
   * F8, after the local settlement committed: 2402 and 2304 for its record now, in turn with the queue. Returns the
   * platform's settlement, or why the amounts are provisional (the record stays queued from the step reached).
   */
  async settleNow(
    outboxId: number,
    local: SettlementResult,
  ): Promise<{ platform: PlatformSettlement | null; provisional: string | null }> {
    const outcome = await this.drainNow(
      outboxId,
      (x, row, push) => drainSettlement(x, row, push, true),
      '本单按本机金额结算',
    );
    if (outcome) return { platform: null, provisional: outcome };
    const platform = platformSettlementOf(this.x, outboxId, local);
    return platform ? { platform, provisional: null } : { platform: null, provisional: NOT_RUN };
  }

  /**
   * 结算撤销 at the window, online: the reversal's undo steps (reversal.ts: 2305, 2405, 2302, 2404 as needed) run
   * at once. Returns null when the platform has undone the stay, else why the reversal waits in the queue.
   */
  async reverseNow(outboxId: number): Promise<string | null> {
    const outcome = await this.drainNow(outboxId, drainReversal, '本机已撤销');
    if (outcome) return outcome;
    return this.x.service.outbox.pendingRow(outboxId) ? NOT_RUN : null;
  }

  /** One record's steps now, in turn with the queue and holding its lease; a string says why it did not finish. */
  private async drainNow(
    outboxId: number,
    drain: (x: NhsaContext, row: OutboxRow, push: PushResult) => Promise<void>,
    here: string,
  ): Promise<string | null> {
    const { x } = this;
    const push: PushResult = { sent: 0, accepted: 0, adjusted: 0, rejected: 0, held: 0 };
    const outcome = await this.leased(() =>
      x.serial.run(async () => {
        const row = x.service.outbox.pendingRow(outboxId);
        if (!row) return null;
        try {
          await signedIn(() => drain(x, row, push));
          return null;
        } catch (e) {
          if (e instanceof Held) {
            x.service.outbox.hold([row.id], e.message, x.now().toISOString());
            return `医保平台拒绝（${e.message}）：${here}，已转待处理`;
          }
          const why = e instanceof Error ? e.message : String(e);
          return `医保平台未完成（${why}）：${here}，金额以医保部门确认为准，已在上传队列中继续`;
        }
      }),
    );
    return outcome ?? null;
  }
}

/** Not drained at once and not done: another process holds the queue's lease; the record waits in the queue. */
const NOT_RUN = '另一进程正在同步上传队列：本单已排队，以医保部门确认为准';

/** The platform's settlement of a record as the window and the slip show it, from the stored 2304 answer. */
export function platformSettlementOf(
  x: Pick<NhsaContext, 'service'>,
  outboxId: number,
  local: SettlementResult,
): PlatformSettlement | null {
  const row = platformAnswerOf(x.service.db, outboxId);
  if (!row) return null;
  const codes = packageFundCodes(x.service.rules.ruleSet(), local.region);
  const answer = { setlinfo: JSON.parse(row.setlinfo), setldetail: JSON.parse(row.setldetail) } as Output<'2304'>;
  const medins = (answer.setlinfo as { medins_setl_id?: string | null }).medins_setl_id;
  return {
    setl_id: row.setl_id,
    medins_setl_id: medins || row.msgid,
    ...comparison(local, platformAmounts(answer, codes), platformCosts(answer.setlinfo)),
  };
}
