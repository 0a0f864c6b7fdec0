/**
 * The services behind the contract, for one data folder: the store, the slip
 * printer, and the operator sessions of the windows that call them. Used by
 * the Electron main process and by the browser host alike.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DeskError } from '../../shared/errors.js';
import { SCHEME_IDS } from '../../shared/rules/schema.js';
import type { RuleVersionSummary } from '../../shared/ipc/contract.js';
import type { OperatorInfo } from '../../shared/store/records.js';
import { openDatabase } from '../store/db.js';
import type { KeyProvider } from '../store/keys.js';
import { businessDate, systemClock, type Clock } from '../store/clock.js';
import { DeskService, type Session } from '../store/service.js';
import { SlipService } from '../slips/slip-service.js';
import type { SlipPrinter } from '../slips/printer.js';
import type { CallContext, Handlers } from '../services/dispatch.js';

const terminalConfig = z.strictObject({
  terminal: z.strictObject({
    code: z.string().regex(/^[A-Z0-9]{2,12}$/),
    hospital_code: z.string().min(1).max(30),
    hospital_name: z.string().min(1).max(100),
  }),
  lock_after_minutes: z.number().int().min(1).max(240).default(15),
  /** Slip printing in the Electron app: printer name ('' = the default printer), its dpi, A5 or 80 mm, preview instead of silent printing. */
  printer: z
    .strictObject({ device_name: z.string().max(200).default(''), dpi: z.number().int().min(72).max(1200).default(203), layout: z.enum(['a5', 'receipt80']).default('a5'), preview: z.boolean().default(false) })
    .default({ device_name: '', dpi: 203, layout: 'a5', preview: false }),
});
export type TerminalConfig = z.output<typeof terminalConfig>;

const DEFAULT_CONFIG: TerminalConfig = {
  terminal: { code: 'T01', hospital_code: 'H000000000', hospital_name: '演示医院（请在设置中修改）' },
  lock_after_minutes: 15,
  printer: { device_name: '', dpi: 203, layout: 'a5', preview: false },
};

