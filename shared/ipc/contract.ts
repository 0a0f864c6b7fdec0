/**
 * The one typed contract between the window and the services: every call the
 * UI can make, with its request schema and response type. The Electron preload
 * exposes exactly these channels; the browser host serves the same ones over
 * loopback HTTP; both validate every request against the schema here, once,
 * before the services see it, and the services take the validated types.
 */
import { z } from 'zod';
import type { ErrorBody } from '../errors.js';
import type { SettlementResult } from '../engine/result.js';
import type { FundField, SchemeId } from '../rules/schema.js';
import {
  closeDayInput,
  historyQuery,
  manualClaimInput,
  recordPersonInput,
  reverseInput,
  billInput,
  windowSettleInput,
} from '../store/inputs.js';
import type { DayTotals, OperatorInfo, PersonSummary, QueueCounts, SettlementRecord } from '../store/records.js';
import { createOperatorInput, type RecordPersonInput } from '../store/inputs.js';
import { settingsInput, type OperatorListItem, type PrinterList, type SettingsView } from '../settings.js';

/** A channel: its request schema, and its response type carried as a phantom. */
interface Channel<Req extends z.ZodType, Res> {
  request: Req;
  response?: Res;
}
const channel =
  <Res>() =>
  <Req extends z.ZodType>(request: Req): Channel<Req, Res> => ({ request });

export interface RuleLayerSummary {
  id: string;
  name: string;
  field: FundField;
  schemes: SchemeId[];
  /** Condition text when the layer requires enrolment (shown next to the enrolment box), else null. */
  enrolment: string | null;
  /** The layer's own period (the package's where it states none): domain.md §3, corrected 2026-11-30. */
  effective_from: string;
  effective_to: string | null;
}

export interface RuleVersionSummary {
  region: string;
  region_name: string;
  /** From the package, for the English window; null when the package has none. */
  region_name_en: string | null;
  version: string;
  effective_from: string;
  effective_to: string | null;
  source: string;
  origin: 'bundled' | 'insurer';
  signature: 'bundled' | 'verified';
  installed_at: string;
  schemes: SchemeId[];
  layers: RuleLayerSummary[];
  uses_sample_values: boolean;
}

export interface AppStatus {
  terminal: { code: string; hospital_code: string; hospital_name: string };
  /** Which insurer interface the terminal speaks: our own protocol, the national NHSA interface (F5 also presettles there: 2303), or none. */
  protocol: 'desk' | 'nhsa' | null;
  operator: OperatorInfo | null;
  /**
   * Who the inactivity lock signed out at this window, until someone signs in or out there; null when nobody was,
   * or the services no longer know (they restarted): the sign-in card then says the session ended, not "locked".
   */
  locked_operator: OperatorInfo | null;
  needs_first_operator: boolean;
  online: boolean;
  queue: QueueCounts;
  today: string;
  storage: StorageStatus;
  /** The store's keyed chain (electron/worker/store/chain.ts): null before the first check. */
  integrity: IntegrityStatus | null;
}

/**
 * The last verification of the store's keyed chain: at start (from the last checkpoint), in full before each
 * backup and at day close. A failure stays until a check passes; while it stands the window refuses to settle,
 * reverse, claim or close the day, and the status bar shows the message (the first bad entry, what to do).
 */
export type IntegrityStatus =
  | { ok: true; checked_at: string; kind: 'start' | 'full'; head: number }
  | {
      ok: false;
      checked_at: string;
      kind: 'start' | 'full';
      head: number;
      problem:
        | 'edited'
        | 'removed'
        | 'not_chained'
        | 'chain_broken'
        | 'chain_truncated'
        | 'schema_changed'
        | 'chain_unverifiable';
      table: string | null;
      row_id: number | null;
      seq: number | null;
      message: string;
      message_en: string;
    };

/**
 * The data folder's disk and the backups, for the status bar and the settings screen (electron/worker/storage.ts):
 * free space measured at start, before each settlement and slip print and at most a minute apart otherwise; a
 * failed backup stays shown until a backup succeeds.
 */
export interface StorageStatus {
  /** Free bytes for the app on the data folder's file system; null when it cannot be measured. */
  free_bytes: number | null;
  /** The warning threshold (200 MB unless the app was started with another). */
  low_space_bytes: number;
  low_space: boolean;
  backup: BackupStatus;
}

export interface BackupStatus {
  /** The last backup that succeeded (daily or on demand), and its file. */
  last_ok_at: string | null;
  last_ok_file: string | null;
  /** The last failure after it (null once a backup succeeds again), with the reason in both languages. */
  failed_at: string | null;
  failure: string | null;
  failure_en: string | null;
}

export interface PrintedSlipInfo {
  kind: 'original' | 'reprint' | 'reversal';
  reprint: number;
  pdf_sha256: string;
  /** Where the window fetches the slip to show or download it (browser host); null in Electron, which printed it. */
  html_url: string | null;
  pdf_url: string | null;
}

/**
 * The NHSA platform's split beside the terminal's (docs/nhsa.md §7.6): one row per fund (the package's layer,
 * or `fund_<code>` for a fund_pay_type no package knows), then the fund total and the patient's cash.
 */
