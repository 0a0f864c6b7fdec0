/**
 * The claim screen (手工报销) has invoices, not cost lines (issue 17, bug 3): an error the engine raises about the
 * claim's costs names the invoice field the clerk corrects, never `costs[n].…`, which has no input there.
 */
import { describe, expect, it } from 'vitest';
import { DeskError } from '../shared/errors.js';
import { claimField } from '../electron/worker/services/claims.js';
import { asClaim, dazhouPerson, makeStore } from './store-support.js';

function refusal(work: () => unknown): { code: string; field: string; message: string } {
  try {
    work();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('expected a refusal');
}

const deyangPerson = (seed: number) => ({
  ...dazhouPerson(seed),
  region: 'deyang',
  scheme: 'resident' as const,
  enrolled: { supplementary: true },
});

const claim = (
  personId: number,
  stay: { admission_date: string; discharge_date: string },
  invoices: { invoice_no: string; invoice_date: string; medfee_sumamt: string; fulamt_ownpay_amt?: string }[],
) =>
  asClaim({
    person_id: personId,
    hospital_code: 'H999',
    hospital_name: '外地某医院',
    hospital_level: 3,
    ...stay,
    invoices: invoices.map((i) => ({
      fulamt_ownpay_amt: '0.00',
      overlmt_selfpay: '0.00',
      preselfpay_amt: '0.00',
      ...i,
    })),
  });

describe('claim errors name the claim screen’s fields', () => {
  it('maps the engine’s cost paths to invoices and the person’s to the identity number', () => {
    expect(claimField('costs[0].date')).toBe('invoices[0].invoice_date');
    expect(claimField('costs[2].date')).toBe('invoices[2].invoice_date');
    expect(claimField('costs[1].medfee_sumamt')).toBe('invoices[1].medfee_sumamt');
    expect(claimField('costs[1]')).toBe('invoices[1].medfee_sumamt');
    expect(claimField('costs')).toBe('invoices[0].medfee_sumamt');
    expect(claimField('insured.scheme')).toBe('id_number');
    expect(claimField('ytd.2026.basic')).toBe('id_number');
    expect(claimField('discharge_date')).toBe('discharge_date');
    expect(claimField('invoices[0].invoice_no')).toBe('invoices[0].invoice_no');
    expect(claimField('claim_filed_on')).toBe('');
    expect(claimField('')).toBe('');
  });

  it('an old stay (no rules in force on the invoice date) names the invoice date, not costs[0].date', () => {
    const s = makeStore('2026-06-01T02:00:00Z');
    const { person_id } = s.service.persons.record(s.clerk, deyangPerson(4));
    const e = refusal(() =>
      s.service.claims.create(
        s.clerk,
        claim(person_id, { admission_date: '1995-01-05', discharge_date: '1995-01-20' }, [
          { invoice_no: 'OLD-1', invoice_date: '1995-01-20', medfee_sumamt: '1000.00' },
        ]),
      ),
    );
    expect(e.code).toBe('no_rule_in_force');
    expect(e.field).toBe('invoices[0].invoice_date');
  });

  it('an invoice dated outside the stay names that invoice’s date', () => {
    const s = makeStore('2026-06-01T02:00:00Z');
    const { person_id } = s.service.persons.record(s.clerk, deyangPerson(5));
    const e = refusal(() =>
      s.service.claims.create(
        s.clerk,
        claim(person_id, { admission_date: '2026-05-01', discharge_date: '2026-05-10' }, [
          { invoice_no: 'A-1', invoice_date: '2026-05-02', medfee_sumamt: '1000.00' },
          { invoice_no: 'A-2', invoice_date: '2026-05-20', medfee_sumamt: '1000.00' },
        ]),
      ),
    );
    expect(e.code).toBe('cost_outside_stay');
    expect(e.field).toBe('invoices[1].invoice_date');
  });

  it('self-pay above an invoice’s total names that invoice, not costs[n]', () => {
    const s = makeStore('2026-06-01T02:00:00Z');
    const { person_id } = s.service.persons.record(s.clerk, deyangPerson(6));
    const e = refusal(() =>
      s.service.claims.create(
        s.clerk,
        claim(person_id, { admission_date: '2026-05-01', discharge_date: '2026-05-10' }, [
          { invoice_no: 'B-1', invoice_date: '2026-05-02', medfee_sumamt: '100.00', fulamt_ownpay_amt: '200.00' },
        ]),
      ),
    );
    expect(e.field).toMatch(/^invoices\[0\]\./);
  });
});
