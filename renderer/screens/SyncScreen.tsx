/**
 * Queue and sync: online or offline, what waits to go up, the last successful
 * sync, and the items that need a person — rejected claims, and adjusted ones
 * whose difference (多退少补) stays open until a supervisor resolves it.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatusView } from '../../shared/ipc/contract.js';
import { ErrorBox, useCall } from '../ui.js';
import { useAppStatus } from '../app-status.js';

/** An instant in China Standard Time, as the window shows times (in both languages: dates are not translated). */
const cst = (iso: string) => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

export function SyncScreen() {
  const { t } = useTranslation();
  const { refresh } = useAppStatus();
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
    // The status bar's online/offline and queue change with a sync.
    void refresh();
  };
  const resolve = async (id: number) => {
    const r = await call('sync.resolve', { adjustment_id: id, note: notes[id] ?? '' });
    if (r) setSync(r);
  };

  if (!sync) return <p className="hint wide-screen">{t('sync.loading')}</p>;
  return (
    <div className="columns">
      <section className="form" aria-label={t('sync.label')}>
        <fieldset>
          <legend>{t('sync.title')}</legend>
          {!sync.configured && <p className="sample">{t('sync.notConfigured')}</p>}
          <p data-testid="sync-online" className={sync.online ? 'online-text' : 'offline-text'}>
            {sync.online ? t('common.online') : t('common.offline')}
            {sync.running && t('sync.running')}
          </p>
          <p data-testid="sync-queued">
            {t('sync.queued', { count: sync.queued })}
            {sync.held ? t('sync.held', { count: sync.held }) : ''}
          </p>
          <p className="muted">
            {t('sync.lastSuccess', { time: sync.last_success_at ? cst(sync.last_success_at) : t('common.none') })}
          </p>
          {/* The last error and the refusal reasons come from the sync service in Chinese only. */}
          {sync.last_error && <p className="muted">{t('sync.lastError', { error: sync.last_error })}</p>}
          <button type="button" className="default" disabled={busy || !sync.configured} onClick={() => void now()}>
            {busy ? t('sync.syncing') : t('sync.now')}
          </button>
        </fieldset>
        {sync.rule_refusals.length > 0 && (
          <fieldset>
            <legend>{t('sync.refusals')}</legend>
            {sync.rule_refusals.map((r) => (
              <p key={`${r.region}-${r.version}`}>
                {t('sync.refusal', { region: r.region, version: r.version, reason: r.reason })}
              </p>
            ))}
          </fieldset>
        )}
        <ErrorBox error={error} />
      </section>
      <section className="result" aria-label={t('sync.workLabel')}>
        <h2>{t('sync.workTitle')}</h2>
        {sync.work.length === 0 ? (
          <p className="hint">{t('sync.noWork')}</p>
        ) : (
          <table className="list" data-testid="work">
            <thead>
              <tr>
                <th>{t('common.number')}</th>
                <th>{t('sync.type')}</th>
                <th>{t('common.status')}</th>
                <th>{t('sync.message')}</th>
                <th className="amt">{t('sync.fundDifference')}</th>
                <th className="amt">{t('sync.cashDifference')}</th>
                <th>{t('sync.action')}</th>
              </tr>
            </thead>
            <tbody>
              {sync.work.map((w) => (
                <tr key={w.outbox_id}>
                  <td>{w.number}</td>
                  <td>{t(`sync.kind.${w.kind}`)}</td>
                  <td>{t(`sync.status.${w.status}`)}</td>
                  <td>{w.message}</td>
                  <td className="amt">{w.fund_pay_difference ?? ''}</td>
                  <td className="amt">{w.psn_cash_difference ?? ''}</td>
                  <td>
                    {w.adjustment_id !== undefined && (
                      <span className="reverse">
                        <input
                          aria-label={t('sync.note')}
                          placeholder={t('sync.notePlaceholder')}
                          value={notes[w.adjustment_id] ?? ''}
                          onChange={(e) => setNotes({ ...notes, [w.adjustment_id!]: e.target.value })}
                        />
                        <button type="button" onClick={() => void resolve(w.adjustment_id!)}>
                          {t('sync.resolve')}
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
