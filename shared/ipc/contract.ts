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
} from '../store/inputs.js';
import type { DayTotals, OperatorInfo, PersonSummary, QueueCounts, SettlementRecord } from '../store/records.js';
import { createOperatorInput } from '../store/inputs.js';
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
  operator: OperatorInfo | null;
  needs_first_operator: boolean;
  online: boolean;
  queue: QueueCounts;
  today: string;
}

export interface PrintedSlipInfo {
  kind: 'original' | 'reprint' | 'reversal';
  reprint: number;
  pdf_sha256: string;
  /** Where the window fetches the slip to show or download it (browser host); null in Electron, which printed it. */
  html_url: string | null;
  pdf_url: string | null;
}

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
  /** code: not received by the insurer, rejected by it, fund amounts differ, or a record this terminal does not have. */
  records: {
    number: string;
    code: 'not_received' | 'rejected' | 'fund_differs' | 'unknown_here';
    problem: string;
    terminal: string | null;
    insurer: string | null;
  }[];
}

const number = z.string().min(1).max(40);
const layout = z.enum(['a5', 'receipt80']);
const pin = z.string().regex(/^\d{6,12}$/, { message: 'PIN 为6-12位数字' });

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
  'person.find': channel<PersonSummary | null>()(z.strictObject({ id_number: z.string().min(1).max(30) })),
  'person.record': channel<PersonSummary>()(recordPersonInput),
  'settlement.preview': channel<SettlementResult>()(billInput),
  'settlement.settle': channel<{ number: string; result: SettlementResult }>()(billInput),
  'settlement.get': channel<{ record: SettlementRecord; result: SettlementResult }>()(z.strictObject({ number })),
  'settlement.reverse': channel<{ number: string }>()(reverseInput),
  'slip.print': channel<PrintedSlipInfo>()(z.strictObject({ number, layout })),
  'history.search': channel<SettlementRecord[]>()(historyQuery),
  'claim.create': channel<{ number: string; expected_reimbursement: string; result: SettlementResult }>()(
    manualClaimInput,
  ),
  'claim.submit': channel<{ number: string }>()(z.strictObject({ number })),
  'day.totals': channel<DayTotals & { closed: boolean }>()(closeDayInput),
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
