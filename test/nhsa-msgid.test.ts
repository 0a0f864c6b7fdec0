/** msgids never repeat (docs/nhsa.md §7.5): the terminal's slot digit, a counter per second, a clock that goes back. */
import { describe, expect, it } from 'vitest';
import { NhsaJournal } from '../electron/worker/sync/nhsa/journal.js';
import { terminalConfig } from '../shared/settings.js';
import { MSGID } from '../shared/nhsa/index.js';
import { makeStore } from './store-support.js';

const config = terminalConfig.parse({
  terminal: { code: 'T01', hospital_code: 'H51170200001', hospital_name: '测试医院' },
  nhsa: {
    gateway_url: 'http://127.0.0.1:9/fsi/api/rsfComIfsService/callService',
    paasid: 'p',
    pass_token: 'token-0123456789',
    fixmedins_code: 'H51170200001',
    fixmedins_name: '测试医院',
    mdtrtarea_admvs: '511702',
    terminal_slot: 7,
  },
}).nhsa!;

describe('msgid', () => {
  it('is fixmedins_code + Beijing second + slot + counter; 1,000 per second, then the next second; the clock going back never repeats one', () => {
    const store = makeStore();
    // A settlement's outbox row to journal against.
    let at = new Date('2026-03-20T02:00:00.000Z'); // 10:00:00 in Beijing
    const journal = new NhsaJournal(store.service.db, config, () => at);
    store.service.db
      .prepare(
        "INSERT INTO outbox (kind, ref_id, idempotency_key, payload, created_at, updated_at) VALUES ('manual_claim', 1, 'K1', '{}', '', '')",
      )
      .run();
    const next = () =>
      journal.begin({ stay: null, outbox: 1 }, '9001', (msgid) => ({ infno: '9001', msgid, body: msgid, sha256: '' }))
        .msgid;

    const first = next();
    expect(first).toBe('H51170200001202603201000007000');
    expect(first).toMatch(MSGID);
    const seen = new Set([first]);
    for (let i = 1; i < 1000; i++) seen.add(next());
    expect([...seen].at(-1)).toBe('H51170200001202603201000007999');
    // The 1,001st in the same second takes the next second.
    expect(next()).toBe('H51170200001202603201000017000');
    // The clock goes back a minute: counting goes on from the last second used.
    at = new Date('2026-03-20T01:59:00.000Z');
    expect(next()).toBe('H51170200001202603201000017001');
    // And forward again: a new second starts at 000.
    at = new Date('2026-03-20T02:00:05.000Z');
    expect(next()).toBe('H51170200001202603201000057000');
    const all = store.service.db.prepare('SELECT msgid FROM nhsa_steps').pluck().all() as string[];
    expect(new Set(all).size).toBe(all.length);
  });
});
