/**
 * The archive files at rest (electron/node/archive-files.ts), on real files in
 * a fresh data folder: a printed slip's file holds no clear text (pdftotext
 * finds the patient's name in the clear PDF and in the reader's copy, nothing
 * in the file on disk), a claim scan is neither in the clear nor named by its
 * SHA-256, a taken name is never overwritten (the print takes the next free one), a sealed file
 * renamed or altered does not open, and the clear files of an earlier version
 * are sealed at open. config.json's secrets, sealed by the same code, stay in
 * their format. Also `desk archive-open` as IT runs it.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromiumSlipPrinter } from '../electron/host/chromium-printer.js';
import { ArchiveFiles, openArchiveFile, SEALED_SUFFIX, sealClearArchiveFiles } from '../electron/node/archive-files.js';
import { FileKeyProvider } from '../electron/node/keys.js';
import { DEFAULT_CONFIG, loadConfig, saveConfig } from '../electron/node/config.js';
import { terminalConfig } from '../shared/settings.js';
import type { SlipPrinter } from '../electron/node/printer.js';
import { SlipService } from '../electron/worker/slips/slip-service.js';
import { asClaim, dazhouPerson, example1Bill, makeStore, type TestStore } from './store-support.js';
import { testPlatform } from './test-platform.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NAME = '欧阳明月';
const printer = new ChromiumSlipPrinter();
afterAll(() => printer.close());

/** Every file under `dir`, as paths inside it. */
function allFiles(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((e) =>
    statSync(join(dir, rel, e)).isDirectory() ? allFiles(dir, join(rel, e)) : [join(rel, e)],
  );
}
const temporaries = (dir: string) => allFiles(dir).filter((f) => f.endsWith('.tmp'));

/** pdftotext's text of a file, whitespace removed; null when it does not read it as a PDF. */
function pdfText(path: string): string | null {
  const r = spawnSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  if (r.error) throw r.error; // pdftotext missing: the test fails, it is not skipped
  return r.status === 0 ? r.stdout.replace(/\s+/g, '') : null;
}

/** The bytes of `text` as a PDF or a scan might hold them. */
const encodings = (text: string) => [
  Buffer.from(text, 'utf8'),
  Buffer.from(text, 'utf16le'),
  Buffer.from(text, 'utf16le').swap16(), // UTF-16BE, PDF text strings
];

/** A store with one settled bill of NAME, and a slip service whose prints are counted. */
function settled(): { s: TestStore; slips: SlipService; number: string; prints: () => number } {
  const s = makeStore();
  let prints = 0;
  const counting: Pick<SlipPrinter, 'toPdf'> = {
    toPdf: (html, layout) => {
      prints++;
      return printer.toPdf(html, layout);
    },
  };
  const slips = new SlipService(s.service, testPlatform(s.dir, { printer: counting }), s.dir, s.clock);
  const { person_id } = s.service.persons.record(s.cashier, dazhouPerson(1, { name: NAME }));
  const { number } = s.service.settlements.settle(s.cashier, example1Bill(person_id, { offline: true }));
  return { s, slips, number, prints: () => prints };
}

