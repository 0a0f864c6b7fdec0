/** Settlement history: search, open with its trace, reprint (补打), reverse (supervisor, reason required). */
import { useState } from 'react';
import type { AppStatus, PrintedSlipInfo } from '../../shared/ipc/contract.js';
import type { SettlementResult } from '../../shared/engine/result.js';
import type { SettlementRecord } from '../../shared/store/records.js';
import { ErrorBox, Field, bind, moveOnEnter, useCall } from '../ui.js';
import { ResultView, SlipView } from './ResultView.js';

const STATUS: Record<string, string> = { settled: '已结算', reversed: '已撤销', reversal: '冲销单' };

export function HistoryScreen({ status }: { status: AppStatus }) {
  const { call, error, busy } = useCall();
  const [q, setQ] = useState({ number: '', id_number: '', from: status.today, to: status.today, status: '' });
  const [rows, setRows] = useState<SettlementRecord[] | null>(null);
  const [open, setOpen] = useState<{ record: SettlementRecord; result: SettlementResult } | null>(null);
  const [reason, setReason] = useState('');
  const [slip, setSlip] = useState<PrintedSlipInfo | null>(null);

  const search = async () => {
    const query = {
      ...(q.number.trim() ? { number: q.number.trim() } : {}),
      ...(q.id_number.trim() ? { id_number: q.id_number.trim() } : {}),
      ...(q.number.trim() || q.id_number.trim() ? {} : { from: q.from || undefined, to: q.to || undefined }),
      ...(q.status ? { status: q.status as 'settled' } : {}),
    };
    const r = await call('history.search', query);
    if (r) setRows(r);
  };
  const show = async (number: string) => {
    const r = await call('settlement.get', { number });
    if (r) {
      setOpen(r);
      setSlip(null);
      setReason('');
    }
  };
  const reprint = async () => {
    if (!open) return;
    const r = await call('slip.print', { number: open.record.number, layout: 'a5' });
    if (r) setSlip(r);
  };
  const reverse = async () => {
    if (!open) return;
    const r = await call('settlement.reverse', { number: open.record.number, reason });
    if (r) {
      window.dispatchEvent(new Event('desk:changed'));
      await show(r.number);
      await search();
    }
  };

  return (
    <div className="columns">
      <section className="form" onKeyDown={moveOnEnter} aria-label="查询条件">
        <fieldset>
          <legend>查询</legend>
          <Field label="结算单号">
            <input {...bind(error, 'number')} value={q.number} onChange={(e) => setQ({ ...q, number: e.target.value })} />
          </Field>
          <Field label="身份证号">
            <input {...bind(error, 'id_number')} value={q.id_number} onChange={(e) => setQ({ ...q, id_number: e.target.value })} />
          </Field>
          <Field label="起始日期">
            <input type="date" {...bind(error, 'from')} value={q.from} onChange={(e) => setQ({ ...q, from: e.target.value })} />
          </Field>
          <Field label="截止日期">
            <input type="date" {...bind(error, 'to')} value={q.to} onChange={(e) => setQ({ ...q, to: e.target.value })} />
          </Field>
          <Field label="状态">
            <select value={q.status} onChange={(e) => setQ({ ...q, status: e.target.value })}>
              <option value="">全部</option>
              <option value="settled">已结算</option>
              <option value="reversed">已撤销</option>
              <option value="reversal">冲销单</option>
            </select>
          </Field>
          <button type="button" className="default" disabled={busy} onClick={() => void search()}>
            查询
          </button>
        </fieldset>
        {rows && (
          <table className="list" data-testid="history">
            <thead>
              <tr>
                <th>单号</th>
                <th>姓名</th>
                <th className="amt">现金</th>
                <th>状态</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.number} onClick={() => void show(r.number)} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && void show(r.number)}>
                  <td>{r.number}</td>
                  <td>{r.person_name}</td>
                  <td className="amt">{r.psn_cash_pay}</td>
                  <td>
                    {STATUS[r.status]}
                    {r.offline && ' · 脱机'}
                  </td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={4}>没有符合条件的结算</td>
                </tr>
              )}
            </tbody>
          </table>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label="结算详情">
        {open ? (
          <>
            <h2 data-testid="open-number">
              {open.record.number} · {STATUS[open.record.status]}
              {open.record.reverses && ` · 冲销 ${open.record.reverses}`}
            </h2>
            <p className="muted">
              {open.record.person_name} {open.record.id_masked} · 收费员 {open.record.operator_code} · 补打 {open.record.reprints} 次{open.record.reason && ` · 原因：${open.record.reason}`}
            </p>
            <div className="actions">
              <button type="button" onClick={() => void reprint()} disabled={busy}>
                {open.record.kind === 'reversal' ? '打印冲销单' : '补打结算单'}
              </button>
              {open.record.status === 'settled' && (
                <span className="reverse">
                  <input aria-label="撤销原因" data-field="reason" placeholder="撤销原因（必填）" value={reason} onChange={(e) => setReason(e.target.value)} />
                  <button type="button" className="danger" onClick={() => void reverse()} disabled={busy}>
                    撤销结算（主管）
                  </button>
                </span>
              )}
            </div>
            {slip && <SlipView slip={slip} />}
            <ResultView result={open.result} />
          </>
        ) : (
          <p className="hint">选择一笔结算查看计算过程、补打或撤销</p>
        )}
      </section>
    </div>
  );
}
