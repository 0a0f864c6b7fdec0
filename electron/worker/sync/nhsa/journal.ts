/**
 * The NHSA step journal (docs/nhsa.md §7.2, migration 0007): msgids that never
 * repeat, each request recorded as 'sent' before it leaves, its answer and
 * effects recorded together after, and what the platform knows of each stay.
 */
import { makeMsgid, type Infno, type SettleOutput } from '../../../../shared/nhsa/index.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import { writeTransaction, type Db } from '../../store/db.js';
import type { Prepared } from './client.js';

export interface Step {
  id: number;
  stay_id: number | null;
  outbox_id: number | null;
  infno: Infno;
  msgid: string;
  request: string;
  state: 'sent' | 'answered' | 'unknown' | 'reversed';
}

/** One stay as the platform knows it (migration 0009): a queued record's, or the window's before F8. */
export interface Stay {
  id: number;
  outbox_id: number | null;
  window_key: string | null;
  psn_no: string | null;
  insutype: string | null;
  insuplc_admdvs: string | null;
  mdtrt_id: string | null;
  discharged: number;
  /** The 2304 input last presettled with 2303 at the window: F8 sends exactly this. */
  presettled: string | null;
  undone: 'settlement' | 'discharge' | 'fees' | 'admission' | null;
}

/** What a request is sent for: the stay it acts on (null for 9001 and the hospital-level 3201/3202/9101/9102) and the record (null before F8). */
export interface StepOwner {
  stay: number | null;
  outbox: number | null;
}

const STAY_COLUMNS =
  'id, outbox_id, window_key, psn_no, insutype, insuplc_admdvs, mdtrt_id, discharged, presettled, undone';

export class NhsaJournal {
  constructor(
    private readonly db: Db,
    private readonly config: NhsaConfig,
    private readonly now: () => Date,
  ) {}

  /**
   * The next msgid: fixmedins_code + Beijing second + slot digit + 3-digit counter
   * (docs/nhsa.md §7.5: 1,000 per second per terminal). The clock going back
   * keeps the last second used; past 999 in a second, the next second.
   */
  private nextMsgid(): string {
    const last = this.db.prepare('SELECT second, counter FROM nhsa_msgids WHERE id = 1').get() as {
      second: number;
      counter: number;
    };
    let second = Math.floor(this.now().getTime() / 1000);
    let counter = 0;
    if (second <= last.second) {
      second = last.second;
      counter = last.counter + 1;
      if (counter > 999) {
        second += 1;
        counter = 0;
      }
    }
    this.db.prepare('UPDATE nhsa_msgids SET second = ?, counter = ? WHERE id = 1').run(second, counter);
    return makeMsgid(this.config.fixmedins_code, new Date(second * 1000), this.config.terminal_slot * 1000 + counter);
  }

  /** Allocates the msgid, builds the body and records it as 'sent', committed before the request leaves. */
  begin(owner: StepOwner, infno: Infno, build: (msgid: string) => Prepared): Prepared & { stepId: number } {
    return writeTransaction(this.db, () => {
      const p = build(this.nextMsgid());
      if (p.infno !== infno) throw new Error('prepared for another transaction');
      const stepId = Number(
        this.db
          .prepare(
            "INSERT INTO nhsa_steps (stay_id, outbox_id, infno, msgid, request, request_sha256, state, sent_at) VALUES (?, ?, ?, ?, ?, ?, 'sent', ?)",
          )
          .run(owner.stay, owner.outbox, infno, p.msgid, p.body, p.sha256, this.now().toISOString()).lastInsertRowid,
      );
      return { ...p, stepId };
    });
  }

  /** The answer (infcode 0 or -1) and what it changes, in one transaction. */
  answered(stepId: number, infcode: 0 | -1, errMsg: string | null, output: string | null, apply: () => void): void {
    writeTransaction(this.db, () => {
      this.db
        .prepare(
          "UPDATE nhsa_steps SET state = 'answered', infcode = ?, err_msg = ?, output = ?, answered_at = ? WHERE id = ?",
        )
        .run(infcode, errMsg, output, this.now().toISOString(), stepId);
      apply();
    });
  }

