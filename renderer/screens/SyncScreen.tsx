/**
 * Queue and sync: online or offline, what waits to go up, the last successful
 * sync, and the items that need a person — rejected claims, and adjusted ones
 * whose difference (多退少补) stays open until a supervisor resolves it.
 */
import { useEffect, useState } from 'react';
import type { SyncStatusView } from '../../shared/ipc/contract.js';
import { ErrorBox, useCall } from '../ui.js';

/** An instant in China Standard Time, as the window shows times. */
const cst = (iso: string) => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

const KIND: Record<string, string> = { settlement: '结算', reversal: '冲销', manual_claim: '手工报销' };
const STATUS: Record<string, string> = { rejected: '被拒绝', adjusted: '医保调整', held: '搁置' };

export function SyncScreen() {
  const { call, error, busy } = useCall();
  const [sync, setSync] = useState<SyncStatusView | null>(null);
  const [notes, setNotes] = useState<Record<number, string>>({});

  useEffect(() => {
    void call('sync.status', {}).then((r) => r && setSync(r));
    const timer = setInterval(() => void call('sync.status', {}).then((r) => r && setSync(r)), 5_000);
    return () => clearInterval(timer);
  }, [call]);

  const now = async () => {
    const r = await call('sync.now', {});
    if (r) setSync(r);
    window.dispatchEvent(new Event('desk:changed'));
  };
  const resolve = async (id: number) => {
    const r = await call('sync.resolve', { adjustment_id: id, note: notes[id] ?? '' });
    if (r) setSync(r);
  };

  if (!sync) return <p className="hint wide-screen">读取同步状态…</p>;
  return (
    <div className="columns">
      <section className="form" aria-label="同步">
        <fieldset>
          <legend>与医保部门同步</legend>
          {!sync.configured && <p className="sample">未配置医保连接（config.json 的 insurer），结算均为脱机结算并在队列中等待。</p>}
          <p data-testid="sync-online" className={sync.online ? 'online-text' : 'offline-text'}>
            {sync.online ? '● 在线' : '● 离线'}
            {sync.running && ' · 同步中…'}
          </p>
          <p data-testid="sync-queued">待上传 {sync.queued} 条{sync.held ? ` · 搁置 ${sync.held} 条` : ''}</p>
          <p className="muted">上次成功同步：{sync.last_success_at ? cst(sync.last_success_at) : '—'}</p>
          {sync.last_error && <p className="muted">最近错误：{sync.last_error}</p>}
          <button type="button" className="default" disabled={busy || !sync.configured} onClick={() => void now()}>
            {busy ? '同步中…' : '立即同步'}
          </button>
        </fieldset>
        {sync.rule_refusals.length > 0 && (
          <fieldset>
            <legend>未安装的规则包</legend>
            {sync.rule_refusals.map((r) => (
              <p key={`${r.region}-${r.version}`}>
                {r.region} {r.version}：{r.reason}
              </p>
            ))}
          </fieldset>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label="待处理">
        <h2>需要处理的事项</h2>
        {sync.work.length === 0 ? (
          <p className="hint">没有被拒绝或被调整的记录</p>
        ) : (
          <table className="list" data-testid="work">
            <thead>
              <tr>
                <th>单号</th>
                <th>类型</th>
                <th>状态</th>
                <th>说明</th>
                <th className="amt">基金差额</th>
                <th className="amt">个人差额</th>
                <th>处理</th>
              </tr>
            </thead>
            <tbody>
              {sync.work.map((w) => (
                <tr key={w.outbox_id}>
                  <td>{w.number}</td>
                  <td>{KIND[w.kind]}</td>
                  <td>{STATUS[w.status]}</td>
                  <td>{w.message}</td>
                  <td className="amt">{w.fund_pay_difference ?? ''}</td>
                  <td className="amt">{w.psn_cash_difference ?? ''}</td>
                  <td>
                    {w.adjustment_id !== undefined && (
                      <span className="reverse">
                        <input aria-label="处理说明" placeholder="多退少补说明" value={notes[w.adjustment_id] ?? ''} onChange={(e) => setNotes({ ...notes, [w.adjustment_id!]: e.target.value })} />
                        <button type="button" onClick={() => void resolve(w.adjustment_id!)}>
                          已处理（主管）
                        </button>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
