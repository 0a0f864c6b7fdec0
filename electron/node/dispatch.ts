/**
 * Runs one contract call: the window → parent boundary checks the channel and
 * validates the payload against the contract's schema ONCE (validateCall, in
 * services-client.ts for the worker, or dispatch for in-process handlers); the handlers get the validated, typed
 * request (the services worker trusts its parent and does not parse again);
 * every outcome becomes an IpcResult. A full or failing disk, or a damaged
 * store file, becomes its clear error here, once for every channel
 * (storage-errors.ts; logged too). Internal errors are logged here and reach
 * the window only as a generic message.
 */
import {
  contract,
  isChannel,
  type ChannelName,
  type IpcResult,
  type ResponseOf,
  type ValidRequestOf,
} from '../../shared/ipc/contract.js';
import { DeskError, fromZodError } from '../../shared/errors.js';
import { storageError } from './storage-errors.js';

/** Who is calling: one window (Electron webContents) or one browser-host page. */
export interface CallContext {
  clientId: string;
}

export type Handlers = {
  [C in ChannelName]: (request: ValidRequestOf<C>, ctx: CallContext) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** A call from a window to the services; whoever implements it validates it (services-client.ts, dispatch). */
export type Invoke = (name: string, payload: unknown, ctx: CallContext) => Promise<IpcResult<unknown>>;

const unknownChannel = (name: string): IpcResult<never> => ({
  ok: false,
  error: { code: 'unknown_channel', field: '', message: `未知调用 "${name}"`, message_en: `unknown channel "${name}"` },
});

/** Checks the channel and validates the payload against the contract; the error result when either fails. */
export function validateCall(
  name: string,
  payload: unknown,
): { ok: true; name: ChannelName; request: unknown } | { ok: false; error: IpcResult<unknown> } {
  if (!isChannel(name)) return { ok: false, error: unknownChannel(name) };
  const parsed = contract[name].request.safeParse(payload, { reportInput: true });
  if (!parsed.success) return { ok: false, error: { ok: false, error: fromZodError(parsed.error).body } };
  return { ok: true, name, request: parsed.data };
}

/** Validates a call from the window and runs it (in-process handlers: the browser host's fallback, tests). */
export async function dispatch(
  handlers: Handlers,
  name: string,
  payload: unknown,
  ctx: CallContext,
  log: (e: unknown) => void = console.error,
): Promise<IpcResult<unknown>> {
  const checked = validateCall(name, payload);
  if (!checked.ok) return checked.error;
  return runValidated(handlers, checked.name, checked.request, ctx, log);
}

/** Runs a call its sender has validated against the contract (the services worker, behind services-client.ts). */
export async function runValidated(
  handlers: Handlers,
  name: string,
  request: unknown,
  ctx: CallContext,
  log: (e: unknown) => void = console.error,
): Promise<IpcResult<unknown>> {
  if (!isChannel(name)) return unknownChannel(name);
  try {
    const handler = handlers[name] as (r: unknown, c: CallContext) => Promise<unknown> | unknown;
    return { ok: true, value: await handler(request, ctx) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, error: e.body };
    log(e);
    const storage = storageError(e, name);
    if (storage) return { ok: false, error: storage.body };
    return {
      ok: false,
      error: {
        code: 'internal',
        field: '',
        message: '内部错误，已记录日志，请联系信息科',
        message_en: 'internal error (logged)',
      },
    };
  }
}