export interface PlatformRow {
  /** cost: the bill's split (医疗费总额, 全自费, 超限价, 先行自付, 政策范围内); fund: one fund; total: 基金支付合计 or 个人现金支付. */
  kind: 'cost' | 'fund' | 'total';
  key: string;
  name: string;
  terminal: string;
  platform: string;
  /** platform − terminal; "0.00" when they agree. */
  difference: string;
  /** Where the terminal's trace can say how it got its figure (the layer's steps), else null. */
  explanation: string | null;
}
export interface PlatformComparison {
  rows: PlatformRow[];
  differs: boolean;
}
/** F5 at an NHSA terminal online: 2303 预结算 of the bill, beside the local preview. */
export interface PlatformPreview extends PlatformComparison {
  mdtrt_id: string;
}
/** F8 at an NHSA terminal online: the platform's 2304 settlement of the record. */
export interface PlatformSettlement extends PlatformComparison {
  setl_id: string;
  /** Our 2304 msgid, which the platform keeps as 医药机构结算ID. */
  medins_setl_id: string;
}
/** What 1101 said of the person at lookup (NHSA terminal online), kept with the person. */
export interface NhsaPersonView {
  psn_no: string;
  insutype: string;
  insuplc_admdvs: string;
  /** 参保状态 psn_insu_stas: '1' 正常参保; anything else is shown to the cashier as a warning. */
  psn_insu_stas: string;
  queried_at: string;
}

/**
 * A person as the window shows them: the store's summary and, at an NHSA terminal, what 1101 last said.
 * accumulators: the year-to-date accumulators the next settlement would use (the latest snapshot's plus the ledger's
 * movements recorded since), for last year and this year (the years the record form shows, {} when there are none),
 * in person.record's own shape: the form updating a known person starts from them instead of saving zeros over them.
 * accumulators_as_of: the services' moment they were read (ISO); the form saves them as of it, so movements recorded
 * after the lookup count on top and the browser's clock plays no part.
 */
export type FoundPerson = PersonSummary & {
  nhsa: NhsaPersonView | null;
  accumulators: RecordPersonInput['accumulators'];
  accumulators_as_of: string;
};

/** One item of the outbox that needs a person (electron/worker/services/outbox.ts openWork). */
export interface SyncWorkItem {
  outbox_id: number;
  kind: 'settlement' | 'reversal' | 'manual_claim';
  number: string;
  status: 'rejected' | 'adjusted' | 'held';
  message: string;
  adjustment_id?: number;
  fund_pay_difference?: string;
  psn_cash_difference?: string;
}
/** The sync worker's state, as it reports it and the window shows it: one shape. */
export interface SyncStatusView {
  configured: boolean;
  online: boolean;
  running: boolean;
  /** The outbox's one definition of the queue (QueueCounts): still to send and not held; held apart. */
  queued: number;
  held: number;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  next_attempt_at: string | null;
  token_expires_at: string | null;
  rule_check_at: string | null;
  work: SyncWorkItem[];
  rule_refusals: { region: string; version: string; reason: string; refused_at: string }[];
}

/** The day's reconciliation with the insurer (3201 totals; 3202 records on a mismatch). */
export interface ReconciliationView {
  business_date: string;
  result: 'balanced' | 'mismatch';
  differences: { field: string; terminal: string; insurer: string }[];
  /**
   * code: not received by the insurer, rejected by it, fund amounts differ, or a record this terminal does not
   * have (our protocol); through the national interface, the 3202 result file's stmt_rslt of the record
   * (stmt_0 平, stmt_1 中心多, stmt_2 医药机构多, stmt_3 不一致). number: the record's local number, null when
   * this terminal has none (e.g. another terminal's settlement). terminal/insurer: fund_pay_sumamt.
   */
  records: {
    number: string | null;
    code: 'not_received' | 'rejected' | 'fund_differs' | 'unknown_here' | 'stmt_0' | 'stmt_1' | 'stmt_2' | 'stmt_3';
    problem: string;
    terminal: string | null;
    insurer: string | null;
    /** National interface only: the platform's identifiers and the result file's memo (docs/nhsa.md §8). */
    nhsa?: { setl_id: string; refd_setl_flag: '0' | '1'; msgid: string; memo: string };
  }[];
  /** National interface only: one 3201 per insutype × clr_type × setl_optins × refd_setl_flag of the day. */
  groups?: {
    insutype: string;
    clr_type: string;
    setl_optins: string;
    /** 0: settlements (2304), 1: refunds (2305). */
    refd_setl_flag: '0' | '1';
    count: number;
    medfee_sumamt: string;
    fund_pay_sumamt: string;
    acct_pay: string;
    stmt_rslt: '0' | '1' | '2' | '3';
    stmt_rslt_dscr: string;
  }[];
}

const number = z.string().min(1).max(40);
const layout = z.enum(['a5', 'receipt80']);
const pin = z.string().regex(/^\d{6,12}$/, { message: 'PIN 为6-12位数字' });

