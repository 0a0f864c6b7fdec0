/**
 * Out-of-network claims (手工报销) entered by a claims clerk: invoices checked
 * for duplicates per hospital, scans stored content-addressed and sealed
 * (electron/node/archive-files.ts), the expected reimbursement from the
 * engine, and the claim queued for the insurer when submitted. The window's
 * claim.create and claim.submit.
 */
import { DeskError } from '../../../shared/errors.js';
import { addMonths } from '../../../shared/dates.js';
import { settleRequest } from '../../../shared/engine/settle.js';
import type { SettlementResult } from '../../../shared/engine/result.js';
import type { ManualClaimInput } from '../../../shared/store/inputs.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { businessDate } from '../store/clock.js';
import { refuseBeyondToday } from '../../../shared/limits.js';
import { writeTransaction } from '../store/db.js';
import { assertCan, type Session } from './access.js';
import { assertIntact } from '../store/chain.js';
import { audit, nextNumber, type ServiceContext } from './context.js';
import type { Outbox } from './outbox.js';
import { engineRequest, type Settlements } from './settlements.js';

/**
 * The field of the claim screen an error from the engine names (issue 17): the claim is settled as a stay whose costs
 * are its invoices, so the engine's cost paths are mapped to the invoice the clerk corrects (a cost's date is the
 * invoice's date), and what comes from the person found by identity number to that field. A path the claim has no
 * input for names no field (the message says what is wrong).
 */
export function claimField(field: string): string {
  if (field === '') return '';
  const line = /^costs\[(\d+)\](?:\.(\w+))?/.exec(field);
  if (line) {
    const [, i, key] = line;
    if (key === 'date') return `invoices[${i}].invoice_date`;
    return `invoices[${i}].${key ?? 'medfee_sumamt'}`;
  }
  if (field === 'costs' || field.startsWith('costs.')) return 'invoices[0].medfee_sumamt';
  if (/^(insured|region|ytd|person_id)\b/.test(field)) return 'id_number';
  if (/^(hospital_level|hospital_code|hospital_name|admission_date|discharge_date|attachments)$/.test(field))
    return field;
  if (/^(invoices|attachments)\[\d+\]/.test(field)) return field;
  return '';
}

/** The same error, naming the claim screen's field. */
function onClaimScreen(e: unknown): unknown {
  if (!(e instanceof DeskError)) return e;
  const field = claimField(e.body.field);
  if (field === e.body.field) return e;
  return new DeskError(e.body.code, field, e.body.message, e.body.message_en);
}

export class Claims {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly settlements: Settlements,
    private readonly outbox: Outbox,
  ) {}

  create(
    session: Session,
    c: ManualClaimInput,
  ): { number: string; id: number; expected_reimbursement: string; result: SettlementResult } {
    try {
      return this.createClaim(session, c);
    } catch (e) {
      throw onClaimScreen(e);
    }
  }

  private createClaim(
    session: Session,
    c: ManualClaimInput,
  ): { number: string; id: number; expected_reimbursement: string; result: SettlementResult } {
    const { db } = this.ctx;
    assertCan(db, session, 'claim.create');
    assertIntact(db); // a store that does not verify takes no money (store/chain.ts)
    const today = businessDate(this.ctx.clock.now());
    refuseBeyondToday(c, today);
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
    const costs = c.invoices.map(({ invoice_no, invoice_date, ...amounts }) => ({
      date: invoice_date,
      ...amounts,
    }));
    return writeTransaction(db, () => {
      c.invoices.forEach((inv, i) => {
        const dup = db
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
      const request = this.settlements.buildRequest({
        person_id: c.person_id,
        hospital_level: c.hospital_level,
        admission_date: c.admission_date,
        discharge_date: c.discharge_date,
        costs,
        claim_filed_on: today,
      });
      const rules = this.ctx.rules.ruleSet();
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
      const result = settleRequest(engineRequest(request), rules);
      const at = this.ctx.clock.now();
      const number = nextNumber(this.ctx, 'M', businessDate(at));
      const id = Number(
        db
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
      const inv = db.prepare(
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
      const att = db.prepare(
        'INSERT INTO attachments (claim_id, sha256, file_name, media_type, size, stored_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const a of c.attachments) {
        const bytes = Buffer.from(a.content_base64, 'base64');
        att.run(id, this.ctx.archive.storeAttachment(bytes), a.file_name, a.media_type, bytes.length, at.toISOString());
      }
      audit(this.ctx, session, 'claim.create', 'manual_claim', number, {
        expected: result.fund_pay_sumamt,
        invoices: c.invoices.length,
        attachments: c.attachments.length,
      });
      return { number, id, expected_reimbursement: result.fund_pay_sumamt, result };
    });
  }

  submit(session: Session, number: string): { number: string } {
    const { db, terminal } = this.ctx;
    assertCan(db, session, 'claim.submit');
    assertIntact(db);
    return writeTransaction(db, () => {
      const claim = db
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
      const at = this.ctx.clock.now();
      db.prepare("UPDATE manual_claims SET status = 'submitted', submitted_at = ? WHERE id = ?").run(
        at.toISOString(),
        claim.id,
      );
      const result = JSON.parse(claim.result) as SettlementResult;
      this.outbox.enqueue(
        'manual_claim',
        claim.id,
        number,
        {
          number,
          terminal: terminal.code,
          person_id: claim.person_id,
          hospital_code: claim.hospital_code,
          hospital_name: claim.hospital_name,
          request: JSON.parse(claim.request) as unknown,
          result: { ...result, trace: undefined },
        },
        at,
      );
      audit(this.ctx, session, 'claim.submit', 'manual_claim', number, {});
      return { number };
    });
  }
}

export function claimHandlers({ service, sessions }: AppContext): Pick<Handlers, 'claim.create' | 'claim.submit'> {
  return {
    'claim.create': (req, ctx) => {
      const c = service.claims.create(sessions.current(ctx), req);
      return { number: c.number, expected_reimbursement: c.expected_reimbursement, result: c.result };
    },
    'claim.submit': (req, ctx) => service.claims.submit(sessions.current(ctx), req.number),
  };
}
