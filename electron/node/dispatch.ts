/**
 * Runs one contract call for the Electron main process or the browser host:
 * checks the channel, validates the payload against the contract's schema,
 * calls the handler, and turns every outcome into an IpcResult. Internal
 * errors are logged here and reach the window only as a generic message.
 */
import {
  contract,
  isChannel,
  type ChannelName,
  type IpcResult,
  type RequestOf,
  type ResponseOf,
} from '../../shared/ipc/contract.js';
import { DeskError, fromZodError } from '../../shared/errors.js';

/** Who is calling: one window (Electron webContents) or one browser-host page. */
export interface CallContext {
  clientId: string;
}

export type Handlers = {
  [C in ChannelName]: (request: RequestOf<C>, ctx: CallContext) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/** A call that reaches a service: any other process or thread it crossed into has checked it too. */
export type Invoke = (name: string, payload: unknown, ctx: CallContext) => Promise<IpcResult<unknown>>;

/** Checks the channel and validates the payload against the contract; the error result when either fails. */
export function validateCall(
  name: string,
  payload: unknown,
): { ok: true; name: ChannelName; request: unknown } | { ok: false; error: IpcResult<unknown> } {
  if (!isChannel(name)) {
    return {
      ok: false,
      error: {
        ok: false,
        error: {
          code: 'unknown_channel',
          field: '',
          message: `未知调用 "${name}"`,
          message_en: `unknown channel "${name}"`,
        },
      },
    };
  }
  const parsed = contract[name].request.safeParse(payload, { reportInput: true });
  if (!parsed.success) return { ok: false, error: { ok: false, error: fromZodError(parsed.error).body } };
  return { ok: true, name, request: parsed.data };
}

/** Validates in this thread, then hands the call to the services (the worker validates again on its side). */
export function validatingInvoke(services: Invoke): Invoke {
  return async (name, payload, ctx) => {
    const checked = validateCall(name, payload);
    return checked.ok ? services(checked.name, checked.request, ctx) : checked.error;
  };
}

export async function dispatch(
  handlers: Handlers,
  name: string,
  payload: unknown,
  ctx: CallContext,
  log: (e: unknown) => void = console.error,
): Promise<IpcResult<unknown>> {
  const checked = validateCall(name, payload);
  if (!checked.ok) return checked.error;
  try {
    const handler = handlers[checked.name] as (r: unknown, c: CallContext) => Promise<unknown> | unknown;
    return { ok: true, value: await handler(checked.request, ctx) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, error: e.body };
    log(e);
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
