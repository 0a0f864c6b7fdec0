/**
 * Reconciliation through the national interface (issue 14 item 3, docs/nhsa.md
 * §8): real terminal stores, the reference gateway over HTTP on 127.0.0.1 with
 * its own SQLite file. A balanced day sends 3201 per group and nothing else; an
 * unbalanced one (a settlement another terminal of the hospital made, one the
 * platform undid, one whose amounts the platform holds differently) goes on
 * through 9101 → 3202 → 9102, and every record of the result file is named.
 * The detail file is read back at the gateway byte for byte; malformed files
 * are refused on both sides, naming the line.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { startInsurer, type RunningInsurer } from '../insurer/server.js';
import { DB_FILE } from '../insurer/data-dir.js';
import { Decimal, formatAmount } from '../shared/money.js';
import { DEFAULT_PATHS, jsonNumber, makeMsgid } from '../shared/nhsa/index.js';
import { terminalConfig, type NhsaConfig } from '../shared/settings.js';
import { NhsaClient, type Sender } from '../electron/worker/sync/nhsa/client.js';
import { readResultZip } from '../electron/worker/sync/nhsa/reconcile.js';
import { NhsaSync } from '../electron/worker/sync/nhsa/worker.js';
import { asReversal, makeStore, recordSeeded, type TestStore } from './store-support.js';
import { NHSA_PERSON, nhsaSection, settleOffline } from './nhsa-support.js';

/** A second 达州 employee at the gateway (an earlier stay elsewhere): same group as NHSA_PERSON. */
const ZHANG = '511702196803120014';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/**
 * The gateway's clock, kept inside the Beijing day it starts in: every setl_time of a test falls on the one day that
 * test reconciles, even when the run crosses Beijing midnight (past it the clock stays at the day's last
 * millisecond, which the gateway's ±300 s timestamp window allows for far longer than a test runs).
 */
function oneBeijingDay(): () => Date {
  const BEIJING_MS = 8 * 3_600_000;
  const DAY_MS = 86_400_000;
  const start = Date.now();
  const lastMs = (Math.floor((start + BEIJING_MS) / DAY_MS) + 1) * DAY_MS - BEIJING_MS - 1;
  return () => new Date(Math.min(Date.now(), lastMs));
}

async function gateway(): Promise<{ insurer: RunningInsurer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'insurer-nhsa-rec-'));
  const insurer = await startInsurer({ dataDir, port: 0, log: () => {}, now: oneBeijingDay() });
  cleanup.push(() => insurer.close());
  return { insurer, dataDir };
}

/** The gateway's own database file, opened beside it (WAL): to read its files and to alter what it holds. */
function gatewayDb(dataDir: string): Database.Database {
  const db = new Database(join(dataDir, DB_FILE));
  db.pragma('busy_timeout = 5000');
  cleanup.push(() => {
    db.close();
  });
  return db;
}

function nhsaConfig(insurer: RunningInsurer, slot: number, baseUrl?: string): NhsaConfig {
  const n = insurer.nhsa;
  return terminalConfig.parse({
    terminal: { code: `T0${slot}`, hospital_code: n.fixmedinsCode, hospital_name: n.fixmedinsName },
    nhsa: { ...nhsaSection(n, { form: 'paths', slot }), ...(baseUrl ? { base_url: baseUrl } : {}) },
  }).nhsa!;
}

function terminal(insurer: RunningInsurer, slot: number, baseUrl?: string): { store: TestStore; sync: NhsaSync } {
  const store = makeStore();
  const sync = new NhsaSync(store.service, nhsaConfig(insurer, slot, baseUrl), { timeoutMs: 5000, backoffBaseMs: 5 });
  cleanup.push(() => sync.stop());
  return { store, sync };
}

async function drain(sync: NhsaSync): Promise<void> {
  for (let run = 0; run < 20; run++) {
    await sync.syncNow();
    if (sync.status().queued === 0) return;
  }
  throw new Error(`not drained: ${sync.status().last_error}`);
}

const steps = (store: TestStore) =>
  store.service.db.prepare('SELECT infno, state, request, output FROM nhsa_steps ORDER BY id').all() as {
    infno: string;
    state: string;
    request: string;
    output: string | null;
  }[];

