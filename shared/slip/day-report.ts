/** The day report (日结报表): one operator's day, printed with the slip machinery; amounts with thousands separators. */
import { html } from './html.js';
import { capitalAmount } from './capital-amount.js';
import { groupedYuan as yuan } from '../money.js';
import { localTime, type SlipLayout } from './slip.js';
import type { DayTotals } from '../store/records.js';

/** An operator's DayTotals (shared/store/records.ts), its funds named, with who, where and when for the print. */
export interface DayReportData extends Omit<DayTotals, 'funds'> {
  hospital: { name: string; code: string };
  terminal: string;
  operator: { code: string; name: string };
  closed: { by: string; at: string } | null;
  printed_at: string;
  funds: { name: string; layer: string; amount: string }[];
}

const CSS: Record<SlipLayout, string> = {
  a5: '@page { size: 148mm 210mm; margin: 0; } body { width: 148mm; min-height: 210mm; padding: 9mm; font-size: 10pt; }',
  receipt80: '@page { size: 80mm auto; margin: 0; } body { width: 80mm; padding: 3mm 4mm; font-size: 8.5pt; }',
};

export function renderDayReport(d: DayReportData, layout: SlipLayout): string {
  const body = html` <div class="hospital">${d.hospital.name}（${d.hospital.code}）</div>
    <h1>收费员日结报表</h1>
    ${d.closed ? '' : html`<div class="mark">未日结（预览）</div>`}
    <p>终端 ${d.terminal}　收费员 ${d.operator.name}（${d.operator.code}）</p>
    <p>业务日期 ${d.business_date}</p>
    <table>
      <tr>
        <th>结算笔数</th>
        <td class="amt">${d.settlements}</td>
      </tr>
      <tr>
        <th>冲销笔数</th>
        <td class="amt">${d.reversals}</td>
      </tr>
      <tr>
        <th>其中脱机结算</th>
        <td class="amt">${d.offline}</td>
      </tr>
      <tr>
        <th>医疗费总额</th>
        <td class="amt">${yuan(d.medfee_sumamt)}</td>
      </tr>
      ${d.funds.map(
        (f) =>
          html`<tr>
            <th>${f.name}</th>
            <td class="amt">${yuan(f.amount)}</td>
          </tr>`,
      )}
      <tr>
        <th>基金支付合计</th>
        <td class="amt">${yuan(d.fund_pay_sumamt)}</td>
      </tr>
      <tr>
        <th>个人现金合计</th>
        <td class="amt">${yuan(d.psn_cash_pay)}</td>
      </tr>
    </table>
    <p>现金大写：${capitalAmount(d.psn_cash_pay)}</p>
    ${d.closed ? html`<p>日结：${d.closed.by}　${localTime(d.closed.at)}</p>` : ''}
    <p>打印时间：${localTime(d.printed_at)}</p>
    <div class="signatures"><span>收费员：</span><span>主管：</span></div>`;
  const css = `* { box-sizing: border-box; margin: 0; padding: 0; } body { font-family: 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', sans-serif; line-height: 1.5; }
    h1 { text-align: center; font-size: 1.3em; margin: 1mm 0 2mm; } .hospital { text-align: center; font-weight: 600; overflow-wrap: anywhere; }
    .mark { text-align: center; font-weight: 700; border: 1.5px solid #000; width: fit-content; margin: 0 auto 2mm; padding: 0.5mm 2mm; }
    table { width: 100%; border-collapse: collapse; margin: 2mm 0; table-layout: fixed; } th, td { border: 0.5px solid #000; padding: 0.8mm 1.5mm; overflow-wrap: anywhere; }
    th { text-align: left; font-weight: 600; } td.amt { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    p { overflow-wrap: anywhere; } .signatures { display: flex; gap: 6mm; margin-top: 5mm; } .signatures span { flex: 1; padding-bottom: 5mm; border-bottom: 0.5px solid #000; }
    ${CSS[layout]}`;
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>日结报表</title><style>${css}</style></head><body>${body.markup}</body></html>`;
}
