/**
 * The reference insurer's NHSA gateway (insurer/nhsa/) over real HTTP on
 * 127.0.0.1 with a real SQLite data folder per test. Requests are built from
 * the hand-written fixtures in test/nhsa-fixtures/ (docs/nhsa.md), signed here
 * with node:crypto (x-tif-signature = sha256(timestamp + passToken + nonce +
 * timestamp)), and every answer is checked with the shared response schemas.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLosslessNumber } from 'lossless-json';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../shared/engine/settle.js';
import { Decimal } from '../shared/money.js';
import { DEFAULT_PATHS, responseEnvelope, type Infno } from '../shared/nhsa/envelope.js';
import { jsonNumber, parseNhsaJson, stringifyNhsaJson } from '../shared/nhsa/numbers.js';
import { TRANSACTIONS } from '../shared/nhsa/transactions.js';
import { bundledRuleSet } from '../shared/rules/bundled.js';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';

const LI = '511702197509210021'; // 李秀英, 达州 retired employee: the fixtures' patient
let insurer: RunningInsurer;
let seq = 0;
let vars: Record<string, unknown>;

beforeEach(async () => {
  insurer = await startInsurer({ dataDir: mkdtempSync(join(tmpdir(), 'nhsa-gw-')), port: 0, log: () => {} });
  vars = { sign_no: '', insuplc_admdvs: '' };
});
afterEach(() => insurer.close());

const fixture = (name: string): unknown =>
  parseNhsaJson(readFileSync(new URL(`./nhsa-fixtures/${name}.json`, import.meta.url), 'utf8'));

/** The fixture with each "{{name}}" replaced by vars[name]. */
function fill(v: unknown, values: Record<string, unknown>): unknown {
  if (typeof v === 'string') {
    const m = /^\{\{(\w+)\}\}$/.exec(v);
    if (!m) return v;
    if (!(m[1]! in values)) throw new Error(`fixture placeholder ${v} has no value`);
    return values[m[1]!];
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, values));
  if (v && typeof v === 'object' && !isLosslessNumber(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, values)]));
  return v;
}

/** Beijing wall-clock digits of an instant, computed here independently of shared/nhsa. */
const beijingIso = (at = new Date()) => new Date(at.getTime() + 8 * 3_600_000).toISOString();
const infTime = () => beijingIso().slice(0, 19).replace('T', ' ');
const newMsgid = () =>
  `${insurer.nhsa.fixmedinsCode}${beijingIso().replace(/\D/g, '').slice(0, 14)}${String(seq++ % 10000).padStart(4, '0')}`;

function xTif(o: { ts?: string; nonce?: string; token?: string; signature?: string } = {}): Record<string, string> {
  const ts = o.ts ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(16).toString('hex');
  const text = `${ts}${o.token ?? insurer.nhsa.passToken}${nonce}${ts}`;
  return {
    'x-tif-paasid': insurer.nhsa.paasid,
    'x-tif-timestamp': ts,
    'x-tif-nonce': nonce,
    'x-tif-signature': o.signature ?? createHash('sha256').update(text, 'utf8').digest('hex'),
  };
}

interface CallOptions {
  msgid?: string;
  vars?: Record<string, unknown>;
  /** Envelope fields to override after filling. */
  env?: Record<string, unknown>;
  headers?: Record<string, string>;
  perPath?: boolean;
  path?: string;
  raw?: string;
}
interface Answer {
  status: number;
  text: string;
  body: any;
  msgid: string;
}

