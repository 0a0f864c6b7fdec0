/**
 * The one typed contract between the window and the services: every call the
 * UI can make, with its request schema and response type. The Electron preload
 * exposes exactly these channels; the browser host serves the same ones over
 * loopback HTTP; both validate every request against the schema here.
 */
import { z } from 'zod';
import type { ErrorBody } from '../errors.js';
import type { SettlementResult } from '../engine/result.js';
import type { FundField, SchemeId } from '../rules/schema.js';

/** A channel: its request schema, and its response type carried as a phantom. */
interface Channel<Req extends z.ZodType, Res> {
  request: Req;
  response?: Res;
}
const channel = <Res>() => <Req extends z.ZodType>(request: Req): Channel<Req, Res> => ({ request });

export interface RuleLayerSummary {
  id: string;
  name: string;
  field: FundField;
  schemes: SchemeId[];
  /** Condition text when the layer requires enrolment (shown next to the enrolment box), else null. */
  enrolment: string | null;
}

export interface RuleVersionSummary {
  region: string;
  region_name: string;
  version: string;
  effective_from: string;
  effective_to: string | null;
  source: string;
  schemes: SchemeId[];
  layers: RuleLayerSummary[];
  uses_sample_values: boolean;
}

export const contract = {
  /** Installed rule versions, newest first per region. */
  'rules.list': channel<RuleVersionSummary[]>()(z.strictObject({})),
  /** Pre-settlement (预结算/试算): compute, write nothing. The request is the CLI's v1 request, validated by the engine. */
  'settlement.preview': channel<SettlementResult>()(z.strictObject({ request: z.unknown() })),
} as const;

export type ChannelName = keyof typeof contract;
export type RequestOf<C extends ChannelName> = z.input<(typeof contract)[C]['request']>;
export type ResponseOf<C extends ChannelName> = NonNullable<(typeof contract)[C]['response']>;

/** What crosses the boundary: errors keep their code, field and message. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorBody | InternalErrorBody };
export interface InternalErrorBody {
  code: 'internal' | 'unknown_channel' | 'unauthorized';
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
