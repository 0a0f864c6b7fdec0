/**
 * The services behind the contract, for one data folder: the store, the slip
 * printer, and the operator sessions of the windows that call them. Used by
 * the Electron main process and by the browser host alike.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../node/config.js';
import type { PrinterInfo } from '../../shared/settings.js';
import { backupFolder, settingsHandlers, type LiveConfig } from './settings-handlers.js';
import { DeskError } from '../../shared/errors.js';
import { SCHEME_IDS, layerPeriod } from '../../shared/rules/schema.js';
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';
import type { OperatorInfo } from '../../shared/store/records.js';
import { openDatabase } from './store/db.js';
import type { KeyProvider } from '../node/keys.js';
import { businessDate, systemClock, type Clock } from './store/clock.js';
import { DeskService, type Session } from './store/service.js';
import { SlipService } from './slips/slip-service.js';
import type { SlipPrinter } from '../node/printer.js';
import type { CallContext, Handlers } from '../node/dispatch.js';
import { SyncWorker } from './sync/worker.js';
import type { SyncConfig } from '../node/sync-config.js';
import type { SyncStatusView } from '../../shared/ipc/contract.js';
import { yearOf } from '../../shared/dates.js';

type PublishedUrls = { html_url: string; pdf_url: string };

export interface DeskAppOptions {
  dataDir: string;
  keys: KeyProvider;
  printer: SlipPrinter;
  clock?: Clock;
  /** Publishes a printed document for the window to show and download (browser host); null where it was printed directly. */
  publish?: (html: string, pdf: Buffer) => Promise<PublishedUrls | null> | PublishedUrls | null;
  /** Overrides the insurer settings of config.json (tests: the reference service on 127.0.0.1). */
  sync?: Partial<SyncConfig> & Pick<SyncConfig, 'url' | 'secret' | 'pinnedKeysSpkiBase64'>;
  /** Why the data folder is not the per-machine one (shown on the settings screen). */
  dataFolderNote?: string | null;
  /** The system's printers (Electron); absent in the browser host, which prints through the browser's dialog. */
  listPrinters?: () => Promise<PrinterInfo[]>;
}

export interface DeskApp {
  handlers: Handlers;
  service: DeskService;
  slips: SlipService;
  sync: SyncWorker | null;
  /** Where backups go now (the settings screen may change it while running). */
  backupFolder(): string;
  close(): Promise<void>;
}