/** The platform's date of the day's settlements (setl_time, Beijing), as reconciliation dates them. */
const platformDay = (store: TestStore) =>
  (
    JSON.parse(store.service.db.prepare('SELECT setlinfo FROM nhsa_settlements LIMIT 1').pluck().get() as string) as {
      setl_time: string;
    }
  ).setl_time.slice(0, 10);

const setlIdOf = (store: TestStore, number: string) =>
  store.service.db
    .prepare(
      'SELECT ns.setl_id FROM nhsa_settlements ns JOIN outbox o ON o.id = ns.outbox_id WHERE o.idempotency_key = ?',
    )
    .pluck()
    .get(number) as string;

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('reconciliation through the national interface', () => {
  it('balanced: one 3201 per insutype × clr_type × setl_optins × refd_setl_flag, all 平, and no 3202 (by the journal)', async () => {
    const { insurer } = await gateway();
    const { store, sync } = terminal(insurer, 3);
    const level = insurer.nhsa.hospitalLevel;
    const first = settleOffline(store, recordSeeded(store, NHSA_PERSON), level, 0);
    settleOffline(store, recordSeeded(store, ZHANG), level, 1);
    await drain(sync);
    store.service.settlements.reverse(store.supervisor, asReversal({ number: first, reason: '费用录入错误' }));
    await drain(sync);
    const day = platformDay(store);
    const before = steps(store).length;

    const report = await sync.reconcile(store.supervisor, day);

    expect(report.result).toBe('balanced');
    expect(report.records).toEqual([]);
    expect(report.groups).toEqual([
      expect.objectContaining({
        insutype: '310',
        clr_type: '21',
        setl_optins: '511700', // clr_optins as the gateway answers it: the insured's 参保地 (达州)
        refd_setl_flag: '0',
        count: 2,
        stmt_rslt: '0',
      }),
      expect.objectContaining({ refd_setl_flag: '1', count: 1, stmt_rslt: '0', medfee_sumamt: '-4801.00' }),
    ]);
    expect(report.groups![0]!.stmt_rslt_dscr).toContain('对账平');
    const sent = steps(store).slice(before);
    expect(sent.map((s) => `${s.infno}:${s.state}`)).toEqual(['3201:answered', '3201:answered']);
    expect(steps(store).some((s) => ['3202', '9101', '9102'].includes(s.infno))).toBe(false);
    // Amounts and the count travel as JSON numbers; the period is the day; the supervisor is the operator.
    const body = JSON.parse(sent[1]!.request) as Record<string, any>;
    expect(body).toMatchObject({ infno: '3201', opter: 'sup1', opter_name: '王主管', insuplc_admdvs: '' });
    expect(body.input.data).toMatchObject({ stmt_begndate: day, stmt_enddate: day, refd_setl_flag: '1' });
    expect(sent[1]!.request).toMatch(/"medfee_sumamt":-4801\.00,.*"fixmedins_setl_cnt":1,/);
    expect(
      insurer
        .nhsaLog()
        .filter((l) => l.infno === '3201')
        .map((l) => l.infcode),
    ).toEqual([0, 0]);
    // The run is kept with what the screen showed.
    expect(store.service.db.prepare('SELECT business_date, result, error FROM nhsa_reconciliations').all()).toEqual([
      { business_date: day, result: 'balanced', error: null },
    ]);

    // Supervisor only, as our own protocol's reconciliation.
    await expect(sync.reconcile(store.cashier, day)).rejects.toMatchObject({ body: { code: 'forbidden' } });
  });

  it('unbalanced: the detail file goes up (9101), 3202 compares it, result.txt comes back (9102) and every record is named', async () => {
    const { insurer, dataDir } = await gateway();
    const a = terminal(insurer, 3);
    const level = insurer.nhsa.hospitalLevel;
    const agreed = settleOffline(a.store, recordSeeded(a.store, ZHANG), level, 0);
    const altered = settleOffline(a.store, recordSeeded(a.store, NHSA_PERSON), level, 1);
    await drain(a.sync);
    const undone = settleOffline(a.store, recordSeeded(a.store, NHSA_PERSON), level, 2);
    await drain(a.sync);
    // Terminal slot 5 of the same hospital settles a stay terminal 3 knows nothing of.
    const b = terminal(insurer, 5);
    settleOffline(b.store, recordSeeded(b.store, NHSA_PERSON), level, 3);
    await drain(b.sync);
    const other = b.store.service.db.prepare('SELECT setl_id, msgid FROM nhsa_settlements').get() as {
      setl_id: string;
      msgid: string;
    };

    // What the platform holds, changed behind the terminal's back: one settlement's fund amount, one undone.
    const gw = gatewayDb(dataDir);
    const alteredId = setlIdOf(a.store, altered);
    const info = JSON.parse(
      gw.prepare('SELECT setlinfo FROM nhsa_settlements WHERE setl_id = ?').pluck().get(alteredId) as string,
    ) as Record<string, unknown> & { fund_pay_sumamt: string };
    const fundThere = formatAmount(new Decimal(info.fund_pay_sumamt).plus(10));
    gw.prepare('UPDATE nhsa_settlements SET setlinfo = ? WHERE setl_id = ?').run(
      JSON.stringify({ ...info, fund_pay_sumamt: fundThere }),
      alteredId,
    );
    gw.prepare("UPDATE nhsa_settlements SET status = 'cancelled' WHERE setl_id = ?").run(setlIdOf(a.store, undone));

    const day = platformDay(a.store);
    const before = steps(a.store).length;
    const report = await a.sync.reconcile(a.store.supervisor, day);

    expect(
      steps(a.store)
        .slice(before)
        .map((s) => `${s.infno}:${s.state}`),
    ).toEqual(['3201:answered', '9101:answered', '3202:answered', '9102:answered']);
    expect(report.result).toBe('mismatch');
    // Three records each side, amounts differ: 数据不一致 at the group level.
    expect(report.groups).toEqual([expect.objectContaining({ count: 3, stmt_rslt: '3' })]);
    expect(report.groups![0]!.stmt_rslt_dscr).toContain('医保中心 3 笔');

    const byCode = Object.fromEntries(report.records.map((r) => [r.code, r]));
    expect(report.records.map((r) => r.code).sort()).toEqual(['stmt_0', 'stmt_1', 'stmt_2', 'stmt_3']);
    expect(byCode.stmt_0).toMatchObject({ number: agreed, problem: '平' });
    expect(byCode.stmt_3).toMatchObject({
      number: altered,
      problem: expect.stringMatching(/^不一致（基金支付 医药机构 \d+\.\d{2}，医保中心 /),
      insurer: fundThere,
      terminal: expect.not.stringMatching(fundThere),
    });
    expect(byCode.stmt_2).toMatchObject({ number: undone, problem: '医药机构多（医保中心无此结算）', insurer: null });
    // The other terminal's settlement: no local number here; its msgid says which terminal (slot 5).
    expect(byCode.stmt_1).toMatchObject({ number: null, terminal: null, nhsa: { setl_id: other.setl_id } });
    expect(byCode.stmt_1!.nhsa!.msgid).toBe(other.msgid);
    expect(other.msgid.charAt(26)).toBe('5');
    // What is not 平 comes first.
    expect(report.records.at(-1)!.code).toBe('stmt_0');

    // The detail file as the gateway received it: one .txt in the zip, UTF-8, TAB, CRLF after every line.
    const up = gw.prepare("SELECT filename, bytes, sha256 FROM nhsa_files WHERE kind = 'upload'").get() as {
      filename: string;
      bytes: Buffer;
      sha256: string;
    };
    const files = unzipSync(new Uint8Array(up.bytes));
    const names = Object.keys(files);
    expect(names).toEqual([up.filename.replace(/\.zip$/, '.txt')]);
    expect(up.filename).toMatch(new RegExp(`^${insurer.nhsa.fixmedinsCode}\\d{14}_\\d{5}\\.zip$`));
    const raw = files[names[0]!]!;
    const text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = text
      .slice(0, -2)
      .split('\r\n')
      .map((l) => l.split('\t'));
    expect(lines.map((l) => l.length)).toEqual([7, 7, 7]);
    const platform = a.store.service.db
      .prepare('SELECT setl_id, mdtrt_id, psn_no, setlinfo FROM nhsa_settlements ORDER BY rowid')
      .all() as { setl_id: string; mdtrt_id: string; psn_no: string; setlinfo: string }[];
    expect(lines).toEqual(
      platform.map((p) => {
        const s = JSON.parse(p.setlinfo);
        return [p.setl_id, p.mdtrt_id, p.psn_no, s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, '0'];
      }),
    );
    // Both files kept at the terminal with their SHA-256, each the bytes the other side holds.
    const kept = a.store.service.db
      .prepare('SELECT direction, bytes, sha256, file_qury_no FROM nhsa_stmt_files ORDER BY id')
      .all() as { direction: string; bytes: Buffer; sha256: string; file_qury_no: string }[];
    expect(kept.map((k) => k.direction)).toEqual(['uploaded', 'downloaded']);
    expect(kept[0]!.sha256).toBe(up.sha256);
    expect(sha256(kept[0]!.bytes)).toBe(up.sha256);
    const result = gw.prepare("SELECT sha256, file_qury_no FROM nhsa_files WHERE kind = 'result'").get() as {
      sha256: string;
      file_qury_no: string;
    };
    expect(kept[1]).toMatchObject({ sha256: result.sha256, file_qury_no: result.file_qury_no });
    // The journal keeps the 9102 file's digest, not the file.
    expect(JSON.parse(steps(a.store).at(-1)!.output!)).toEqual({
      file_sha256: result.sha256,
      size: kept[1]!.bytes.length,
    });
    expect(readResultZip(new Uint8Array(kept[1]!.bytes))).toHaveLength(4);
  });

  it('a malformed result file is refused, naming the line; the file is kept and the run records why', async () => {
    const { insurer, dataDir } = await gateway();
    // A proxy in front of the gateway that spoils the 9102 file: result.txt's second line loses its CR.
    const proxy = await spoilingProxy(insurer.nhsa.baseUrl, (zip) => {
      const text = new TextDecoder().decode(unzipSync(zip)['result.txt']!);
      const lines = text.split('\r\n');
      return zipSync({ 'result.txt': strToU8(`${lines[0]}\r\n${lines[1]}\n${lines.slice(2).join('\r\n')}`) });
    });
    const a = terminal(insurer, 3, proxy.url);
    settleOffline(a.store, recordSeeded(a.store, NHSA_PERSON), insurer.nhsa.hospitalLevel, 0);
    settleOffline(a.store, recordSeeded(a.store, ZHANG), insurer.nhsa.hospitalLevel, 1);
    await drain(a.sync);
    // The platform holds one of them for less: 3201 不一致, so 3202.
    const gw = gatewayDb(dataDir);
    const row = gw.prepare('SELECT setl_id, setlinfo FROM nhsa_settlements LIMIT 1').get() as {
      setl_id: string;
      setlinfo: string;
    };
    gw.prepare('UPDATE nhsa_settlements SET setlinfo = ? WHERE setl_id = ?').run(
      JSON.stringify({ ...JSON.parse(row.setlinfo), acct_pay: '1.00' }),
      row.setl_id,
    );

    const day = platformDay(a.store);
    await expect(a.sync.reconcile(a.store.supervisor, day)).rejects.toMatchObject({
      body: {
        code: 'insurer_unreachable',
        message: expect.stringContaining('对账结果文件无效：result.txt 第 2 行：每行（含末行）须以 CRLF 结束'),
      },
    });
    expect(proxy.spoiled()).toBe(1);
    const kept = a.store.service.db.prepare('SELECT direction FROM nhsa_stmt_files ORDER BY id').pluck().all();
    expect(kept).toEqual(['uploaded', 'downloaded']);
    const run = a.store.service.db.prepare('SELECT result, view, error FROM nhsa_reconciliations').get() as {
      result: string | null;
      view: string | null;
      error: string;
    };
    expect(run).toMatchObject({ result: null, view: null, error: expect.stringContaining('result.txt 第 2 行') });
  });

  it('result.txt is read strictly: each fault names its line', () => {
    const line = (o: Partial<Record<string, string>> = {}) =>
      [
        o.psn_no ?? 'P1',
        o.mdtrt_id ?? 'M1',
        o.setl_id ?? 'S1',
        o.msgid ?? '',
        o.stmt_rslt ?? '0',
        o.refd_setl_flag ?? '0',
        o.memo ?? '',
        o.medfee_sumamt ?? '10.00',
        o.fund_pay_sumamt ?? '8.00',
        o.acct_pay ?? '0.00',
      ].join('\t');
    const zipOf = (text: string | Uint8Array, name = 'result.txt') =>
      zipSync({ [name]: typeof text === 'string' ? strToU8(text) : text });
    const read = (zip: Uint8Array) => () => readResultZip(zip);

    expect(
      readResultZip(zipOf(`${line()}\r\n${line({ setl_id: 'S2', stmt_rslt: '3', medfee_sumamt: '10.5' })}\r\n`)),
    ).toEqual([
      expect.objectContaining({ setl_id: 'S1', stmt_rslt: '0', medfee_sumamt: '10.00' }),
      expect.objectContaining({ setl_id: 'S2', stmt_rslt: '3', medfee_sumamt: '10.50' }),
    ]);
    expect(readResultZip(zipOf(''))).toEqual([]);
    expect(read(zipOf(`${line()}\r\n${line({ stmt_rslt: '4' })}\r\n`))).toThrow(/result\.txt 第 2 行：stmt_rslt/);
    expect(read(zipOf(`${line()}\r\n${line()}\t\r\n`))).toThrow(
      'result.txt 第 2 行：应有 10 个字段（TAB 分隔），实有 11 个',
    );
    expect(read(zipOf(`${line()}\n`))).toThrow('result.txt 第 1 行：每行（含末行）须以 CRLF 结束');
    expect(read(zipOf(`${line()}\r\n${line()}`))).toThrow('result.txt 第 2 行：每行（含末行）须以 CRLF 结束');
    expect(read(zipOf(`${line({ fund_pay_sumamt: '8.001' })}\r\n`))).toThrow(/第 1 行：fund_pay_sumamt：金额 "8\.001"/);
    expect(read(zipOf(`${line({ setl_id: '' })}\r\n`))).toThrow(/第 1 行：setl_id/);
    expect(read(zipOf(new Uint8Array([0x50, 0xff, 0xfe, 0x0d, 0x0a])))).toThrow('result.txt 不是有效的 UTF-8 文本');
    expect(read(zipOf(`${line()}\r\n`, 'other.txt'))).toThrow('zip 中没有 result.txt（实有：other.txt）');
    expect(read(strToU8('{"infcode":0}'))).toThrow(/不是有效的 zip/);
  });

  it('the gateway refuses a malformed detail file at 3202, naming the line', async () => {
    const { insurer } = await gateway();
    const config = nhsaConfig(insurer, 7);
    const client = new NhsaClient(config, 5000, () => new Date());
    const sender: Sender = { opter: 'sup1', opter_name: '王主管', insuplc_admdvs: '' };
    let seq = 7000;
    const send = async (infno: '9001' | '9101' | '3202', input: Record<string, unknown>, signNo = ''): Promise<any> =>
      client.send(client.prepare(infno, makeMsgid(config.fixmedins_code, new Date(), seq++), input, sender, signNo));
    const signIn = await send('9001', { signIn: { opter_no: 'sup1', mac: '', ip: '' } });
    if (signIn.kind !== 'ok') throw new Error('9001 refused');
    const signNo = signIn.output.signinoutb.sign_no;
    const good = 'S1\tM1\tP1\t100.00\t80.00\t0.00\t0\r\n';

    const detail = async (zip: Uint8Array) => {
      const up = await send(
        '9101',
        {
          fsUploadIn: {
            in: Buffer.from(zip).toString('base64'),
            filename: 'd.zip',
            fixmedins_code: config.fixmedins_code,
          },
        },
        signNo,
      );
      if (up.kind !== 'ok') throw new Error(`9101 refused: ${up.errMsg}`);
      const data = {
        setl_optins: '511702',
        file_qury_no: up.output.file_qury_no,
        stmt_begndate: '2026-03-20',
        stmt_enddate: '2026-03-20',
        medfee_sumamt: jsonNumber('200.00'),
        fund_pay_sumamt: jsonNumber('160.00'),
        cash_payamt: jsonNumber('40.00'),
        fixmedins_setl_cnt: jsonNumber('2'),
        clr_type: '21',
        refd_setl_flag: '0',
      };
      return send('3202', { data }, signNo);
    };
    const refusal = async (text: string | Uint8Array, entries?: Record<string, Uint8Array>) => {
      const a = await detail(zipSync(entries ?? { 'd.txt': typeof text === 'string' ? strToU8(text) : text }));
      return a.kind === 'refused' ? a.errMsg : 'accepted';
    };

    expect(await refusal(`${good}S2\tM2\tP2\t100.00\t80.00\t0.00\t0\n`)).toBe(
      '明细文件第 2 行：每行（含末行）须以 CRLF 结束',
    );
    expect(await refusal(`${good}S2\tM2\tP2\t100.00\t80.00\t0.00\t0\t\r\n`)).toBe(
      '明细文件第 2 行：应有 7 个字段（TAB 分隔），实有 8 个',
    );
    expect(await refusal(`${good}S2\tM2\tP2\t100.00\t80.00\t0.00\r\n`)).toBe(
      '明细文件第 2 行：应有 7 个字段（TAB 分隔），实有 6 个',
    );
    expect(await refusal(`${good}S2\tM2\tP2\t1e2\t80.00\t0.00\t0\r\n`)).toMatch(
      /^明细文件第 2 行：medfee_sumamt：金额 "1e2"/,
    );
    expect(await refusal(new Uint8Array([0xef, 0xbb, 0xbf, ...strToU8(good), ...strToU8(good)]))).toBe(
      '明细文件须为无 BOM 的 UTF-8',
    );
    expect(await refusal(new Uint8Array([...strToU8(good), 0x53, 0xc3, 0x28, 0x0d, 0x0a]))).toBe(
      '明细文件不是有效的 UTF-8 文本',
    );
    expect(await refusal('', { 'a.txt': strToU8(good), 'b.txt': strToU8(good) })).toBe(
      '明细文件 zip 须只含一个 .txt 文件（实有：a.txt、b.txt）',
    );
    expect(await refusal(`${good}S1\tM2\tP2\t100.00\t80.00\t0.00\t0\r\n`)).toBe('明细文件第 2 行：结算ID S1 重复');
    expect(await refusal(`${good}S2\tM2\tP2\t100.00\t70.00\t0.00\t0\r\n`)).toBe(
      '基金支付总额 fund_pay_sumamt 160.00 与明细文件合计 150.00 不符',
    );
    // Well formed, it is answered with a result file to download.
    const fine = await detail(zipSync({ 'd.txt': strToU8(`${good}S2\tM2\tP2\t100.00\t80.00\t0.00\t0\r\n`) }));
    expect(fine).toMatchObject({ kind: 'ok', output: { fileinfo: { filename: 'd_result.zip' } } });
    expect(DEFAULT_PATHS['3202']).toBe('/fsi/api/ybSettlementStmtService/stmtDetail');
  });
});

/** An HTTP proxy to the gateway that passes everything through but hands `spoil` the body of each 9102 answer. */
async function spoilingProxy(
  target: string,
  spoil: (zip: Uint8Array) => Uint8Array,
): Promise<{ url: string; spoiled: () => number }> {
  let count = 0;
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const up = httpRequest(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let body: Uint8Array = Buffer.concat(parts);
            const headers = { ...answer.headers };
            if (req.url === DEFAULT_PATHS['9102'] && answer.headers['content-type'] === 'application/octet-stream') {
              body = spoil(body);
              count++;
              headers['content-length'] = String(body.length);
            }
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(body);
          });
        },
      );
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spoiled: () => count };
}
