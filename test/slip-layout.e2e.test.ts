/**
 * Slip layouts rendered by real Chromium to PDF and read back with poppler:
 * the numbers and names are the record's, each slip is one page, long text
 * wraps inside the page, markup in a name is printed as text. PNGs of every
 * layout go to artifacts/slips for a person to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PAGE, renderSlip, type SlipData, type SlipLayout } from '../shared/slip/slip.js';
import { ChromiumSlipPrinter, CHROMIUM_ARGS } from '../electron/host/chromium-printer.js';
import { sampleSlip } from './slip-fixture.js';

const printer = new ChromiumSlipPrinter();
const work = mkdtempSync(join(tmpdir(), 'desk-slip-'));
const artifacts = fileURLToPath(new URL('../artifacts/slips', import.meta.url));
mkdirSync(artifacts, { recursive: true });
afterAll(() => printer.close());

async function print(data: SlipData, layout: SlipLayout, name: string) {
  const { pdf, heightMm } = await printer.toPdf(renderSlip(data, layout), layout);
  const path = join(work, `${name}.pdf`);
  writeFileSync(path, pdf);
  const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))?.[1]);
  execFileSync('pdftoppm', ['-png', '-r', '110', '-singlefile', path, join(artifacts, name)]);
  return { text, pages, heightMm, flat: text.replace(/\s+/g, '') };
}

describe.each(['a5', 'receipt80'] as const)('%s slip', (layout) => {
  it("prints the record's numbers and names on one page", async () => {
    const { flat, pages } = await print(await sampleSlip(), layout, `${layout}-original`);
    expect(pages).toBe(1);
    for (const s of [
      '测试市第一人民医院',
      'T01-S20260320-000001',
      '张三',
      '510102********1014',
      // Amounts with thousands separators (groupedYuan); the capitals as they were.
      '180,000.00',
      '6,000.00',
      '4,000.00',
      '170,000.00',
      '143,735.00',
      '16,023.75',
      '159,758.75',
      '¥20,241.25',
      '贰万零贰佰肆拾壹元贰角伍分',
      '900.00',
      '达州市规则2023.2',
      '样例参数',
      '一式两份',
      '李收费',
      '心内科一病区',
      '急性心肌梗死',
    ]) {
      expect(flat, s).toContain(s);
    }
    expect(flat).not.toContain('脱机');
    expect(flat).not.toContain('510102198102111014');
    expect(flat).not.toContain('180000.00');
    expect(flat).not.toContain('143735.00');
  });

  it('marks offline settlements, reprints with their count, and reversals with the original number', async () => {
    const offline = await print(await sampleSlip({ offline: true }), layout, `${layout}-offline`);
    expect(offline.flat).toContain('脱机结算，以医保部门确认为准');
    const reprint = await print(await sampleSlip({ kind: 'reprint', reprint: 2 }), layout, `${layout}-reprint`);
    expect(reprint.flat).toContain('补打（第2次）');
    const reversal = await print(
      await sampleSlip({
        kind: 'reversal',
        number: 'T01-R20260320-000001',
        reverses: { number: 'T01-S20260320-000001', reason: '费用录入错误' },
        psn_cash_pay: '-20241.25',
        fund_pay_sumamt: '-159758.75',
      }),
      layout,
      `${layout}-reversal`,
    );
    expect(reversal.flat).toContain('住院结算冲销单');
    expect(reversal.flat).toContain('冲销原结算单T01-S20260320-000001');
    expect(reversal.flat).toContain('-20,241.25');
    expect(reversal.flat).toContain('-159,758.75');
    expect(reversal.flat).toContain('负贰万零贰佰肆拾壹元贰角伍分');
  });

  it('nothing overflows the paper width, even with long text', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({
        viewport: { width: Math.round((PAGE[layout].widthMm * 96) / 25.4), height: 900 },
      });
      const long = await sampleSlip({
        patient: {
          name: '欧阳娜娜·阿依古丽·买买提明·热合曼·艾力·玉素甫江',
          gender: 'F',
          id_masked: '650102********2021',
          scheme: '城乡居民基本医疗保险',
          person_type: '退休·医疗救助对象',
        },
        stay: {
          ...(await sampleSlip()).stay,
          ward: '心血管内科重症监护病区第三护理单元（东院区）',
          diagnosis: 'A'.repeat(120),
        },
      });
      await page.setContent(renderSlip(long, layout));
      // Runs in the page (a string, so this Node-typed file needs no DOM types).
      const overflow = await page.evaluate(`(() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 0.5).map((el) => el.tagName + ':' + (el.textContent || '').slice(0, 20));
      })()`);
      expect(overflow).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('wraps a long name and diagnosis inside the page, and prints markup in a name as text', async () => {
    const diagnosis =
      '冠状动脉粥样硬化性心脏病；急性前壁ST段抬高型心肌梗死；心功能III级（NYHA分级）；2型糖尿病伴多个并发症；高血压3级（很高危）；慢性肾脏病3期';
    const data = await sampleSlip({
      patient: {
        name: '<b>欧阳</b>娜娜·阿依古丽·买买提明',
        gender: 'F',
        id_masked: '650102********2021',
        scheme: '城乡居民基本医疗保险',
        person_type: '医疗救助对象',
      },
      stay: { ...(await sampleSlip()).stay, diagnosis },
    });
    const { flat, pages } = await print(data, layout, `${layout}-long`);
    expect(pages).toBe(1);
    expect(flat).toContain('<b>欧阳</b>娜娜');
    expect(flat).toContain('慢性肾脏病3期');
  });
});
