/** Day close (日结): an operator's totals per fund, counts, reversals, offline settlements; close and print the report. */
import { useEffect, useState } from 'react';
import type { AppStatus, ReconciliationView } from '../../shared/ipc/contract.js';
import type { DayTotals } from '../../shared/store/records.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall } from '../ui.js';
import { SlipView } from './ResultView.js';

export function DayScreen({ status }: { status: AppStatus }) {
  const { call, error, busy } = useCall();
  const [operator, setOperator] = useState(status.operator!.code);
  const [date, setDate] = useState(status.today);
  const [day, setDay] = useState<(DayTotals & { closed: boolean }) | null>(null);
  const [report, setReport] = useState<{ html_url: string | null; pdf_url: string | null } | null>(null);
  const [recon, setRecon] = useState<ReconciliationView | null>(null);

  const load = async () => {
    const r = await call('day.totals', { operator_code: operator, business_date: date });
    if (r) setDay(r);
  };
  useEffect(() => {
    void load();
  }, []);
  const close = async () => {
    const r = await call('day.close', { operator_code: operator, business_date: date });
    if (r) await load();
  };
  const reconcile = async () => {
    const r = await call('sync.reconcile', { business_date: date });
    if (r) setRecon(r);
  };
  const print = async () => {
    const r = await call('day.report', { operator_code: operator, business_date: date, layout: 'a5' });
    if (r) setReport(r);
  };

  return (
    <div className="columns">
      <section className="form" onKeyDown={moveOnEnter} aria-label="日结">
        <fieldset>
          <legend>日结</legend>
          <Field label="收费员工号">
            <input {...bind(error, 'operator_code')} value={operator} onChange={(e) => setOperator(e.target.value)} />
          </Field>
          <Field label="业务日期">
            <input type="date" {...bind(error, 'business_date')} value={date} onChange={(e) => setDate(e.target.value)} />
          </Field>
          <button type="button" className="default" disabled={busy} onClick={() => void load()}>
            统计
          </button>
        </fieldset>
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label="日结结果">
        {day && (
          <>
            <h2 data-testid="day-state">
              {date} {operator} · {day.closed ? '已日结（只读）' : '未日结'}
            </h2>
            <table className="funds" data-testid="day-totals">
              <tbody>
                <tr>
                  <th>结算笔数</th>
                  <td>{day.settlements}</td>
                </tr>
                <tr>
                  <th>冲销笔数</th>
                  <td>{day.reversals}</td>
                </tr>
                <tr>
                  <th>脱机结算</th>
                  <td>{day.offline}</td>
                </tr>
                <tr>
                  <th>医疗费总额</th>
                  <td>{day.medfee_sumamt}</td>
                </tr>
                {Object.entries(day.funds).map(([layer, amount]) => (
                  <tr key={layer}>
                    <th>{layer === 'basic' ? '统筹基金' : layer}</th>
                    <td data-testid={`day-fund-${layer}`}>{amount}</td>
                  </tr>
                ))}
                <tr className="total">
                  <th>基金支付合计</th>
                  <td>{day.fund_pay_sumamt}</td>
                </tr>
                <tr className="total">
                  <th>个人现金合计</th>
                  <td data-testid="day-cash">{day.psn_cash_pay}</td>
                </tr>
              </tbody>
            </table>
            <div className="actions">
              {!day.closed && (
                <button type="button" className="danger" disabled={busy} onClick={() => void close()}>
                  日结（主管）
                </button>
              )}
              <button type="button" disabled={busy} onClick={() => void print()}>
                打印日结报表
              </button>
              <button type="button" disabled={busy} onClick={() => void reconcile()}>
                与医保对账（主管）
              </button>
            </div>
            {recon && (
              <div data-testid="reconciliation">
                <h2>{recon.result === 'balanced' ? `${recon.business_date} 对账平衡` : `${recon.business_date} 对账不平`}</h2>
                {recon.differences.length > 0 && (
                  <table className="list">
                    <thead>
                      <tr>
                        <th>项目</th>
                        <th className="amt">本机</th>
                        <th className="amt">医保</th>
                      </tr>
                    </thead>
                    <tbody>
                      {recon.differences.map((d) => (
                        <tr key={d.field}>
                          <td>{d.field}</td>
                          <td className="amt">{d.terminal}</td>
                          <td className="amt">{d.insurer}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {recon.records.map((r) => (
                  <p key={r.number}>
                    {r.number}：{r.problem}（本机 {r.terminal ?? '—'}，医保 {r.insurer ?? '—'}）
                  </p>
                ))}
              </div>
            )}
            {report && <SlipView slip={report} />}
          </>
        )}
      </section>
    </div>
  );
}
