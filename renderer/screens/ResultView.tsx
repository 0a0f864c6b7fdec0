/** The computed split with its trace, and a printed document with print/download (browser host). */
import { useRef } from 'react';
import type { SettlementResult } from '../../shared/engine/result.js';

export function ResultView({ result }: { result: SettlementResult }) {
  return (
    <div>
      <div className="cash">
        <span>个人现金支付</span>
        <strong data-testid="psn_cash_pay">{result.psn_cash_pay}</strong>
      </div>
      <table className="funds">
        <tbody>
          <tr>
            <th>医疗费总额</th>
            <td data-testid="medfee_sumamt">{result.medfee_sumamt}</td>
          </tr>
          <tr>
            <th>政策范围内费用</th>
            <td data-testid="inscp_scp_amt">{result.inscp_scp_amt}</td>
          </tr>
          <tr>
            <th>实际支付起付线</th>
            <td data-testid="act_pay_dedc">{result.act_pay_dedc}</td>
          </tr>
          {result.fund_details.map((f) => (
            <tr key={f.layer}>
              <th>
                {f.name} <small>{f.field}</small>
              </th>
              <td data-testid={`fund-${f.layer}`}>{f.amount}</td>
            </tr>
          ))}
          <tr className="total">
            <th>基金支付合计</th>
            <td data-testid="fund_pay_sumamt">{result.fund_pay_sumamt}</td>
          </tr>
        </tbody>
      </table>
      {result.parts.some((p) => p.uses_sample_values) && <p className="sample">注意：本次计算使用了样例参数（非医保部门发布值），以医保部门下发的规则为准。</p>}
      <h2>计算过程</h2>
      <ol className="trace">
        {result.trace.map((t, i) => (
          <li key={i}>
            <span>{t.text}</span>
            {t.article && <em>{t.article}</em>}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A printed slip or report: in Electron it went to the printer; in the browser it is shown with print and download. */
export function SlipView({ slip }: { slip: { html_url: string | null; pdf_url: string | null; kind?: string; reprint?: number } }) {
  const frame = useRef<HTMLIFrameElement>(null);
  if (!slip.html_url) return <p className="settled">已发送到打印机{slip.kind === 'reprint' ? `（补打第 ${slip.reprint} 次）` : ''}，PDF 已存档</p>;
  return (
    <div className="slip">
      <div className="actions">
        <span>{slip.kind === 'reprint' ? `补打第 ${slip.reprint} 次` : '结算单'}（PDF 已存档）</span>
        <button type="button" onClick={() => frame.current?.contentWindow?.print()}>
          打印…
        </button>
        {slip.pdf_url && (
          <a className="button" href={slip.pdf_url} download data-testid="pdf-link">
            下载 PDF
          </a>
        )}
      </div>
      <iframe ref={frame} title="结算单" src={slip.html_url} data-testid="slip-frame" />
    </div>
  );
}