async function call(infno: string, input: unknown, o: CallOptions = {}): Promise<Answer> {
  const msgid = o.msgid ?? newMsgid();
  const values = { ...vars, infno, msgid, inf_time: infTime(), ...o.vars };
  const envelope = { ...(fill(fixture('envelope'), values) as object), input: fill(input, values), ...o.env };
  const path = o.path ?? (o.perPath ? DEFAULT_PATHS[infno as Infno] : '/fsi/api/rsfComIfsService/callService');
  const res = await fetch(`${insurer.nhsa.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...xTif(), ...o.headers },
    body: o.raw ?? stringifyNhsaJson(envelope),
  });
  const text = await res.text();
  return { status: res.status, text, body: res.status === 200 ? parseNhsaJson(text) : null, msgid };
}

/** infcode is written as a JSON number (lossless-json keeps it as LosslessNumber). */
const infcodeOf = (a: Answer): unknown =>
  isLosslessNumber(a.body?.infcode) ? Number(a.body.infcode.value) : a.body?.infcode;

/** An answer's envelope checks: infcode a JSON number, inf_refmsgid, Beijing times close to now. */
function envelopeOk(a: Answer): void {
  expect(a.status).toBe(200);
  expect(a.text).toMatch(/^\{"infcode":(0|-1),/);
  const env = responseEnvelope.parse({ ...a.body, infcode: infcodeOf(a) });
  expect(env.inf_refmsgid).toMatch(/^511702\d{24}$/);
  for (const t of [env.refmsg_time!, env.respond_time!]) {
    expect(t).toMatch(/^\d{17}$/);
    expect(Math.abs(Number(t.slice(0, 14)) - Number(beijingIso().replace(/\D/g, '').slice(0, 14)))).toBeLessThan(100);
  }
}

function ok(a: Answer, infno: keyof typeof TRANSACTIONS): any {
  envelopeOk(a);
  expect(a.body.err_msg, a.text).toBeNull();
  expect(infcodeOf(a)).toBe(0);
  (TRANSACTIONS[infno].output as { parse(v: unknown): unknown }).parse(a.body.output);
  return a.body.output;
}

function refused(a: Answer, errMsg: RegExp | string): void {
  envelopeOk(a);
  expect(infcodeOf(a), a.text).toBe(-1);
  if (typeof errMsg === 'string') expect(a.body.err_msg).toBe(errMsg);
  else expect(a.body.err_msg).toMatch(errMsg);
}

/** 9001 → 1101 → 2401 → 2301: the stay's lines uploaded; returns the 2301 answer. */
async function admitAndUpload(perPath = false): Promise<any> {
  vars.sign_no = ok(await call('9001', fixture('9001'), { perPath }), '9001').signinoutb.sign_no;
  const person = ok(await call('1101', fixture('1101'), { perPath }), '1101');
  vars.psn_no = person.baseinfo.psn_no;
  vars.insuplc_admdvs = person.insuinfo[0].insuplc_admdvs;
  vars.mdtrt_id = ok(await call('2401', fixture('2401'), { perPath }), '2401').result.mdtrt_id;
  return ok(await call('2301', fixture('2301'), { perPath }), '2301');
}

/** … → 2402 → 2304; returns the 2304 answer. */
async function settleStay(perPath = false): Promise<Answer> {
  await admitAndUpload(perPath);
  ok(await call('2402', fixture('2402'), { perPath }), '2402');
  const a = await call('2304', fixture('2304'), { perPath });
  vars.setl_id = ok(a, '2304').setlinfo.setl_id;
  return a;
}

const ytd2026 = () => insurer.persons().find((p) => p.id_number === LI)!.accumulators['2026'];

describe('NHSA gateway: the happy path 9001 → 1101 → 2401 → 2301 → 2402 → 2304', () => {
  it('settles the fixtures with the shared engine on the catalogue split, amounts as JSON numbers', async () => {
    const signIn = await call('9001', fixture('9001'));
    expect(ok(signIn, '9001').signinoutb.sign_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(ok(signIn, '9001').signinoutb.sign_time.slice(0, 16)).toBe(infTime().slice(0, 16));
    vars.sign_no = signIn.body.output.signinoutb.sign_no;
    const person = ok(await call('1101', fixture('1101')), '1101');
    expect(person.insuinfo[0]).toMatchObject({ insutype: '310', insuplc_admdvs: '511700' });
    expect(ok(await call('1101', fixture('1101')), '1101').baseinfo.psn_no).toBe(person.baseinfo.psn_no);
    const fees = await admitAndUpload();
    const line = (sn: string) => fees.result.find((l: any) => l.feedetl_sn === sn);
    // The gateway's catalogue: the HIS sent none of these splits (bed and cannula over the price limit, 10% 先行自付 on the drug).
    expect(line('F0001').overlmt_amt.value).toBe('50.00');
    expect(line('F0002').preselfpay_amt.value).toBe('45.60');
    expect(line('F0003').overlmt_amt.value).toBe('26.00');
    expect(line('F0004').fulamt_ownpay_amt.value).toBe('50.00');
    expect(line('F0007').inscp_scp_amt.value).toBe('3200.00');
    ok(await call('2402', fixture('2402')), '2402');

    const a = await call('2304', fixture('2304'));
    const out = ok(a, '2304');
    const s = out.setlinfo;
    expect(a.text).toMatch(/"medfee_sumamt":\d/);
    expect(a.text).toMatch(/"fund_payamt":\d/);
    expect(s.medfee_sumamt.value).toBe('4292.00');
    // Sent by the HIS: overlmt_selfpay 0.0, preselfpay_amt 0.0, inscp_scp_amt 4242.0. The platform's differ.
    expect([s.fulamt_ownpay_amt.value, s.overlmt_selfpay.value, s.preselfpay_amt.value, s.inscp_scp_amt.value]).toEqual(
      ['50.00', '76.00', '45.60', '4120.40'],
    );
    const expected = settle(
      {
        region: 'dazhou',
        insured: { scheme: 'employee', retired: true, medical_assistance: false },
        hospital_level: insurer.nhsa.hospitalLevel,
        admission_date: '2026-11-20',
        discharge_date: '2026-11-25',
        costs: [
          {
            date: '2026-11-20',
            medfee_sumamt: '121.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '26.00',
            preselfpay_amt: '0.00',
          },
          {
            date: '2026-11-21',
            medfee_sumamt: '3821.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '45.60',
          },
          {
            date: '2026-11-22',
            medfee_sumamt: '50.00',
            fulamt_ownpay_amt: '50.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '0.00',
          },
          {
            date: '2026-11-24',
            medfee_sumamt: '300.00',
            fulamt_ownpay_amt: '0.00',
            overlmt_selfpay: '50.00',
            preselfpay_amt: '0.00',
          },
        ],
      },
      bundledRuleSet(),
    );
    for (const f of ['hifp_pay', 'hifob_pay', 'fund_pay_sumamt', 'psn_cash_pay', 'act_pay_dedc'] as const)
      expect(s[f].value, f).toBe(expected[f]);
    expect(new Decimal(s.fund_pay_sumamt.value).plus(s.psn_part_amt.value).toFixed(2)).toBe('4292.00');
    expect(s.medins_setl_id).toBe(a.msgid);
    expect(s).toMatchObject({ clr_optins: '511700', clr_way: '1', clr_type: '21', psn_no: vars.psn_no });
    expect(s.setl_time.slice(0, 16)).toBe(infTime().slice(0, 16));
    expect(out.setldetail.map((d: any) => [d.fund_pay_type, d.fund_pay_type_name, d.fund_payamt.value])).toEqual(
      expected.fund_details.filter((d) => d.amount !== '0.00').map((d) => [d.fund_pay_type, d.name, d.amount]),
    );
    expect(out.setldetail[0].fund_pay_type).toBe('310100');

    expect(insurer.nhsaSettlements()).toEqual([
      {
        setl_id: s.setl_id,
        mdtrt_id: vars.mdtrt_id,
        psn_no: vars.psn_no,
        msgid: a.msgid,
        medfee_sumamt: '4292.00',
        fund_pay_sumamt: expected.fund_pay_sumamt,
        psn_cash_pay: expected.psn_cash_pay,
        status: 'settled',
      },
    ]);
    expect(ytd2026()!.basic).toEqual({ paid: expected.hifp_pay, admissions: 1 });
    expect(insurer.nhsaLog().map((l) => [l.infno, l.infcode])).toEqual(
      ['9001', '1101', '1101', '9001', '1101', '2401', '2301', '2402', '2304'].map((i) => [i, 0]),
    );
  });

  it('answers on the per-transaction paths too, and refuses an infno that is not the path’s', async () => {
    const a = await settleStay(true);
    expect(a.body.output.setlinfo.medfee_sumamt.value).toBe('4292.00');
    refused(await call('2303', fixture('2304'), { path: DEFAULT_PATHS['2304'] }), /交易编号 infno 2303 与接口地址/);
  });

  it('2305 answers the reversal negated, cancels the settlement and moves the accumulators back', async () => {
    await settleStay();
    const settled = ytd2026()!.basic!.paid;
    const out = ok(await call('2305', fixture('2305')), '2305');
    expect(out.setlinfo.medfee_sumamt.value).toBe('-4292.00');
    expect(out.setlinfo.setl_id).not.toBe(vars.setl_id);
    expect(out.setldetail[0].fund_payamt.value).toBe(`-${settled}`);
    expect(insurer.nhsaSettlements()[0]!.status).toBe('cancelled');
    expect(ytd2026()!.basic).toEqual({ paid: '0.00', admissions: 0 });
    refused(await call('2305', fixture('2305')), /已撤销/);
  });
});

describe('NHSA gateway: pre-settlement and the undo chain 2405 → 2302 → 2404', () => {
  it('pre-settles without a setl_id, then undoes discharge, fees and admission', async () => {
    await admitAndUpload();
    const pre = ok(await call('2303', fixture('2304')), '2303');
    expect([pre.setlinfo.medfee_sumamt.value, pre.setlinfo.setl_id]).toEqual(['4292.00', undefined]);
    ok(await call('2402', fixture('2402')), '2402');
    refused(await call('2404', { data: { mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no } }), /已办理出院/);
    ok(await call('2405', { data: { mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no } }), '2405');
    refused(await call('2404', { data: { mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no } }), /请先撤销费用明细/);
    ok(await call('2302', { data: [{ feedetl_sn: '0000', mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no }] }), '2302');
    ok(await call('2404', { data: { mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no } }), '2404');
    ok(await call('2401', fixture('2401')), '2401');
    expect(insurer.nhsaSettlements()).toEqual([]);
  });
});

describe('NHSA gateway: as strict as a real gateway', () => {
  it('refuses a bad signature, a stale or future timestamp, a reused nonce and a missing header', async () => {
    const input = fixture('9001');
    refused(await call('9001', input, { headers: xTif({ token: 'not-the-pass-token' }) }), /^签名校验失败/);
    refused(await call('9001', input, { headers: { 'x-tif-signature': 'A'.repeat(64) } }), /^签名校验失败/);
    const stale = String(Math.floor(Date.now() / 1000) - 400);
    refused(await call('9001', input, { headers: xTif({ ts: stale }) }), /x-tif-timestamp 超出允许范围/);
    const future = String(Math.floor(Date.now() / 1000) + 400);
    refused(await call('9001', input, { headers: xTif({ ts: future }) }), /x-tif-timestamp 超出允许范围/);
    const nonce = randomBytes(8).toString('hex');
    ok(await call('9001', input, { headers: xTif({ nonce }) }), '9001');
    refused(await call('9001', input, { headers: xTif({ nonce }) }), /x-tif-nonce .* 已使用/);
    refused(await call('9001', input, { headers: { 'x-tif-nonce': '' } }), '缺少请求头 x-tif-nonce');
    expect(insurer.nhsaLog().map((l) => l.infcode)).toEqual([-1, -1, -1, -1, 0, -1, -1]);
  });

  it('refuses a reused msgid and a msgid of the wrong shape', async () => {
    const first = await call('9001', fixture('9001'));
    ok(first, '9001');
    refused(await call('9001', fixture('9001'), { msgid: first.msgid }), /msgid .* 已使用/);
    const stamp = beijingIso().replace(/\D/g, '').slice(0, 14);
    const shapes = [
      `H51170200002${stamp}0001`,
      `H51170200001${stamp}001`,
      `H51170200001${stamp.slice(0, 4)}13400000000001`,
    ];
    refused(await call('9001', fixture('9001'), { msgid: shapes[0] }), /须以定点医药机构编号开头/);
    refused(await call('9001', fixture('9001'), { msgid: shapes[1] }), /^报文格式错误：msgid/);
    refused(await call('9001', fixture('9001'), { msgid: shapes[2] }), /不是有效的 yyyyMMddHHmmss/);
    refused(await call('9001', fixture('9001'), { env: { fixmedins_code: 'H51170200002' } }), /fixmedins_code/);
  });

  it('refuses a missing or unknown sign_no with exactly 签到编号无效', async () => {
    refused(await call('1101', fixture('1101')), '签到编号无效');
    refused(
      await call('1101', fixture('1101'), { vars: { sign_no: '511702202611300000000000000099' } }),
      '签到编号无效',
    );
  });

  it('refuses 2301 on an unknown mdtrt_id and a duplicate feedetl_sn', async () => {
    await admitAndUpload();
    refused(
      await call('2301', fixture('2301'), { vars: { mdtrt_id: '511702202611200000000000000001' } }),
      /就诊ID .* 不存在/,
    );
    refused(await call('2301', fixture('2301')), /费用明细流水号 feedetl_sn F0001 重复/);
    ok(await call('2302', { data: [{ feedetl_sn: 'F0001', mdtrt_id: vars.mdtrt_id, psn_no: vars.psn_no }] }), '2302');
    const again = fixture('2301') as { feedetail: unknown[] };
    ok(await call('2301', { feedetail: again.feedetail.slice(0, 1) }), '2301');
  });

  it('refuses 2304 before 2402, and 2305 of an unknown setl_id', async () => {
    await admitAndUpload();
    refused(await call('2304', fixture('2304')), /尚未办理出院/);
    ok(await call('2402', fixture('2402')), '2402');
    refused(
      await call('2305', fixture('2305'), { vars: { setl_id: '511702202611250000000000000042' } }),
      /结算ID .* 不存在/,
    );
    expect(insurer.nhsaSettlements()).toEqual([]);
  });

  it('refuses an amount with 3 decimals and amounts sent as strings', async () => {
    await admitAndUpload();
    ok(await call('2402', fixture('2402')), '2402');
    const data = (fixture('2304') as { data: Record<string, unknown> }).data;
    refused(await call('2304', { data: { ...data, medfee_sumamt: jsonNumber('4292.001') } }), /medfee_sumamt.*超出/);
    refused(
      await call('2304', { data: { ...data, medfee_sumamt: '4292.00' } }),
      /输入参数错误：input.data.medfee_sumamt：须为 JSON 数值/,
    );
    refused(
      await call('2304', { data: { ...data, medfee_sumamt: jsonNumber('4000.00') } }),
      /与已上传费用明细合计 4292.00 不符/,
    );
  });

  it('refuses a psn_no without insuplc_admdvs, and unreadable bodies', async () => {
    await admitAndUpload();
    refused(await call('2402', fixture('2402'), { vars: { insuplc_admdvs: '' } }), /insuplc_admdvs 不能为空/);
    refused(await call('2402', fixture('2402'), { raw: '{"infno":"2402",' }), '请求报文不是有效的 JSON');
    expect(insurer.nhsaLog().at(-1)).toMatchObject({ infno: null, msgid: null, infcode: -1 });
  });
});

describe('NHSA gateway: 2601 冲正', () => {
  it('undoes a 2304, answers a repeated 2601 the same, and keeps the original msgid used', async () => {
    const settled = await settleStay();
    const before = ytd2026()!.basic!.paid;
    expect(before).not.toBe('0.00');
    const reversal = { omsgid: settled.msgid, oinfno: '2304' };
    const first = await call('2601', fixture('2601'), { vars: reversal });
    expect(ok(first, '2601')).toEqual({});
    expect(insurer.nhsaSettlements()[0]!.status).toBe('cancelled');
    expect(ytd2026()!.basic).toEqual({ paid: '0.00', admissions: 0 });
    const second = await call('2601', fixture('2601'), { vars: reversal });
    expect(ok(second, '2601')).toEqual({});
    expect(second.body.output).toEqual(first.body.output);
    expect(insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled']);
    refused(await call('2304', fixture('2304'), { msgid: settled.msgid }), /msgid .* 已使用/);
    ok(await call('2304', fixture('2304')), '2304');
    expect(insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled', 'settled']);
    expect(ytd2026()!.basic!.paid).toBe(before);
  });

  it('refuses an unknown omsgid with 原交易不存在 and a transaction that cannot be reversed', async () => {
    await admitAndUpload();
    refused(await call('2601', fixture('2601'), { vars: { omsgid: newMsgid(), oinfno: '2304' } }), '原交易不存在');
    const upload = insurer.nhsaLog().find((l) => l.infno === '2301')!;
    refused(await call('2601', fixture('2601'), { vars: { omsgid: upload.msgid, oinfno: '2301' } }), /不支持冲正/);
    const admit = insurer.nhsaLog().find((l) => l.infno === '2401')!;
    refused(await call('2601', fixture('2601'), { vars: { omsgid: admit.msgid, oinfno: '2304' } }), '原交易不存在');
    ok(await call('2601', fixture('2601'), { vars: { omsgid: admit.msgid, oinfno: '2401' } }), '2601');
    refused(await call('2402', fixture('2402')), /就诊ID .* 不存在/);
  });
});

describe('NHSA gateway: the fault switches apply to /fsi/ paths', () => {
  it('commits before dropping the answer, then spoils answers as asked', async () => {
    await admitAndUpload();
    ok(await call('2402', fixture('2402')), '2402');
    insurer.faults.add({ fault: 'drop_after_commit', count: 1, path: '/fsi/' });
    await expect(call('2304', fixture('2304'))).rejects.toThrow();
    expect(insurer.nhsaSettlements().map((s) => s.status)).toEqual(['settled']);
    const lost = insurer.nhsaLog().at(-1)!;
    ok(await call('2601', fixture('2601'), { vars: { omsgid: lost.msgid, oinfno: '2304' } }), '2601');
    insurer.faults.add({ fault: 'malformed_body', style: 'wrong_shape', count: 1 });
    const shaped = await call('2304', fixture('2304'));
    expect(shaped.body.infcode).toBeUndefined();
    expect(shaped.text).toMatch(/"medfee_sumamt":"4292.00"/);
    insurer.faults.add({ fault: 'error_500_before_commit', count: 1, path: DEFAULT_PATHS['2305'] });
    expect((await call('2305', fixture('2305'), { perPath: true, vars: { setl_id: 'x' } })).status).toBe(500);
    expect(insurer.nhsaSettlements().map((s) => s.status)).toEqual(['cancelled', 'settled']);
  });
});