  /** A request whose outcome is not known, nor needs to be (9001, 1101, a 2601 superseded by the next one). */
  mark(stepId: number, state: 'unknown' | 'reversed', note: string | null = null): void {
    this.db
      .prepare('UPDATE nhsa_steps SET state = ?, err_msg = coalesce(?, err_msg), answered_at = ? WHERE id = ?')
      .run(state, note, this.now().toISOString(), stepId);
  }

  /** The last request journaled (0: none yet): whether a round sent anything. */
  lastStepId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) FROM nhsa_steps').pluck().get() as number) ?? 0;
  }

  /** Requests for this stay whose outcome is still unknown, oldest first. */
  unresolved(stayId: number): Step[] {
    return this.db
      .prepare(
        "SELECT id, stay_id, outbox_id, infno, msgid, request, state FROM nhsa_steps WHERE stay_id = ? AND state = 'sent' ORDER BY id",
      )
      .all(stayId) as Step[];
  }

  stay(stayId: number): Stay {
    return this.db.prepare(`SELECT ${STAY_COLUMNS} FROM nhsa_stays WHERE id = ?`).get(stayId) as Stay;
  }

  /** The stay of a queued record, made on first use (the record's own, or the one the window adopted at F8). */
  stayOf(outboxId: number): Stay {
    const found = this.db.prepare(`SELECT ${STAY_COLUMNS} FROM nhsa_stays WHERE outbox_id = ?`).get(outboxId) as
      Stay | undefined;
    if (found) return found;
    const id = writeTransaction(this.db, () =>
      this.db
        .prepare('INSERT INTO nhsa_stays (outbox_id, updated_at) VALUES (?, ?)')
        .run(outboxId, this.now().toISOString()),
    ).lastInsertRowid;
    return this.stay(Number(id));
  }

  /** The stay of a record if anything was ever sent for it (or adopted from the window), else null. */
  existingStayOf(outboxId: number): { id: number } | null {
    return (
      (this.db.prepare('SELECT id FROM nhsa_stays WHERE outbox_id = ?').get(outboxId) as { id: number } | undefined) ??
      null
    );
  }

  /** The window's stay for this bill, if F5 made one (it is made by windowStay). */
  windowStayIf(key: string): Stay | null {
    return (
      (this.db.prepare(`SELECT ${STAY_COLUMNS} FROM nhsa_stays WHERE window_key = ?`).get(key) as Stay | undefined) ??
      null
    );
  }

  /** Whether the platform applied any step of the stay (2401, a 2301 batch, 2402, 2304 answered with infcode 0). */
  reachedPlatform(stayId: number): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM nhsa_steps WHERE stay_id = ? AND infno IN ('2401', '2301', '2402', '2304') AND state = 'answered' AND infcode = 0",
        )
        .get(stayId) !== undefined
    );
  }

  /** The transactions answered for a record (9001 aside), in the order first sent. */
  answeredInfnos(outboxId: number): string[] {
    return this.db
      .prepare(
        "SELECT infno FROM nhsa_steps WHERE outbox_id = ? AND state = 'answered' AND infno != '9001' GROUP BY infno ORDER BY min(id)",
      )
      .pluck()
      .all(outboxId) as string[];
  }

  /** The window's stay for this bill (docs/nhsa.md §7.6), made on first use. */
  windowStay(key: string): Stay {
    const found = this.db.prepare(`SELECT ${STAY_COLUMNS} FROM nhsa_stays WHERE window_key = ?`).get(key) as
      Stay | undefined;
    if (found) return found;
    const id = this.db
      .prepare('INSERT INTO nhsa_stays (window_key, updated_at) VALUES (?, ?)')
      .run(key, this.now().toISOString()).lastInsertRowid;
    return this.stay(Number(id));
  }

  /** Inside the settlement's transaction (F8): the window's stay becomes the record's; the key is free for a later stay. */
  adopt(stayId: number, outboxId: number): void {
    this.db
      .prepare(
        'UPDATE nhsa_stays SET outbox_id = ?, window_key = NULL, updated_at = ? WHERE id = ? AND outbox_id IS NULL',
      )
      .run(outboxId, this.now().toISOString(), stayId);
  }

  /** Inside answered()'s transaction: what the platform now knows of the stay. */
  updateStay(stayId: number, fields: Partial<Omit<Stay, 'id' | 'outbox_id'>>): void {
    const s = { ...this.stay(stayId), ...fields };
    this.db
      .prepare(
        `UPDATE nhsa_stays SET window_key = ?, psn_no = ?, insutype = ?, insuplc_admdvs = ?, mdtrt_id = ?, discharged = ?, presettled = ?, undone = ?,
           updated_at = ? WHERE id = ?`,
      )
      .run(
        s.window_key,
        s.psn_no,
        s.insutype,
        s.insuplc_admdvs,
        s.mdtrt_id,
        s.discharged,
        s.presettled,
        s.undone,
        this.now().toISOString(),
        stayId,
      );
  }

  /** Fee lines the platform holds for this stay (not cancelled by 2302), with the digest of each as sent. */
  uploaded(stayId: number): Map<string, string | null> {
    return new Map(
      (
        this.db
          .prepare('SELECT feedetl_sn, line_sha256 FROM nhsa_fee_uploads WHERE stay_id = ? AND cancelled = 0')
          .all(stayId) as { feedetl_sn: string; line_sha256: string | null }[]
      ).map((r) => [r.feedetl_sn, r.line_sha256]),
    );
  }

  /** Inside answered()'s transaction: the lines of a 2301 the platform accepted, with its split per line and the digest of what was sent. */
  recordUploaded(
    stayId: number,
    stepId: number,
    results: { feedetl_sn: string }[],
    digests: Map<string, string>,
  ): void {
    const stmt = this.db.prepare(
      `INSERT INTO nhsa_fee_uploads (stay_id, feedetl_sn, step_id, line_sha256, result, cancelled) VALUES (?, ?, ?, ?, ?, 0)
       ON CONFLICT (stay_id, feedetl_sn) DO UPDATE SET step_id = excluded.step_id, line_sha256 = excluded.line_sha256, result = excluded.result, cancelled = 0`,
    );
    for (const r of results)
      stmt.run(stayId, r.feedetl_sn, stepId, digests.get(r.feedetl_sn) ?? null, JSON.stringify(r));
  }

  /** Inside answered()'s transaction: 2302 cleared these lines of the stay ("0000": all of them). */
  cancelUploaded(stayId: number, feedetlSns: readonly string[] | 'all'): void {
    if (feedetlSns === 'all') {
      this.db.prepare('UPDATE nhsa_fee_uploads SET cancelled = 1 WHERE stay_id = ?').run(stayId);
      return;
    }
    const stmt = this.db.prepare('UPDATE nhsa_fee_uploads SET cancelled = 1 WHERE stay_id = ? AND feedetl_sn = ?');
    for (const sn of feedetlSns) stmt.run(stayId, sn);
  }

  /** Inside answered()'s transaction: the platform's settlement (2304) or reversal (2305) as it came, immutable. */
  recordSettlement(outboxId: number, o: SettleOutput, msgid: string): void {
    this.db
      .prepare(
        'INSERT INTO nhsa_settlements (outbox_id, setl_id, mdtrt_id, psn_no, msgid, setlinfo, setldetail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        outboxId,
        o.setlinfo.setl_id,
        o.setlinfo.mdtrt_id,
        o.setlinfo.psn_no,
        msgid,
        JSON.stringify(o.setlinfo),
        JSON.stringify(o.setldetail),
        this.now().toISOString(),
      );
  }

  /** The platform's answer for a record (2304 of a settlement, 2305 of a reversal) as stored, else null. */
  platformAnswer(outboxId: number): PlatformAnswer | null {
    return platformAnswerOf(this.db, outboxId);
  }

  /**
   * The platform's answers (2304 and 2305) whose setl_time (Beijing) falls on this day, with the local record: what a
   * 3201 reconciliation adds up (reconcile.ts).
   */
  platformAnswersOn(day: string): {
    setl_id: string;
    mdtrt_id: string;
    psn_no: string;
    setlinfo: string;
    kind: 'settlement' | 'reversal';
    number: string;
  }[] {
    return this.db
      .prepare(
        `SELECT ns.setl_id, ns.mdtrt_id, ns.psn_no, ns.setlinfo, o.kind, s.number
         FROM nhsa_settlements ns JOIN outbox o ON o.id = ns.outbox_id JOIN settlements s ON s.id = o.ref_id
         WHERE substr(json_extract(ns.setlinfo, '$.setl_time'), 1, 10) = ? ORDER BY ns.rowid`,
      )
      .all(day) as ReturnType<NhsaJournal['platformAnswersOn']>;
  }

  /** The local record a request was sent for, by its msgid (a 3202 result line names the 2304's msgid). */
  numberOfMsgid(msgid: string): string | null {
    return (
      (this.db
        .prepare(
          'SELECT s.number FROM nhsa_steps st JOIN outbox o ON o.id = st.outbox_id JOIN settlements s ON s.id = o.ref_id WHERE st.msgid = ?',
        )
        .pluck()
        .get(msgid) as string | undefined) ?? null
    );
  }

  /** The platform's settlement of a record, by the record's outbox row. */
  settlementOf(outboxId: number): { setl_id: string; mdtrt_id: string; psn_no: string } | null {
    return (
      (this.db.prepare('SELECT setl_id, mdtrt_id, psn_no FROM nhsa_settlements WHERE outbox_id = ?').get(outboxId) as
        { setl_id: string; mdtrt_id: string; psn_no: string } | undefined) ?? null
    );
  }

  /** Inside answered()'s transaction: 1101's answer for a person (migration 0009 nhsa_persons). */
  recordPerson(personId: number, p: Omit<NhsaPerson, 'queried_at'>, answer: string): void {
    this.db
      .prepare(
        `INSERT INTO nhsa_persons (person_id, psn_no, insutype, insuplc_admdvs, psn_insu_stas, psn_type, answer, queried_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (person_id) DO UPDATE SET psn_no = excluded.psn_no, insutype = excluded.insutype, insuplc_admdvs = excluded.insuplc_admdvs,
           psn_insu_stas = excluded.psn_insu_stas, psn_type = excluded.psn_type, answer = excluded.answer, queried_at = excluded.queried_at`,
      )
      .run(
        personId,
        p.psn_no,
        p.insutype,
        p.insuplc_admdvs,
        p.psn_insu_stas,
        p.psn_type,
        answer,
        this.now().toISOString(),
      );
  }

  /** What 1101 last said of a person at this terminal, or null. */
  person(personId: number): NhsaPerson | null {
    return (
      (this.db
        .prepare(
          'SELECT psn_no, insutype, insuplc_admdvs, psn_insu_stas, psn_type, queried_at FROM nhsa_persons WHERE person_id = ?',
        )
        .get(personId) as NhsaPerson | undefined) ?? null
    );
  }
}

/** 1101's answer for a person, as kept: the stay's psn_no, insutype and insuplc_admdvs, and the status shown to the cashier. */
export interface NhsaPerson {
  psn_no: string;
  insutype: string;
  insuplc_admdvs: string;
  /** 参保状态: 1 正常参保, 2 暂停参保, 4 终止参保 (docs/nhsa.md §4). */
  psn_insu_stas: string;
  psn_type: string;
  queried_at: string;
}

/** The platform's 2304/2305 answer as kept (migration 0007 nhsa_settlements), immutable. */
export interface PlatformAnswer {
  setl_id: string;
  msgid: string;
  setlinfo: string;
  setldetail: string;
}

/** Readable without a journal (the slip service has none): the stored answer for a record, else null. */
export function platformAnswerOf(db: Db, outboxId: number): PlatformAnswer | null {
  return (
    (db
      .prepare('SELECT setl_id, msgid, setlinfo, setldetail FROM nhsa_settlements WHERE outbox_id = ?')
      .get(outboxId) as PlatformAnswer | undefined) ?? null
  );
}
