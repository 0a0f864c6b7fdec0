/**
 * Issue 15, item 7: the whole data folder at rest, as someone who copies it would read it. A terminal works a
 * day through the real contract (a person, a settlement with its stay and diagnosis, its slip, a claim with a
 * scan, the insurer's secret saved in the settings, a backup), then every file under the data folder is scanned
 * for the patient's name, identity number, inpatient number and diagnosis, the scan's own bytes and the secret,
 * in UTF-8 and UTF-16: none is found, while the app is open (WAL not yet checkpointed) and after it closes. The
 * same scan finds them all in the clear documents the app was given (the positive control: the scan can find).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDeskApp, type DeskApp } from '../electron/worker/desk-app.js';
import { dispatch } from '../electron/node/dispatch.js';
import { testPlatform } from './test-platform.js';
import { TestClock, dazhouPerson, example1WindowBill } from './store-support.js';

const NAME = '欧阳明月';
const INPATIENT_NO = 'ZY20260302-7781';
const DIAGNOSIS = '急性化脓性阑尾炎伴穿孔';
const SECRET = 'terminal-secret-0123456789';
const SCAN_MARKER = 'SCAN-MARKER-9f3c2a';

const dataDir = mkdtempSync(join(tmpdir(), 'desk-at-rest-'));
/** What the printer was given: the slip as the printer saw it, in clear (the control document). */
const printed: Buffer[] = [];
const app: DeskApp = openDeskApp({
  dataDir,
  clock: new TestClock(new Date('2026-03-20T02:00:00Z')),
  platform: testPlatform(dataDir, {
    // A stand-in printer: a "PDF" that carries the slip's HTML in clear, so the control can find the name in it.
    printer: {
      toPdf: async (html) => {
        const pdf = Buffer.from(`%PDF-1.4\n${html}`);
        printed.push(pdf);
        return { pdf, widthMm: 148, heightMm: 210 };
      },
    },
  }),
});
afterAll(() => app.close().catch(() => undefined));

const sup = { clientId: 'sup' };
const cash = { clientId: 'cash' };
const clerk = { clientId: 'clerk' };
async function call<T>(name: string, payload: unknown, ctx = cash): Promise<T> {
  const r = await dispatch(app.handlers, name, payload, ctx, () => undefined);
  expect(r, `${name}: ${JSON.stringify(r)}`).toMatchObject({ ok: true });
  return (r as { value: T }).value;
}

/** Every file under the data folder except the key file (its bytes are random; a real terminal keeps it elsewhere). */
function dataFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (relative(dir, p) !== 'key') out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Which needles (by label) a file holds, in UTF-8 or UTF-16 (either byte order). */
function found(bytes: Buffer, needles: Record<string, string>): string[] {
  return Object.entries(needles)
    .filter(([, text]) =>
      [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le'), Buffer.from(text, 'utf16le').swap16()].some((b) =>
        bytes.includes(b),
      ),
    )
    .map(([label]) => label);
}

function scanFolder(needles: Record<string, string>): Record<string, string[]> {
  const hits: Record<string, string[]> = {};
  for (const path of dataFiles(dataDir)) {
    const h = found(readFileSync(path), needles);
    if (h.length) hits[relative(dataDir, path)] = h;
  }
  return hits;
}

describe('the data folder at rest', () => {
  it('holds no name, identity number, inpatient number, diagnosis, scan or secret in clear, open or closed', async () => {
    await call('auth.setup', { code: 'sup1', name: '王主管', pin: '246810' }, sup);
    await call('operators.create', { code: 'cash1', name: '李收费', role: 'cashier', pin: '135790' }, sup);
    await call('auth.login', { code: 'cash1', pin: '135790' });
    await call('operators.create', { code: 'clerk1', name: '赵报销', role: 'claims_clerk', pin: '135790' }, sup);
    await call('auth.login', { code: 'clerk1', pin: '135790' }, clerk);
    await call(
      'settings.save',
      {
        terminal: { code: 'T01', hospital_code: 'H511700001', hospital_name: '达州市中心医院' },
        lock_after_minutes: 5,
        protocol: 'desk',
        nhsa: null,
        insurer: {
          url: 'http://127.0.0.1:9/desk',
          secret: SECRET,
          pinned_keys_spki_base64: ['MCowBQYDK2VwAyEA' + 'A'.repeat(28)],
          interval_seconds: 30,
        },
        printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
        backup_folder: '',
      },
      sup,
    );

    const person = dazhouPerson(7, { name: NAME });
    const { person_id } = await call<{ person_id: number }>('person.record', person);
    const bill = example1WindowBill(person_id, {
      stay: { inpatient_no: INPATIENT_NO, ward: '普外科', bed: '12', diagnosis: DIAGNOSIS },
    });
    const { digest } = await call<{ digest: string }>('settlement.preview', bill);
    const { number } = await call<{ number: string }>('settlement.settle', { ...bill, preview_digest: digest });
    await call('slip.print', { number, layout: 'a5' });
    const scan = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from(`${SCAN_MARKER} ${NAME}`)]);
    await call(
      'claim.create',
      {
        person_id,
        hospital_code: 'H330100009',
        hospital_name: '浙江大学医学院附属第一医院',
        hospital_level: 3,
        admission_date: '2026-03-02',
        discharge_date: '2026-03-10',
        invoices: [
          {
            invoice_no: 'FP-0001',
            invoice_date: '2026-03-10',
            medfee_sumamt: '12000.00',
            fulamt_ownpay_amt: '500.00',
            overlmt_selfpay: '0.00',
            preselfpay_amt: '300.00',
          },
        ],
        attachments: [{ file_name: '发票.png', media_type: 'image/png', content_base64: scan.toString('base64') }],
      },
      clerk,
    );
    await call('backup.now', {}, sup);

    const needles = {
      name: NAME,
      id_number: person.id_number,
      inpatient_no: INPATIENT_NO,
      diagnosis: DIAGNOSIS,
      scan: SCAN_MARKER,
      secret: SECRET,
    };
    // Positive control: the same scan finds what the app was given, in the documents as they came.
    const control = join(dataDir, '..', `${relative(tmpdir(), dataDir)}-control.bin`);
    writeFileSync(control, Buffer.concat([...printed, scan, Buffer.from(JSON.stringify({ SECRET, person }))]));
    expect(found(readFileSync(control), needles).sort()).toEqual(Object.keys(needles).sort());
    expect(printed.length).toBe(1);

    // What was written: the store, its WAL, the slip, the scan, the backup, config.json.
    const files = dataFiles(dataDir).map((p) => relative(dataDir, p));
    expect(files).toEqual(
      expect.arrayContaining([
        'desk.sqlite',
        'desk.sqlite-wal',
        'config.json',
        expect.stringMatching(/^slips\/2026-03\/.+\.pdf\.sealed$/),
        expect.stringMatching(/^attachments\/[0-9a-f]{64}\.sealed$/),
        expect.stringMatching(/^backups\/.+\.sqlite$/),
      ]),
    );
    expect(scanFolder(needles)).toEqual({});

    await app.close();
    expect(scanFolder(needles)).toEqual({});
  });
});