/** An operator's day on the day-close screen: whose it is, whether and by whom it was closed, each fund layer's national field. */
export interface DayView extends DayTotals {
  closed: boolean;
  closed_by: { name: string; at: string } | null;
  operator: { code: string; name: string };
  fund_fields: Record<string, string>;
}

export const contract = {
  'app.status': channel<AppStatus>()(z.strictObject({})),
  'auth.setup': channel<OperatorInfo>()(
    z.strictObject({ code: z.string().regex(/^[A-Za-z0-9_-]{2,20}$/), name: z.string().trim().min(1).max(40), pin }),
  ),
  'auth.login': channel<OperatorInfo>()(
    z.strictObject({ code: z.string().min(1).max(20), pin: z.string().min(1).max(12) }),
  ),
  'auth.logout': channel<null>()(z.strictObject({})),
  'rules.list': channel<RuleVersionSummary[]>()(z.strictObject({})),
  'person.find': channel<FoundPerson | null>()(z.strictObject({ id_number: z.string().min(1).max(30) })),
  'person.record': channel<FoundPerson>()(recordPersonInput),
  /** digest: of the bill as validated (what you see is what you settle): F8 sends it back (services/settlements.ts). */
  'settlement.preview': channel<SettlementResult & { digest: string }>()(billInput),
  /** NHSA terminal online: 1101/2401/2301 (2302 for edited lines) as needed, then 2303 of the bill. */
  /** digest: of the bill and this 2303 answer, what F8 sends back once the platform's figures are shown. */
  'settlement.presettle': channel<PlatformPreview & { digest: string }>()(billInput),
  /**
   * platform: the NHSA platform's 2304 when it answered at once; provisional: why the amounts still wait for the
   * insurer (queued: offline, or the link dropped mid-flow), null when they are final.
   */
  'settlement.settle': channel<{
    number: string;
    result: SettlementResult;
    platform: PlatformSettlement | null;
    provisional: string | null;
  }>()(windowSettleInput),
  'settlement.get': channel<{ record: SettlementRecord; result: SettlementResult }>()(z.strictObject({ number })),
  /** provisional: why the reversal still waits for the insurer (NHSA online: null once the platform undid the stay). */
  'settlement.reverse': channel<{ number: string; provisional: string | null }>()(reverseInput),
  'slip.print': channel<PrintedSlipInfo>()(z.strictObject({ number, layout })),
  'history.search': channel<SettlementRecord[]>()(historyQuery),
  'claim.create': channel<{ number: string; expected_reimbursement: string; result: SettlementResult }>()(
    manualClaimInput,
  ),
  'claim.submit': channel<{ number: string }>()(z.strictObject({ number })),
  'day.totals': channel<DayView>()(closeDayInput),
  'day.close': channel<DayTotals>()(closeDayInput),
  'sync.status': channel<SyncStatusView>()(z.strictObject({})),
  'sync.now': channel<SyncStatusView>()(z.strictObject({})),
  'sync.resolve': channel<SyncStatusView>()(
    z.strictObject({ adjustment_id: z.number().int().positive(), note: z.string().trim().min(1).max(200) }),
  ),
  'sync.release': channel<SyncStatusView>()(z.strictObject({ outbox_id: z.number().int().positive() })),
  'sync.reconcile': channel<ReconciliationView>()(
    z.strictObject({ business_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
  ),
  'day.report': channel<{ pdf_sha256: string; html_url: string | null; pdf_url: string | null }>()(
    closeDayInput.extend({ layout }),
  ),
  'settings.get': channel<SettingsView>()(z.strictObject({})),
  'settings.save': channel<SettingsView>()(settingsInput),
  'backup.now': channel<SettingsView>()(z.strictObject({})),
  'printers.list': channel<PrinterList>()(z.strictObject({})),
  'operators.list': channel<OperatorListItem[]>()(z.strictObject({})),
  'operators.create': channel<OperatorListItem[]>()(createOperatorInput),
  'operators.set_active': channel<OperatorListItem[]>()(
    z.strictObject({ code: z.string().min(1).max(20), active: z.boolean() }),
  ),
} as const;

export type ChannelName = keyof typeof contract;
/** What the window sends (defaults not yet applied). */
export type RequestOf<C extends ChannelName> = z.input<(typeof contract)[C]['request']>;
/** What the services receive: validated at the window → parent boundary, defaults applied. */
export type ValidRequestOf<C extends ChannelName> = z.output<(typeof contract)[C]['request']>;
export type ResponseOf<C extends ChannelName> =
  NonNullable<(typeof contract)[C]['response']> | Extract<(typeof contract)[C]['response'], null>;

/** What crosses the boundary: errors keep their code, field and message. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorBody | InternalErrorBody };
export interface InternalErrorBody {
  /** service_unavailable: the services worker stopped mid-call (it restarts on the next call). */
  code: 'internal' | 'unknown_channel' | 'unauthorized' | 'service_unavailable';
  field: string;
  message: string;
  message_en: string;
}

export function isChannel(name: string): name is ChannelName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** The shape the preload exposes on window.desk and the browser host client mirrors. */
export interface DeskBridge {
  invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>>;
}
