/**
 * Item-level bills in the settlement service (issue 13 item 4): a bill's fee
 * lines and the stay's mdtrt_id are stored with the settlement, in its
 * transaction; the costs are the lines summed per date (shared/fee-lines.ts)
 * and the engine settles from them; the lines are immutable; costs sent beside
 * the lines must agree; a terminal on the national interface refuses, at the
 * window, a bill without fee lines.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeskError } from '../shared/errors.js';
import { aggregateFeeLines, type FeeLine } from '../shared/fee-lines.js';
import { DEFAULT_CONFIG } from '../shared/settings.js';
import { openDeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { testPlatform } from './test-platform.js';
import { asBill, dazhouPerson, idNumber, makeStore, previewed } from './store-support.js';

const line = (over: Partial<FeeLine> & Pick<FeeLine, 'feedetl_sn' | 'fee_ocur_time'>) => ({
  med_list_codg: 'XB01AFX001A001010101234',
  medins_list_codg: 'H-DRUG-0001',
  name: '低分子肝素钠注射液',
  cnt: '1',
  pric: '100',
  det_item_fee_sumamt: '100.00',
  fulamt_ownpay_amt: '0.00',
  overlmt_selfpay: '0.00',
  preselfpay_amt: '0.00',
  bilg_dept_codg: 'A03',
  bilg_dept_name: '心血管内科',
  bilg_dr_codg: 'D0012',
  bilg_dr_name: '王医生',
  ...over,
});

/** A 达州 stay of 2026-03-02..20 as the HIS itemises it, with a refund (退单) on another day than its charge. */
const LINES = [
  line({
    feedetl_sn: 'F0001',
    fee_ocur_time: '2026-03-02 08:30:00',
    medins_list_codg: 'H-BED-01',
    name: '床位费',
    cnt: '19',
    pric: '120',
    det_item_fee_sumamt: '2280.00',
  }),
  line({
    feedetl_sn: 'F0002',
    fee_ocur_time: '2026-03-05 10:00:00',
    cnt: '3',
    pric: '33.333333',
    det_item_fee_sumamt: '100.00',
    fulamt_ownpay_amt: '100.00',
  }),
  line({
    feedetl_sn: 'F0003',
    fee_ocur_time: '2026-03-05 11:00:00',
    medins_list_codg: 'H-CT-02',
    name: 'CT',
    cnt: '1',
    pric: '1500.5',
    det_item_fee_sumamt: '1500.50',
    overlmt_selfpay: '0.50',
    preselfpay_amt: '150.00',
  }),
  line({
    feedetl_sn: 'F0004',
    init_feedetl_sn: 'F0002',
    fee_ocur_time: '2026-03-06 09:00:00',
    cnt: '-1',
    pric: '33.333333',
    det_item_fee_sumamt: '-33.33',
    fulamt_ownpay_amt: '-33.33',
  }),
  line({
    feedetl_sn: 'F0005',
    fee_ocur_time: '2026-03-20 23:59:59',
    medins_list_codg: 'H-SWAB',
    name: '棉签',
    cnt: '0.5',
    pric: '0.01',
    det_item_fee_sumamt: '0.01',
  }),
];
const DERIVED = [
  {
    date: '2026-03-02',
    medfee_sumamt: '2280.00',
    fulamt_ownpay_amt: '0.00',
    overlmt_selfpay: '0.00',
    preselfpay_amt: '0.00',
  },
  // F0004 refunds F0002 on 03-06: it counts on 03-05, the charge's date.
  {
    date: '2026-03-05',
    medfee_sumamt: '1567.17',
    fulamt_ownpay_amt: '66.67',
    overlmt_selfpay: '0.50',
    preselfpay_amt: '150.00',
  },
  {
    date: '2026-03-20',
    medfee_sumamt: '0.01',
    fulamt_ownpay_amt: '0.00',
    overlmt_selfpay: '0.00',
    preselfpay_amt: '0.00',
  },
];
const bill = (personId: number, extra: Record<string, unknown> = {}) => ({
  person_id: personId,
  hospital_level: 3,
  admission_date: '2026-03-02',
  discharge_date: '2026-03-20',
  fee_lines: LINES,
  ...extra,
});
function refusal(work: () => unknown): DeskError['body'] {
  try {
    work();
  } catch (e) {
    if (e instanceof DeskError) return e.body;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('fee lines in the settlement service', () => {
  it('derives the costs per date and settles from them, as from the same costs typed', () => {
    expect(aggregateFeeLines(asBill(bill(1)).fee_lines!)).toEqual(DERIVED);
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const input = asBill(bill(person_id));
    expect(input.costs).toEqual(DERIVED);
    const fromLines = s.service.settlements.preview(s.cashier, input);
    const fromCosts = s.service.settlements.preview(
      s.cashier,
      asBill({ ...bill(person_id), fee_lines: undefined, costs: DERIVED }),
    );
    expect(fromLines).toEqual(fromCosts);
    expect(fromLines.medfee_sumamt).toBe('3847.18');
  });

  it('stores the lines and mdtrt_id with the settlement; both immutable; the reversal carries the stay', () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const { id, number } = s.service.settlements.settle(
      s.cashier,
      asBill(bill(person_id, { mdtrt_id: 'MD2026030200017' })),
    );
    const stored = s.service.settlements.feeLines(id);
    expect(stored.map((l) => l.feedetl_sn)).toEqual(['F0001', 'F0002', 'F0003', 'F0004', 'F0005']);
    expect(stored[3]).toEqual({ ...LINES[3] });
    expect(stored[0]!.init_feedetl_sn).toBe('');
    expect(s.service.settlements.mdtrtId(id)).toBe('MD2026030200017');
    const request = JSON.parse(
      (s.service.db.prepare('SELECT request FROM settlements WHERE id = ?').get(id) as { request: string }).request,
    );
    expect(request.costs).toEqual(DERIVED);

    const db = s.service.db;
    expect(() => db.prepare("UPDATE settlement_fee_lines SET pric = '1'").run()).toThrow(/immutable/);
    expect(() => db.prepare('DELETE FROM settlement_fee_lines').run()).toThrow(/never deleted/);
    expect(() => db.prepare("UPDATE settlements SET mdtrt_id = 'X'").run()).toThrow(/immutable/);
    // Amounts are TEXT as sent, never floats.
    expect(db.prepare("SELECT typeof(cnt) t, cnt FROM settlement_fee_lines WHERE feedetl_sn = 'F0002'").get()).toEqual({
      t: 'text',
      cnt: '3',
    });

    const reversal = s.service.settlements.reverse(s.supervisor, { number, reason: '结算有误' });
    expect(s.service.settlements.mdtrtId(reversal.id)).toBe('MD2026030200017');
    expect(s.service.settlements.feeLines(reversal.id)).toEqual([]);
  });

  it('a bill without fee lines stores none and no mdtrt_id', () => {
    const s = makeStore();
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const { id } = s.service.settlements.settle(
      s.cashier,
      asBill({ ...bill(person_id), fee_lines: undefined, costs: DERIVED }),
    );
    expect(s.service.settlements.feeLines(id)).toEqual([]);
    expect(s.service.settlements.mdtrtId(id)).toBeNull();
  });

  it('refuses, naming the field: costs that disagree with the lines, a bad line, a line outside the stay', () => {
    // Both given and equal (as decimals) is accepted.
    expect(
      asBill(bill(1, { costs: DERIVED.map((c) => ({ ...c, medfee_sumamt: c.medfee_sumamt.replace(/0$/, '') })) }))
        .costs,
    ).toEqual(DERIVED);
    const off = structuredClone(DERIVED);
    off[1]!.preselfpay_amt = '150.01';
    expect(refusal(() => asBill(bill(1, { costs: off })))).toMatchObject({
      code: 'invalid_amount',
      field: 'costs[1].preselfpay_amt',
      message: expect.stringContaining('明细合计 150.00'),
    });
    expect(refusal(() => asBill(bill(1, { costs: DERIVED.slice(0, 2) })))).toMatchObject({
      field: 'costs',
      message: expect.stringContaining('2026-03-20'),
    });
    const bad = structuredClone(LINES);
    bad[2]!.pric = '1500.1234567';
    expect(refusal(() => asBill(bill(1, { fee_lines: bad })))).toMatchObject({ field: 'fee_lines[2].pric' });
    expect(
      refusal(() =>
        asBill(bill(1, { fee_lines: LINES.map((l, i) => (i === 4 ? { ...l, det_item_fee_sumamt: '0.02' } : l)) })),
      ),
    ).toMatchObject({ code: 'invalid_amount', field: 'fee_lines[4].det_item_fee_sumamt' });
    expect(refusal(() => asBill(bill(1, { discharge_date: '2026-03-19' })))).toMatchObject({
      code: 'cost_outside_stay',
      field: 'fee_lines[4].fee_ocur_time',
    });
    expect(refusal(() => asBill({ ...bill(1), fee_lines: undefined }))).toMatchObject({
      code: 'no_costs',
      field: 'costs',
    });
  });
});

describe('a terminal on the national interface (config.json has nhsa)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-nhsa-'));
  writeFileSync(
    join(dataDir, 'config.json'),
    JSON.stringify({
      ...DEFAULT_CONFIG,
      terminal: { code: 'T01', hospital_code: 'H51010000001', hospital_name: '测试市第一人民医院' },
      nhsa: {
        gateway_url: 'http://127.0.0.1:9/fsi/api/rsfComIfsService/callService',
        paasid: 'demo',
        pass_token: 'demo-pass-token',
        fixmedins_code: 'H51010000001',
        fixmedins_name: '测试市第一人民医院',
        mdtrtarea_admvs: '511700',
        terminal_slot: 1,
      },
    }),
  );
  const app = openDeskApp({ dataDir, platform: testPlatform(dataDir) });
  afterAll(() => app.close());
  const ctx = { clientId: 'window' };
  const call = (name: string, payload: unknown) => dispatch(app.handlers, name, payload, ctx, () => undefined);

  it('refuses a bill without fee lines at preview and settle, and settles one with them', async () => {
    expect(await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' })).toMatchObject({ ok: true });
    const person = await call('person.record', { ...dazhouPerson(), id_number: idNumber(3) });
    expect(person).toMatchObject({ ok: true });
    const personId = (person as { value: { person_id: number } }).value.person_id;
    const costsOnly = { ...bill(personId), fee_lines: undefined, costs: DERIVED };
    for (const [channel, refused] of [
      ['settlement.preview', costsOnly],
      ['settlement.settle', { ...costsOnly, preview_digest: '0'.repeat(64) }],
    ] as const)
      expect(await call(channel, refused)).toEqual({
        ok: false,
        error: {
          code: 'invalid_field',
          field: 'fee_lines',
          message: expect.stringContaining('国家医保接口终端须导入含费用明细的账单'),
          message_en: expect.stringContaining('fee lines'),
        },
      });
    expect(app.service.db.prepare('SELECT count(*) n FROM settlements').get()).toEqual({ n: 0 });

    expect(await call('settlement.preview', bill(personId))).toMatchObject({
      ok: true,
      value: { medfee_sumamt: '3847.18' },
    });
    const settled = await call('settlement.settle', await previewed(call, bill(personId, { mdtrt_id: 'MD0001' })));
    expect(settled).toMatchObject({ ok: true });
    const { id } = app.service.db.prepare('SELECT id FROM settlements').get() as { id: number };
    expect(app.service.settlements.feeLines(id)).toHaveLength(LINES.length);
    expect(app.service.settlements.mdtrtId(id)).toBe('MD0001');
  });
});