export function openDeskApp(options: DeskAppOptions): DeskApp {
  mkdirSync(options.dataDir, { recursive: true });
  const config = loadConfig(options.dataDir);
  const clock = options.clock ?? systemClock;
  const service = new DeskService({
    db: openDatabase(join(options.dataDir, 'desk.sqlite')),
    keys: options.keys,
    dataDir: options.dataDir,
    terminal: config.terminal,
    clock,
  });
  const slips = new SlipService(service, options.keys, options.dataDir, options.printer, clock);
  const live: LiveConfig = { started: config, current: config };
  const sessions = new Map<string, { session: Session; lastSeen: number }>();
  const publish = options.publish ?? (() => null);
  const insurer =
    options.sync ??
    (config.insurer
      ? {
          url: config.insurer.url,
          secret: config.insurer.secret,
          pinnedKeysSpkiBase64: config.insurer.pinned_keys_spki_base64,
          intervalMs: config.insurer.interval_seconds * 1000,
        }
      : null);
  const sync = insurer
    ? new SyncWorker(service, {
        terminal_code: config.terminal.code,
        hospital_code: config.terminal.hospital_code,
        ...insurer,
      })
    : null;
  sync?.start();
  const online = () => sync?.status().online ?? false;
  const syncView = (): SyncStatusView => {
    if (!sync)
      return {
        configured: false,
        online: false,
        running: false,
        queued: service.queueCounts().queued,
        held: 0,
        last_success_at: null,
        last_error: null,
        next_attempt_at: null,
        work: [],
        rule_refusals: [],
      };
    const st = sync.status();
    return {
      configured: true,
      online: st.online,
      running: st.running,
      queued: st.queued,
      held: st.held,
      last_success_at: st.last_success_at,
      last_error: st.last_error,
      next_attempt_at: st.next_attempt_at,
      work: st.work,
      rule_refusals: st.rule_refusals,
    };
  };

  const info = (s: Session): OperatorInfo => ({ code: s.code, name: s.name, role: s.role });

  /** The caller's operator; locked after inactivity (the window then asks for the PIN again). */
  function current(ctx: CallContext, touch = true): Session {
    const entry = sessions.get(ctx.clientId);
    const now = clock.now().getTime();
    if (!entry) throw new DeskError('unauthenticated', '', '请先登录', 'sign in first');
    const lockAfter = live.current.lock_after_minutes;
    if (now - entry.lastSeen > lockAfter * 60_000) {
      sessions.delete(ctx.clientId);
      throw new DeskError(
        'unauthenticated',
        '',
        `超过 ${lockAfter} 分钟未操作，已锁定，请重新登录`,
        'locked after inactivity: sign in again',
      );
    }
    if (touch) entry.lastSeen = now;
    return entry.session;
  }

  const signIn = (ctx: CallContext, s: Session) => {
    sessions.set(ctx.clientId, { session: s, lastSeen: clock.now().getTime() });
    return info(s);
  };

  const handlers: Handlers = {
    ...settingsHandlers({
      dataDir: options.dataDir,
      dataFolderNote: options.dataFolderNote ?? null,
      service,
      live,
      current,
      ...(options.listPrinters ? { listPrinters: options.listPrinters } : {}),
    }),
    'app.status': (_req, ctx) => {
      let operator: OperatorInfo | null = null;
      try {
        operator = info(current(ctx, false));
      } catch {
        operator = null;
      }
      return {
        terminal: config.terminal,
        operator,
        needs_first_operator: service.needsFirstOperator(),
        online: online(),
        queue: service.queueCounts(),
        today: businessDate(clock.now()),
      };
    },
    'auth.setup': (req, ctx) => {
      if (!service.needsFirstOperator())
        throw new DeskError('forbidden', '', '已有操作员，请用主管账号添加', 'operators exist: a supervisor adds more');
      service.createOperator(null, { ...req, role: 'supervisor' });
      return signIn(ctx, service.login({ code: req.code, pin: req.pin }));
    },
    'auth.login': (req, ctx) => signIn(ctx, service.login(req)),
    'auth.logout': (_req, ctx) => {
      sessions.delete(ctx.clientId);
      return null;
    },
    'rules.list': (_req, ctx) => {
      current(ctx);
      const installed = service.rules.list();
      const set = service.rules.ruleSet();
      return installed.map((row): RuleVersionSummary => {
        const pkg = set.versions(row.region).find((p) => p.version === row.version)!;
        return {
          region: row.region,
          region_name: row.region_name,
          region_name_en: pkg.region.name_en ?? null,
          version: row.version,
          effective_from: row.effective_from,
          effective_to: row.effective_to,
          source: `${pkg.source.title}（${pkg.source.document}）`,
          origin: row.source,
          signature: row.signature,
          installed_at: row.installed_at,
          schemes: SCHEME_IDS.filter((s) => pkg.schemes[s] !== undefined),
          layers: pkg.layers.map((l) => {
            const period = layerPeriod(pkg, l);
            return {
              id: l.id,
              name: l.name,
              field: l.fund.field,
              schemes: l.schemes,
              enrolment: l.eligibility?.requires === 'enrolment' ? l.eligibility.condition : null,
              effective_from: period.from,
              effective_to: period.to,
            };
          }),
          uses_sample_values: row.uses_sample_values,
        };
      });
    },
    'person.find': async (req, ctx) => {
      const s = current(ctx);
      // Online, the insurer's snapshot (status, enrolment, accumulators) comes first; offline, what the store has.
      if (sync && online()) {
        try {
          await sync.fetchPerson(s, req.id_number, [yearOf(businessDate(clock.now()))]);
        } catch (e) {
          if (e instanceof DeskError && (e.body.code === 'invalid_field' || e.body.code === 'forbidden')) throw e;
        }
      }
      const found = service.findPersonByIdNumber(s, req.id_number);
      return found ? service.personSummary(s, found.person_id) : null;
    },
    'person.record': (req, ctx) => {
      const s = current(ctx);
      return service.personSummary(s, service.recordPerson(s, req).person_id);
    },
    'settlement.preview': (req, ctx) => service.preview(current(ctx), req),
    'settlement.settle': (req, ctx) => {
      const { number, result } = service.settle(current(ctx), { ...req, offline: !online() });
      return { number, result };
    },
    'settlement.get': (req, ctx) => {
      const s = current(ctx);
      service.assertCan(s, 'history.search');
      const record = service.record(req.number);
      return { record, result: service.result(s, record.kind === 'reversal' ? record.reverses! : record.number) };
    },
    'settlement.reverse': (req, ctx) => ({ number: service.reverse(current(ctx), req).number }),
    'slip.print': async (req, ctx) => {
      const printed = await slips.print(current(ctx), req.number, req.layout);
      const urls = await publish(printed.html, printed.pdf);
      return {
        kind: printed.kind,
        reprint: printed.reprint,
        pdf_sha256: printed.pdf_sha256,
        html_url: urls?.html_url ?? null,
        pdf_url: urls?.pdf_url ?? null,
      };
    },
    'history.search': (req, ctx) => service.history(current(ctx), req),
    'claim.create': (req, ctx) => {
      const c = service.createManualClaim(current(ctx), req);
      return { number: c.number, expected_reimbursement: c.expected_reimbursement, result: c.result };
    },
    'claim.submit': (req, ctx) => service.submitManualClaim(current(ctx), req.number),
    'day.totals': (req, ctx) => {
      const day = service.operatorDay(current(ctx), req);
      return {
        business_date: day.business_date,
        settlements: day.settlements,
        reversals: day.reversals,
        offline: day.offline,
        medfee_sumamt: day.medfee_sumamt,
        fund_pay_sumamt: day.fund_pay_sumamt,
        psn_cash_pay: day.psn_cash_pay,
        funds: day.funds,
        closed: day.closed,
      };
    },
    'day.close': (req, ctx) => service.closeDay(current(ctx), req),
    'sync.status': (_req, ctx) => {
      current(ctx);
      return syncView();
    },
    'sync.now': async (_req, ctx) => {
      current(ctx);
      if (sync) await sync.syncNow({ rules: true });
      return syncView();
    },
    'sync.resolve': (req, ctx) => {
      if (!sync) throw new DeskError('not_found', '', '未配置医保连接', 'no insurer configured');
      sync.resolveAdjustment(current(ctx), req.adjustment_id, req.note);
      return syncView();
    },
    'sync.release': (req, ctx) => {
      if (!sync) throw new DeskError('not_found', '', '未配置医保连接', 'no insurer configured');
      sync.releaseHeld(current(ctx), req.outbox_id);
      return syncView();
    },
    'sync.reconcile': async (req, ctx) => {
      if (!sync) throw new DeskError('not_found', '', '未配置医保连接，无法对账', 'no insurer configured');
      const r = await sync.reconcile(current(ctx), req.business_date);
      return { business_date: r.business_date, result: r.result, differences: r.differences, records: r.records };
    },
    'day.report': async (req, ctx) => {
      const report = await slips.printDayReport(current(ctx), req.operator_code, req.business_date, req.layout);
      const urls = await publish(report.html, report.pdf);
      return { pdf_sha256: report.pdf_sha256, html_url: urls?.html_url ?? null, pdf_url: urls?.pdf_url ?? null };
    },
  };

  return {
    handlers,
    service,
    slips,
    sync,
    backupFolder: () => backupFolder(options.dataDir, live.current),
    close: async () => {
      await sync?.stop();
      await options.printer.close();
      service.db.close();
    },
  };
}
