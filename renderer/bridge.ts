/**
 * The window's only way to the services. In Electron the preload exposes the
 * contract as window.desk; in the browser host the same calls go over HTTP to
 * 127.0.0.1 with the per-start token from the URL fragment.
 */
import type { ChannelName, DeskBridge, IpcResult, RequestOf, ResponseOf } from '../shared/ipc/contract.js';

declare global {
  interface Window {
    desk?: DeskBridge;
  }
}

const TOKEN_KEY = 'desk.token';

function takeToken(): string | null {
  const match = /(?:^#|&)token=([0-9a-f]{64})/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function isIpcResult(x: unknown): x is IpcResult<unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  return r.ok === true
    ? 'value' in r
    : r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string';
}

function httpBridge(): DeskBridge {
  const token = takeToken();
  return {
    async invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>> {
      let response: Response;
      try {
        response = await fetch(`/ipc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token ?? ''}` },
          body: JSON.stringify(request),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'internal',
            field: '',
            message: '无法连接本机服务',
            message_en: 'cannot reach the local host process',
          },
        };
      }
      const body: unknown = await response.json().catch(() => null);
      if (!isIpcResult(body)) {
        return {
          ok: false,
          error: {
            code: 'internal',
            field: '',
            message: '本机服务返回了无效数据',
            message_en: 'invalid response from the host process',
          },
        };
      }
      return body as IpcResult<ResponseOf<C>>;
    },
  };
}

export const bridge: DeskBridge = window.desk ?? httpBridge();