/** The terminal's settings file (data folder/config.json), validated; written with defaults on first start. */
export function loadConfig(dataDir: string): TerminalConfig {
  const path = join(dataDir, 'config.json');
  if (!existsSync(path)) {
    writeFileSync(path, `${JSON.stringify(DEFAULT_CONFIG, null, 2)}\n`);
    return DEFAULT_CONFIG;
  }
  const parsed = terminalConfig.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface DeskAppOptions {
  dataDir: string;
  keys: KeyProvider;
  printer: SlipPrinter;
  clock?: Clock;
  /** Publishes a printed document for the window to show and download (browser host); null where it was printed directly. */
  publish?: (html: string, pdf: Buffer) => { html_url: string; pdf_url: string } | null;
  /** Whether the link to the insurer is up (the sync worker answers this). */
  online?: () => boolean;
}

export interface DeskApp {
  handlers: Handlers;
  service: DeskService;
  slips: SlipService;
  close(): void;
}

export function openDeskApp(options: DeskAppOptions): DeskApp {
  mkdirSync(options.dataDir, { recursive: true });
  const config = loadConfig(options.dataDir);
  const clock = options.clock ?? systemClock;
  const service = new DeskService({ db: openDatabase(join(options.dataDir, 'desk.sqlite')), keys: options.keys, dataDir: options.dataDir, terminal: config.terminal, clock });
  const slips = new SlipService(service, options.keys, options.dataDir, options.printer, clock);
  const lockAfterMs = config.lock_after_minutes * 60_000;
  const sessions = new Map<string, { session: Session; lastSeen: number }>();
  const publish = options.publish ?? (() => null);

  const info = (s: Session): OperatorInfo => ({ code: s.code, name: s.name, role: s.role });

  /** The caller's operator; locked after inactivity (the window then asks for the PIN again). */
  function current(ctx: CallContext, touch = true): Session {
    const entry = sessions.get(ctx.clientId);
    const now = clock.now().getTime();
    if (!entry) throw new DeskError('unauthenticated', '', '请先登录', 'sign in first');
    if (now - entry.lastSeen > lockAfterMs) {
      sessions.delete(ctx.clientId);
      throw new DeskError('unauthenticated', '', `超过 ${config.lock_after_minutes} 分钟未操作，已锁定，请重新登录`, 'locked after inactivity: sign in again');
    }
    if (touch) entry.lastSeen = now;
    return entry.session;
  }

  const signIn = (ctx: CallContext, s: Session) => {
    sessions.set(ctx.clientId, { session: s, lastSeen: clock.now().getTime() });
    return info(s);
  };

  const handlers: Handlers = {
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
        online: options.online?.() ?? false,
        queue: service.queueCounts(),
        today: businessDate(clock.now()),
      };
    },
    'auth.setup': (req, ctx) => {
      if (!service.needsFirstOperator()) throw new DeskError('forbidden', '', '已有操作员，请用主管账号添加', 'operators exist: a supervisor adds more');
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
          version: row.version,
          effective_from: row.effective_from,
          effective_to: row.effective_to,
          source: `${pkg.source.title}（${pkg.source.document}）`,
          origin: row.source,
          signature: row.signature,
          installed_at: row.installed_at,
          schemes: SCHEME_IDS.filter((s) => pkg.schemes[s] !== undefined),
          layers: pkg.layers.map((l) => ({ id: l.id, name: l.name, field: l.fund.field, schemes: l.schemes, enrolment: l.eligibility?.requires === 'enrolment' ? l.eligibility.condition : null })),
          uses_sample_values: row.uses_sample_values,
        };
      });
    },
    'person.find': (req, ctx) => {
      const s = current(ctx);
      const found = service.findPersonByIdNumber(s, req.id_number);
      return found ? service.personSummary(s, found.person_id) : null;
    },
    'person.record': (req, ctx) => {
      const s = current(ctx);
      return service.personSummary(s, service.recordPerson(s, req).person_id);
    },
    'settlement.preview': (req, ctx) => service.preview(current(ctx), req),
    'settlement.settle': (req, ctx) => {
      const { number, result } = service.settle(current(ctx), { ...req, offline: !(options.online?.() ?? false) });
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
      const urls = publish(printed.html, printed.pdf);
      return { kind: printed.kind, reprint: printed.reprint, pdf_sha256: printed.pdf_sha256, html_url: urls?.html_url ?? null, pdf_url: urls?.pdf_url ?? null };
    },
    'history.search': (req, ctx) => service.history(current(ctx), req),
    'claim.create': (req, ctx) => {
      const c = service.createManualClaim(current(ctx), req);
      return { number: c.number, expected_reimbursement: c.expected_reimbursement, result: c.result };
    },
    'claim.submit': (req, ctx) => service.submitManualClaim(current(ctx), req.number),
    'day.totals': (req, ctx) => {
      const day = service.operatorDay(current(ctx), req);
      return { business_date: day.business_date, settlements: day.settlements, reversals: day.reversals, offline: day.offline, medfee_sumamt: day.medfee_sumamt, fund_pay_sumamt: day.fund_pay_sumamt, psn_cash_pay: day.psn_cash_pay, funds: day.funds, closed: day.closed };
    },
    'day.close': (req, ctx) => service.closeDay(current(ctx), req),
    'day.report': async (req, ctx) => {
      const report = await slips.printDayReport(current(ctx), req.operator_code, req.business_date, req.layout);
      const urls = publish(report.html, report.pdf);
      return { pdf_sha256: report.pdf_sha256, html_url: urls?.html_url ?? null, pdf_url: urls?.pdf_url ?? null };
    },
  };

  return {
    handlers,
    service,
    slips,
    close: () => {
      void options.printer.close();
      service.db.close();
    },
  };
}
