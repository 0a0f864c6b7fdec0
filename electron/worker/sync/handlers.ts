/** The sync screen's calls: status, sync now, resolve an adjustment, release a held row, reconcile a day. */
import { DeskError } from '../../../shared/errors.js';
import type { SyncStatusView } from '../../../shared/ipc/contract.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { notConfigured } from './state.js';
import type { SyncAgent } from './agent.js';

export function syncHandlers({
  service,
  sessions,
  sync,
}: AppContext): Pick<Handlers, 'sync.status' | 'sync.now' | 'sync.resolve' | 'sync.release' | 'sync.reconcile'> {
  const view = (): SyncStatusView => sync?.status() ?? notConfigured(service.outbox.counts());
  const configured = (why = '未配置医保连接'): SyncAgent => {
    if (!sync) throw new DeskError('not_found', '', why, 'no insurer configured');
    return sync;
  };
  return {
    'sync.status': (_req, ctx) => {
      sessions.current(ctx);
      return view();
    },
    'sync.now': async (_req, ctx) => {
      sessions.current(ctx);
      if (sync) await sync.syncNow({ rules: true });
      return view();
    },
    'sync.resolve': (req, ctx) => {
      configured().resolveAdjustment(sessions.current(ctx), req.adjustment_id, req.note);
      return view();
    },
    'sync.release': (req, ctx) => {
      configured().releaseHeld(sessions.current(ctx), req.outbox_id);
      return view();
    },
    'sync.reconcile': async (req, ctx) => {
      const {
        terminal: _terminal,
        insurer: _insurer,
        ...view
      } = await configured('未配置医保连接，无法对账').reconcile(sessions.current(ctx), req.business_date);
      return view;
    },
  };
}
