/**
 * The lookup answer (person.find, and person.record's) carries the person's latest recorded year-to-date
 * accumulators for the years the record form shows (last year and this year): the snapshot's plus the ledger's
 * movements since (decimal strings), so that updating a known person (退休, the scheme) saves neither zeros nor an
 * older total over what the store knew (the updated snapshot is as of now). The identity number stays masked.
 */
import { describe, expect, it } from 'vitest';
import type { AppContext } from '../electron/worker/app-context.js';
import { personHandlers } from '../electron/worker/services/persons.js';
import { dazhouPerson, example1Bill, idNumber, makeStore } from './store-support.js';

const STATED = {
  2024: { basic: { paid: '1.00', admissions: 1 } },
  2025: { basic: { paid: '800.00', admissions: 1 } },
  2026: { basic: { paid: '12345.60', admissions: 2 }, large_amount: { paid: '300.00', base: '1000.00' } },
};

function setup() {
  const store = makeStore(); // 2026-03-20: the form shows 2025 and 2026
  const handlers = personHandlers({
    service: store.service,
    sessions: { current: () => store.cashier },
    sync: null,
    online: () => false,
    clock: store.clock,
  } as unknown as AppContext);
  return { store, handlers };
}

describe('the lookup answer carries the recorded accumulators', () => {
  it('of last year and this year, the snapshot plus the ledger since, amounts as decimal strings, the identity number masked', async () => {
    const { store, handlers } = setup();
    const id = idNumber(41);
    const recorded = await handlers['person.record'](dazhouPerson(41, { accumulators: STATED }), { clientId: 'w' });
    expect(recorded.accumulators).toEqual({ 2025: STATED[2025], 2026: STATED[2026] });
    const found = await handlers['person.find']({ id_number: id }, { clientId: 'w' });
    expect(found!.accumulators).toEqual({ 2025: STATED[2025], 2026: STATED[2026] });
    expect(typeof found!.accumulators['2026']!['basic']!.paid).toBe('string');
    const text = JSON.stringify(found);
    expect(text).not.toContain(id);
    expect(found!.id_masked).toBe(`${id.slice(0, 6)}********${id.slice(-4)}`);
    // A settlement after the snapshot counts: the answer is the year-to-date total the next settlement would use.
    const { result } = store.service.settlements.settle(store.cashier, example1Bill(found!.person_id));
    const again = await handlers['person.find']({ id_number: id }, { clientId: 'w' });
    expect(again!.accumulators['2026']).toEqual(result.ytd_after['2026']);
    expect(again!.accumulators['2026']!['basic']!.paid).not.toBe(STATED[2026].basic.paid);
    // Saved back unchanged (the form's 更新 with nothing edited): the total stays, nothing counted twice.
    // (as the form does: as of now, after the settlement)
    store.clock.set(new Date(store.clock.now().getTime() + 60_000).toISOString());
    const as_of = store.clock.now().toISOString();
    await handlers['person.record'](dazhouPerson(41, { accumulators: again!.accumulators, as_of }), { clientId: 'w' });
    const saved = await handlers['person.find']({ id_number: id }, { clientId: 'w' });
    expect(saved!.accumulators).toEqual(again!.accumulators);
  });

  it('says as of when the totals were read: saved back with it, a settlement made after the lookup still counts', async () => {
    const { store, handlers } = setup();
    const id = idNumber(43);
    await handlers['person.record'](dazhouPerson(43, { accumulators: STATED }), { clientId: 'w' });
    store.clock.set(new Date(store.clock.now().getTime() + 60_000).toISOString());
    const found = await handlers['person.find']({ id_number: id }, { clientId: 'w' });
    expect(found!.accumulators_as_of).toBe(store.clock.now().toISOString());
    // The card stays on screen; the cashier settles a bill (F8), then presses 更新 and saves what the form holds.
    store.clock.set(new Date(store.clock.now().getTime() + 60_000).toISOString());
    const { result } = store.service.settlements.settle(store.cashier, example1Bill(found!.person_id));
    store.clock.set(new Date(store.clock.now().getTime() + 60_000).toISOString());
    await handlers['person.record'](
      dazhouPerson(43, { accumulators: found!.accumulators, as_of: found!.accumulators_as_of }),
      { clientId: 'w' },
    );
    const saved = await handlers['person.find']({ id_number: id }, { clientId: 'w' });
    expect(saved!.accumulators['2026']).toEqual(result.ytd_after['2026']);
  });

  it('gives each shown year, empty when nothing was recorded for it', async () => {
    const { handlers } = setup();
    await handlers['person.record'](dazhouPerson(42), { clientId: 'w' });
    const found = await handlers['person.find']({ id_number: idNumber(42) }, { clientId: 'w' });
    expect(found!.accumulators).toEqual({ 2025: {}, 2026: {} });
  });
});
