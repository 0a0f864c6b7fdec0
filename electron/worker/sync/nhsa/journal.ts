/**
 * The NHSA step journal (docs/nhsa.md §7.2, migration 0007): msgids that never
 * repeat, each request recorded as 'sent' before it leaves, its answer and
 * effects recorded together after, and what the platform knows of each stay.
 */
import { makeMsgid, type Infno } from '../../../../shared/nhsa/index.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import { writeTransaction, type Db } from '../../store/db.js';
import type { Prepared } from './client.js';

export interface Step {
  id: number;
  outbox_id: number;
  infno: Infno;
  msgid: string;
  request: string;
  state: 'sent' | 'answered' | 'unknown' | 'reversed';
}

export interface Stay {
  outbox_id: number;
  psn_no: string | null;
  insutype: string | null;
  insuplc_admdvs: string | null;
  mdtrt_id: string | null;
  discharged: number;
}

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
  begin(outboxId: number, infno: Infno, build: (msgid: string) => Prepared): Prepared & { stepId: number } {
    return writeTransaction(this.db, () => {
      const p = build(this.nextMsgid());
      if (p.infno !== infno) throw new Error('prepared for another transaction');
      const stepId = Number(
        this.db
          .prepare(
            "INSERT INTO nhsa_steps (outbox_id, infno, msgid, request, request_sha256, state, sent_at) VALUES (?, ?, ?, ?, ?, 'sent', ?)",
          )
          .run(outboxId, infno, p.msgid, p.body, p.sha256, this.now().toISOString()).lastInsertRowid,
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

  /** Requests of this record whose outcome is still unknown, oldest first. */
  unresolved(outboxId: number): Step[] {
    return this.db
      .prepare(
        "SELECT id, outbox_id, infno, msgid, request, state FROM nhsa_steps WHERE outbox_id = ? AND state = 'sent' ORDER BY id",
      )
      .all(outboxId) as Step[];
  }

  stay(outboxId: number): Stay {
    const row = this.db
      .prepare(
        'SELECT outbox_id, psn_no, insutype, insuplc_admdvs, mdtrt_id, discharged FROM nhsa_stays WHERE outbox_id = ?',
      )
      .get(outboxId) as Stay | undefined;
    return (
      row ?? { outbox_id: outboxId, psn_no: null, insutype: null, insuplc_admdvs: null, mdtrt_id: null, discharged: 0 }
    );
  }

  /** Inside answered()'s transaction: what the platform now knows of the stay. */
  updateStay(outboxId: number, fields: Partial<Omit<Stay, 'outbox_id'>>): void {
    const s = { ...this.stay(outboxId), ...fields };
    this.db
      .prepare(
        `INSERT INTO nhsa_stays (outbox_id, psn_no, insutype, insuplc_admdvs, mdtrt_id, discharged, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (outbox_id) DO UPDATE SET psn_no = excluded.psn_no, insutype = excluded.insutype, insuplc_admdvs = excluded.insuplc_admdvs,
           mdtrt_id = excluded.mdtrt_id, discharged = excluded.discharged, updated_at = excluded.updated_at`,
      )
      .run(outboxId, s.psn_no, s.insutype, s.insuplc_admdvs, s.mdtrt_id, s.discharged, this.now().toISOString());
  }

  /** Fee lines the platform holds for this stay (not cancelled by 2302). */
  uploaded(outboxId: number): Set<string> {
    return new Set(
      (
        this.db
          .prepare('SELECT feedetl_sn FROM nhsa_fee_uploads WHERE outbox_id = ? AND cancelled = 0')
          .all(outboxId) as { feedetl_sn: string }[]
      ).map((r) => r.feedetl_sn),
    );
  }

  /** Inside answered()'s transaction: the lines of a 2301 the platform accepted, with its split per line. */
  recordUploaded(outboxId: number, stepId: number, results: { feedetl_sn: string }[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO nhsa_fee_uploads (outbox_id, feedetl_sn, step_id, result, cancelled) VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (outbox_id, feedetl_sn) DO UPDATE SET step_id = excluded.step_id, result = excluded.result, cancelled = 0`,
    );
    for (const r of results) stmt.run(outboxId, r.feedetl_sn, stepId, JSON.stringify(r));
  }

  /** Inside answered()'s transaction: 2302 "0000" cleared every line of the stay. */
  cancelAllUploaded(outboxId: number): void {
    this.db.prepare('UPDATE nhsa_fee_uploads SET cancelled = 1 WHERE outbox_id = ?').run(outboxId);
  }

  /** Inside answered()'s transaction: the platform's settlement (2304) or reversal (2305), immutable. */
  recordSettlement(
    outboxId: number,
    s: { setl_id: string; mdtrt_id: string; psn_no: string; msgid: string; setlinfo: string; setldetail: string },
  ): void {
    this.db
      .prepare(
        'INSERT INTO nhsa_settlements (outbox_id, setl_id, mdtrt_id, psn_no, msgid, setlinfo, setldetail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(outboxId, s.setl_id, s.mdtrt_id, s.psn_no, s.msgid, s.setlinfo, s.setldetail, this.now().toISOString());
  }

  /** The platform's settlement of a record, by the record's outbox row. */
  settlementOf(outboxId: number): { setl_id: string; mdtrt_id: string; psn_no: string } | null {
    return (
      (this.db.prepare('SELECT setl_id, mdtrt_id, psn_no FROM nhsa_settlements WHERE outbox_id = ?').get(outboxId) as
        { setl_id: string; mdtrt_id: string; psn_no: string } | undefined) ?? null
    );
  }
}
