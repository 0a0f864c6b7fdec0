/**
 * Runs one contract call for the Electron main process or the browser host:
 * checks the channel, validates the payload against the contract's schema,
 * calls the handler, and turns every outcome into an IpcResult. Internal
 * errors are logged here and reach the window only as a generic message.
 */
import { contract, isChannel, type ChannelName, type IpcResult, type RequestOf, type ResponseOf } from '../../shared/ipc/contract.js';
import { DeskError, fromZodError } from '../../shared/errors.js';

/** Who is calling: one window (Electron webContents) or one browser-host page. */
export interface CallContext {
  clientId: string;
}

export type Handlers = { [C in ChannelName]: (request: RequestOf<C>, ctx: CallContext) => Promise<ResponseOf<C>> | ResponseOf<C> };

export async function dispatch(handlers: Handlers, name: string, payload: unknown, ctx: CallContext, log: (e: unknown) => void = console.error): Promise<IpcResult<unknown>> {
  if (!isChannel(name)) {
    return { ok: false, error: { code: 'unknown_channel', field: '', message: `未知调用 "${name}"`, message_en: `unknown channel "${name}"` } };
  }
  const parsed = contract[name].request.safeParse(payload, { reportInput: true });
  if (!parsed.success) return { ok: false, error: fromZodError(parsed.error).body };
  try {
    const handler = handlers[name] as (r: unknown, c: CallContext) => Promise<unknown> | unknown;
    return { ok: true, value: await handler(parsed.data, ctx) };
  } catch (e) {
    if (e instanceof DeskError) return { ok: false, error: e.body };
    log(e);
    return { ok: false, error: { code: 'internal', field: '', message: '内部错误，已记录日志，请联系信息科', message_en: 'internal error (logged)' } };
  }
}
