/**
 * Slips printed from real settlement records: original, reprint (补打, same
 * number, counted), reversal; each archived as a PDF whose SHA-256 is recorded
 * with the settlement; the QR code scanned back from the printed page verifies;
 * the day report uses the same machinery.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { ChromiumSlipPrinter } from '../electron/host/chromium-printer.js';
import { testPlatform } from './test-platform.js';
import { SlipService } from '../electron/worker/slips/slip-service.js';
import { openArchiveFile } from '../electron/node/archive-files.js';
import { dazhouPerson, example1Bill, makeStore } from './store-support.js';
import { groupedYuan } from '../shared/money.js';

const printer = new ChromiumSlipPrinter();
afterAll(() => printer.close());
const artifacts = fileURLToPath(new URL('../artifacts/slips', import.meta.url));
mkdirSync(artifacts, { recursive: true });

function pdfText(pdf: Buffer, dir: string, name: string): { flat: string; pages: number; png: string } {
  const path = join(dir, `${name}.pdf`);
  writeFileSync(path, pdf);
  const flat = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))?.[1]);
  execFileSync('pdftoppm', ['-png', '-r', '200', '-singlefile', path, join(dir, name)]);
  return { flat, pages, png: join(dir, `${name}.png`) };
}

function scanQr(pngPath: string): string | null {
  const png = PNG.sync.read(readFileSync(pngPath));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe('slips from settlement records', () => {
  it('original, reprint and reversal: numbers from the record, PDF archived with its hash, QR verifies', async () => {
    const s = makeStore();
    const slips = new SlipService(s.service, testPlatform(s.dir, { printer }), s.dir, s.clock);
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson(1, { name: '张<i>三</i>' }));
    const { number, result } = s.service.settlements.settle(
      s.cashier,
      example1Bill(person_id, {
        offline: true,
        stay: { inpatient_no: 'ZY001', ward: '心内科', bed: '12', diagnosis: '急性心肌梗死' },
      }),
    );

    const original = await slips.print(s.cashier, number, 'a5');
    expect(original).toMatchObject({ kind: 'original', reprint: 0 });
    // Archived sealed (test/archive-files.test.ts): the reader gives back exactly the printed PDF.
    const archived = openArchiveFile(s.dir, original.pdf_path, s.keys, original.pdf_sha256);
    expect(archived.equals(original.pdf)).toBe(true);
    expect(createHash('sha256').update(archived).digest('hex')).toBe(original.pdf_sha256);
    expect(s.service.db.prepare('SELECT kind, pdf_sha256 FROM slip_prints').all()).toEqual([
      { kind: 'original', pdf_sha256: original.pdf_sha256 },
    ]);
    const o = pdfText(original.pdf, s.dir, 'original');
    expect(o.pages).toBe(1);
    for (const v of [
      number,
      // Amounts with thousands separators (groupedYuan), the capitals unchanged.
      groupedYuan(result.psn_cash_pay),
      groupedYuan(result.hifp_pay),
      groupedYuan(result.hifob_pay),
      groupedYuan(result.fund_pay_sumamt),
      '180,000.00',
      '张<i>三</i>',
      '贰万零贰佰肆拾壹元贰角伍分',
      '脱机结算',
      '心内科/12',
      '急性心肌梗死',
      '住院天数18',
    ])
      expect(o.flat, v).toContain(v);
    const code = scanQr(o.png);
    expect(code).toBe(`DD1|${number}|180000.00|159758.75|${code?.split('|')[4]}`);
    expect(slips.verifyCode(code!)).toMatchObject({ ok: true, code: { number, fund_pay_sumamt: '159758.75' } });
    expect(slips.verifyCode(code!.replace('159758.75', '169758.75')).ok).toBe(false);
    execFileSync('cp', [o.png, join(artifacts, 'service-original-a5.png')]);

    const again = await slips.print(s.cashier, number, 'receipt80');
    expect(again).toMatchObject({ kind: 'reprint', reprint: 1 });
    const r = pdfText(again.pdf, s.dir, 'reprint');
    expect(r.flat).toContain('补打（第1次）');
    expect(r.flat).toContain(number);
    expect(s.service.records.record(number).reprints).toBe(1);

    const rev = s.service.settlements.reverse(s.supervisor, { number, reason: '费用录入错误' });
    const reversal = await slips.print(s.supervisor, rev.number, 'a5');
    expect(reversal.kind).toBe('reversal');
    const v = pdfText(reversal.pdf, s.dir, 'reversal');
    expect(v.flat).toContain(`冲销原结算单${number}`);
    expect(v.flat).toContain('-20,241.25');
    expect(v.flat).toContain('-143,735.00');
    expect(v.flat).toContain('负贰万零贰佰肆拾壹元贰角伍分');
    execFileSync('cp', [v.png, join(artifacts, 'service-reversal-a5.png')]);
    expect(s.service.verifyAudit().ok).toBe(true);
  });

  it("a claims clerk may not print a cashier's settlement slip", async () => {
    const s = makeStore();
    const slips = new SlipService(s.service, testPlatform(s.dir, { printer }), s.dir, s.clock);
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    const { number } = s.service.settlements.settle(s.cashier, example1Bill(person_id));
    await expect(slips.print(s.clerk, number, 'a5')).rejects.toMatchObject({ body: { code: 'forbidden' } });
  });

  it("prints the day report with the day's totals", async () => {
    const s = makeStore();
    const slips = new SlipService(s.service, testPlatform(s.dir, { printer }), s.dir, s.clock);
    const { person_id } = s.service.persons.record(s.cashier, dazhouPerson());
    s.service.settlements.settle(s.cashier, example1Bill(person_id));
    s.service.day.close(s.supervisor, { operator_code: 'cash1', business_date: '2026-03-20' });
    const report = await slips.printDayReport(s.supervisor, 'cash1', '2026-03-20', 'a5');
    const t = pdfText(report.pdf, s.dir, 'day');
    expect(t.pages).toBe(1);
    for (const v of [
      '收费员日结报表',
      '李收费',
      '2026-03-20',
      '20,241.25',
      '143,735.00',
      '16,023.75',
      '159,758.75',
      '180,000.00',
      '贰万零贰佰肆拾壹元贰角伍分',
      '王主管',
    ])
      expect(t.flat, v).toContain(v);
    execFileSync('cp', [t.png, join(artifacts, 'day-report-a5.png')]);
  });
});