describe('slips and reports sealed at rest', () => {
  it("a printed slip's file holds no clear text; pdftotext finds the name in the clear PDF and the reader's copy only", async () => {
    const { s, slips, number } = settled();
    const printed = await slips.print(s.cashier, number, 'a5');
    expect(printed.pdf_path).toBe(join('slips', '2026-03', `${number}-original-a5.pdf${SEALED_SUFFIX}`));
    expect(s.service.db.prepare('SELECT pdf_path FROM slip_prints').pluck().all()).toEqual([printed.pdf_path]);

    // Positive control: pdftotext works here and the clear PDF the printer got carries the name.
    const clearPath = join(s.dir, 'control.pdf');
    writeFileSync(clearPath, printed.pdf);
    expect(pdfText(clearPath)).toContain(NAME);
    expect(pdfText(clearPath)).toContain(number);

    const onDisk = readFileSync(join(s.dir, printed.pdf_path));
    expect(pdfText(join(s.dir, printed.pdf_path))).toBeNull();
    for (const text of [NAME, number, '%PDF', '张三'])
      for (const bytes of encodings(text)) expect(onDisk.includes(bytes), text).toBe(false);
    expect((statSync(join(s.dir, printed.pdf_path)).mode & 0o777).toString(8)).toBe('600');

    const opened = openArchiveFile(s.dir, printed.pdf_path, s.keys, printed.pdf_sha256);
    expect(opened.equals(printed.pdf)).toBe(true);
    const openedPath = join(s.dir, 'opened.pdf');
    writeFileSync(openedPath, opened);
    expect(pdfText(openedPath)).toContain(NAME);

    // The day report goes the same way.
    const report = await slips.printDayReport(s.supervisor, 'cash1', '2026-03-20', 'a5');
    expect(report.pdf_path.endsWith('.pdf.sealed')).toBe(true);
    expect(pdfText(join(s.dir, report.pdf_path))).toBeNull();
    expect(openArchiveFile(s.dir, report.pdf_path, s.keys, report.pdf_sha256).equals(report.pdf)).toBe(true);
    expect(temporaries(s.dir)).toEqual([]);
  });

  it('a name held by a file no print recorded is never overwritten: the print takes the next free name', async () => {
    const { s, slips, number, prints } = settled();
    const name = join('slips', '2026-03', `${number}-original-a5.pdf${SEALED_SUFFIX}`);
    mkdirSync(join(s.dir, 'slips', '2026-03'), { recursive: true });
    const before = Buffer.from('someone else’s file');
    writeFileSync(join(s.dir, name), before); // as a power cut between the file and its record leaves it

    const printed = await slips.print(s.cashier, number, 'a5');
    expect(printed.kind).toBe('original');
    expect(printed.pdf_path).toBe(join('slips', '2026-03', `${number}-original-a5~2.pdf${SEALED_SUFFIX}`));
    expect(readFileSync(join(s.dir, name)).equals(before)).toBe(true);
    expect(openArchiveFile(s.dir, printed.pdf_path, s.keys, printed.pdf_sha256).equals(printed.pdf)).toBe(true);
    expect(prints()).toBe(1);

    // The clear name of an earlier version holds a name too.
    const reprintName = join('slips', '2026-03', `${number}-reprint-1-a5.pdf`);
    writeFileSync(join(s.dir, reprintName), before);
    const reprint = await slips.print(s.cashier, number, 'a5');
    expect(reprint.pdf_path).toBe(join('slips', '2026-03', `${number}-reprint-1-a5~2.pdf${SEALED_SUFFIX}`));
    expect(readFileSync(join(s.dir, reprintName)).equals(before)).toBe(true);
    expect(s.service.records.record(number).reprints).toBe(1);
    expect(s.service.db.prepare('SELECT pdf_path FROM slip_prints ORDER BY id').pluck().all()).toEqual([
      printed.pdf_path,
      reprint.pdf_path,
    ]);
    expect(temporaries(s.dir)).toEqual([]);
  });

  it("a print whose record fails leaves no archive file behind to take the next print's name", async () => {
    const { s, slips, number } = settled();
    s.service.db.exec(
      "CREATE TEMP TRIGGER refuse BEFORE INSERT ON slip_prints BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    await expect(slips.print(s.cashier, number, 'a5')).rejects.toThrow(/disk full/);
    expect(existsSync(join(s.dir, 'slips', '2026-03'))).toBe(true);
    expect(readdirSync(join(s.dir, 'slips', '2026-03'))).toEqual([]);
    s.service.db.exec('DROP TRIGGER refuse');
    const printed = await slips.print(s.cashier, number, 'a5');
    expect(printed.kind).toBe('original');
    expect(openArchiveFile(s.dir, printed.pdf_path, s.keys, printed.pdf_sha256).equals(printed.pdf)).toBe(true);
  });

  it('the link is what makes it once: a name taken between the check and the write is refused, no temporary left', () => {
    const s = makeStore();
    const archive = new ArchiveFiles(s.dir, s.keys);
    const first = archive.writeOnce(join('reports', 'r.pdf'), Buffer.from('first'));
    const path = join(s.dir, first);
    const before = readFileSync(path);
    // Past the check (as if another writer came between): writeOnce's own link fails.
    const refuseTaken = archive.refuseTaken.bind(archive);
    archive.refuseTaken = () => undefined;
    expect(() => archive.writeOnce(join('reports', 'r.pdf'), Buffer.from('second'))).toThrow(/already exists/);
    archive.refuseTaken = refuseTaken;
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(archive.open(first).toString()).toBe('first');
    expect(temporaries(s.dir)).toEqual([]);
  });

  it('a sealed file under another name, altered by one byte, or opened with another key does not open', () => {
    const s = makeStore();
    const archive = new ArchiveFiles(s.dir, s.keys);
    const a = archive.writeOnce(join('slips', '2026-03', 'A-original-a5.pdf'), Buffer.from('slip A'));
    const b = join('slips', '2026-03', 'B-original-a5.pdf.sealed');
    writeFileSync(join(s.dir, b), readFileSync(join(s.dir, a)));
    expect(() => openArchiveFile(s.dir, b, s.keys)).toThrow(/another name than it was sealed under/);
    expect(openArchiveFile(s.dir, a, s.keys).toString()).toBe('slip A');

    const bytes = readFileSync(join(s.dir, a));
    for (const at of [8, 20, 30, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[at]! ^= 0x01;
      writeFileSync(join(s.dir, a), flipped);
      expect(() => openArchiveFile(s.dir, a, s.keys), `byte ${at}`).toThrow(/无法解密/);
    }
    writeFileSync(join(s.dir, a), bytes);
    const other = new FileKeyProvider(join(s.dir, 'other-key'));
    expect(() => openArchiveFile(s.dir, a, other)).toThrow(/another key/);
    // The recorded hash is checked: the right file, the wrong record, refused.
    expect(() => openArchiveFile(s.dir, a, s.keys, '0'.repeat(64))).toThrow(/not the document recorded/);
    // A clear file under the sealed name is not taken as sealed.
    writeFileSync(join(s.dir, a), 'slip A');
    expect(() => openArchiveFile(s.dir, a, s.keys)).toThrow(/not a sealed file/);
  });
});

describe('claim scans sealed at rest', () => {
  const claim = (personId: number, invoiceNo: string, scans: Buffer[]) =>
    asClaim({
      person_id: personId,
      hospital_code: 'H999',
      hospital_name: '外地某医院',
      hospital_level: 3,
      admission_date: '2026-05-20',
      discharge_date: '2026-05-20',
      invoices: [
        {
          invoice_no: invoiceNo,
          invoice_date: '2026-05-20',
          medfee_sumamt: '50650.00',
          fulamt_ownpay_amt: '0.00',
          overlmt_selfpay: '0.00',
          preselfpay_amt: '0.00',
        },
      ],
      attachments: scans.map((b, i) => ({
        file_name: `扫描${i}.png`,
        media_type: 'image/png',
        content_base64: b.toString('base64'),
      })),
    });

  it('a scan is not in the clear, not named by its SHA-256, reads back exactly; the same scan twice is one file', () => {
    const s = makeStore('2026-06-01T02:00:00Z');
    const { person_id } = s.service.persons.record(s.clerk, {
      ...dazhouPerson(4),
      region: 'deyang',
      scheme: 'resident',
      enrolled: { supplementary: true },
    });
    const marker = 'INVOICE-SCAN-MARKER-发票扫描件-0042';
    const png = Buffer.concat([
      Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'),
      Buffer.from(`tEXtComment\0${marker}`),
    ]);
    const sha = createHash('sha256').update(png).digest('hex');
    s.service.claims.create(s.clerk, claim(person_id, 'INV-1', [png]));
    s.service.claims.create(s.clerk, claim(person_id, 'INV-2', [png])); // another claim, the same scan

    expect(s.service.db.prepare('SELECT sha256 FROM attachments').pluck().all()).toEqual([sha, sha]);
    const files = readdirSync(join(s.dir, 'attachments'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.sealed$/);
    expect(files[0]).not.toContain(sha);
    const onDisk = readFileSync(join(s.dir, 'attachments', files[0]!));
    for (const text of [marker, 'INVOICE-SCAN-MARKER', sha])
      for (const bytes of encodings(text)) expect(onDisk.includes(bytes), text).toBe(false);
    expect(onDisk.includes(png.subarray(0, 8))).toBe(false);

    const archive = new ArchiveFiles(s.dir, s.keys);
    expect(archive.openAttachment(sha).equals(png)).toBe(true);
    expect(openArchiveFile(s.dir, join('attachments', files[0]!), s.keys, sha).equals(png)).toBe(true);
    expect(temporaries(s.dir)).toEqual([]);
  });
});

describe('clear archive files of an earlier version', () => {
  it('are sealed at open, the clear files removed; the recorded names still open; a second run changes nothing', () => {
    const s = makeStore();
    const slip = Buffer.from(`%PDF-1.4 slip of ${NAME}`);
    const report = Buffer.from('%PDF-1.4 day report');
    const scan = Buffer.from('PNG scan CLEAR-SCAN-MARKER');
    const scanSha = createHash('sha256').update(scan).digest('hex');
    const slipName = join('slips', '2026-03', 'T01-S20260320-000001-original-a5.pdf');
    const reportName = join('reports', '2026-03-20-cash1-20260320T020000000Z.pdf');
    const files: [string, Buffer][] = [
      [slipName, slip],
      [reportName, report],
      [join('attachments', scanSha), scan],
      [join('slips', '2026-03', 'x.pdf.4242424.tmp'), slip], // left by a crash while an earlier version wrote
    ];
    for (const [name, bytes] of files) {
      mkdirSync(join(s.dir, name, '..'), { recursive: true });
      writeFileSync(join(s.dir, name), bytes);
    }
    // Something else in the folders is left alone.
    writeFileSync(join(s.dir, 'attachments', 'README.txt'), 'not a scan');

    const result = sealClearArchiveFiles(s.dir, s.keys);
    expect(result.sealed.sort()).toEqual([slipName, reportName, join('attachments', scanSha)].sort());
    expect(result.kept).toEqual([]);
    expect(result.removedTemporaries).toEqual([join('slips', '2026-03', 'x.pdf.4242424.tmp')]);
    for (const [name] of files) expect(existsSync(join(s.dir, name)), name).toBe(false);
    for (const f of allFiles(s.dir).filter((f) => /^(slips|reports|attachments)/.test(f) && !f.endsWith('.txt'))) {
      expect(f.endsWith(SEALED_SUFFIX), f).toBe(true);
      const bytes = readFileSync(join(s.dir, f));
      for (const text of [NAME, '%PDF', 'CLEAR-SCAN-MARKER', scanSha])
        expect(bytes.includes(Buffer.from(text)), `${f}: ${text}`).toBe(false);
    }
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    // slip_prints keeps `….pdf`: the reader finds the sealed file for it.
    expect(openArchiveFile(s.dir, slipName, s.keys, sha(slip)).equals(slip)).toBe(true);
    expect(openArchiveFile(s.dir, reportName, s.keys, sha(report)).equals(report)).toBe(true);
    expect(new ArchiveFiles(s.dir, s.keys).openAttachment(scanSha).equals(scan)).toBe(true);
    expect(readFileSync(join(s.dir, 'attachments', 'README.txt'), 'utf8')).toBe('not a scan');

    const sealedBefore = allFiles(s.dir).map((f) => [f, readFileSync(join(s.dir, f))]);
    expect(sealClearArchiveFiles(s.dir, s.keys)).toEqual({ sealed: [], kept: [], removedTemporaries: [] });
    expect(allFiles(s.dir).map((f) => [f, readFileSync(join(s.dir, f))])).toEqual(sealedBefore);
  });

  it('a run stopped before removing a clear file finishes; a sealed name holding other bytes keeps the clear file', () => {
    const s = makeStore();
    const archive = new ArchiveFiles(s.dir, s.keys);
    const done = join('reports', 'done.pdf');
    const clash = join('reports', 'clash.pdf');
    // As if a run had sealed `done` and stopped before removing its clear file.
    archive.writeOnce(done, Buffer.from('report one'));
    writeFileSync(join(s.dir, done), 'report one');
    // `clash`'s sealed name holds another document.
    writeFileSync(join(s.dir, clash), 'report two');
    writeFileSync(join(s.dir, clash + SEALED_SUFFIX), 'other bytes');

    const result = sealClearArchiveFiles(s.dir, s.keys);
    expect(result.sealed).toEqual([done]);
    expect(result.kept).toEqual([clash]);
    expect(existsSync(join(s.dir, done))).toBe(false);
    expect(openArchiveFile(s.dir, done, s.keys).toString()).toBe('report one');
    expect(readFileSync(join(s.dir, clash), 'utf8')).toBe('report two');
    expect(readFileSync(join(s.dir, clash + SEALED_SUFFIX), 'utf8')).toBe('other bytes');
  });
});

/** config.json's seal as config.ts wrote it before sealed.ts (node:crypto directly): the format must stay readable. */
function sealedBeforeSealedTs(master: Buffer, field: string, plain: string): { enc: string } {
  const key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'discharge-desk config.json secrets v1', 32));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(field));
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return { enc: 'v1:' + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64') };
}

describe('one seal for config.json and the archive (electron/node/sealed.ts)', () => {
  it("opens config.json's secrets as the earlier code sealed them, and seals in the same format", () => {
    const s = makeStore();
    const secret = 'terminal-secret-0123456789';
    saveConfig(
      s.dir,
      terminalConfig.parse({
        ...DEFAULT_CONFIG,
        insurer: { url: 'https://ybj.example.cn/desk', secret, pinned_keys_spki_base64: ['A'.repeat(44)] },
      }),
      s.keys,
    );
    const path = join(s.dir, 'config.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    // What the new code wrote opens the old way: the same key, IV ‖ tag ‖ ciphertext, the field as associated data.
    const blob = Buffer.from(file.insurer.secret.enc.slice(3), 'base64');
    const key = Buffer.from(
      hkdfSync('sha256', s.keys.masterKey(), Buffer.alloc(0), 'discharge-desk config.json secrets v1', 32),
    );
    const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
    d.setAAD(Buffer.from('insurer.secret'));
    d.setAuthTag(blob.subarray(12, 28));
    expect(Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8')).toBe(secret);
    // And what the old code wrote opens the new way.
    file.insurer.secret = sealedBeforeSealedTs(s.keys.masterKey(), 'insurer.secret', 'an-older-secret-0123456789');
    writeFileSync(path, JSON.stringify(file));
    expect(loadConfig(s.dir, s.keys).insurer?.secret).toBe('an-older-secret-0123456789');
  });
});

describe('desk archive-open (IT, auditors)', () => {
  const desk = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'cli/desk.ts', 'archive-open', ...args], {
      cwd: ROOT,
      encoding: 'buffer',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });

  it('writes the clear file once, checks a recorded hash, refuses what does not open', () => {
    const s = makeStore();
    const archive = new ArchiveFiles(s.dir, s.keys);
    const pdf = Buffer.from(`%PDF-1.4 slip of ${NAME}`);
    const name = archive.writeOnce(join('slips', '2026-03', 'S1-original-a5.pdf'), pdf);
    const sha = createHash('sha256').update(pdf).digest('hex');
    const env = { DESK_KEY_FILE: join(s.dir, 'key') };
    const out = join(s.dir, 'out.pdf');

    const ok = desk(['--data', s.dir, join(s.dir, name), '--sha256', sha, '--out', out], env);
    expect(ok.status, ok.stderr.toString()).toBe(0);
    expect(readFileSync(out).equals(pdf)).toBe(true);
    expect((statSync(out).mode & 0o777).toString(8)).toBe('600');
    // The name slip_prints recorded, inside the data folder; to stdout.
    const piped = desk(['--data', s.dir, join('slips', '2026-03', 'S1-original-a5.pdf'), '--out', '-'], env);
    expect(piped.status, piped.stderr.toString()).toBe(0);
    expect(piped.stdout.equals(pdf)).toBe(true);

    const again = desk(['--data', s.dir, name, '--out', out], env);
    expect(again.status).toBe(2);
    expect(again.stderr.toString()).toContain('exists (not replaced)');
    const wrongHash = desk(['--data', s.dir, name, '--sha256', '0'.repeat(64), '--out', '-'], env);
    expect(wrongHash.status).toBe(1);
    expect(wrongHash.stdout.length).toBe(0);
    expect(wrongHash.stderr.toString()).toContain('not the document recorded');
    const noKey = desk(['--data', s.dir, name, '--out', '-'], { DESK_KEY_FILE: join(s.dir, 'missing-key') });
    expect(noKey.status).toBe(2);
    expect(existsSync(join(s.dir, 'missing-key'))).toBe(false);
    expect(desk(['--data', s.dir, '--out', '-'], env).status).toBe(2);
  });

  it('opens a scan by the SHA-256 the attachments table records', () => {
    const s = makeStore();
    const scan = Buffer.from('PNG scan bytes');
    const sha = new ArchiveFiles(s.dir, s.keys).storeAttachment(scan);
    const r = desk(['--data', s.dir, '--attachment', sha, '--out', '-'], { DESK_KEY_FILE: join(s.dir, 'key') });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.equals(scan)).toBe(true);
    expect(execFileSync('ls', [join(s.dir, 'attachments')], { encoding: 'utf8' })).not.toContain(sha);
  });
});
