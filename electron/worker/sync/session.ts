/**
 * The insurer session (9001-like sign-in): a bearer token kept in memory only,
 * renewed shortly before expiry and once on a 401, then the call is retried.
 */
import type { z } from 'zod';
import { ENDPOINTS } from '../../../shared/sync/protocol.js';
import type { SyncConfig } from '../../node/sync-config.js';
import { ProtocolClient, SyncError, type Exchange } from './http.js';

/** Sign in again when less than this is left, so a long batch run does not hit expiry. */
const RENEW_BEFORE_MS = 5 * 60_000;

export class InsurerSession {
  private token: string | null = null;
  private expiresAt = 0;
  readonly client: ProtocolClient;

  constructor(
    private readonly config: SyncConfig,
    private readonly now: () => Date,
    private readonly onSignIn: (expiresAt: string, serverTime: string) => void = () => {},
  ) {
    this.client = new ProtocolClient(config.url, config.timeoutMs ?? 15_000);
  }

  async signIn(): Promise<void> {
    const r = await this.client.call(ENDPOINTS.signIn.response, {
      method: 'POST',
      path: ENDPOINTS.signIn.path,
      token: null,
      body: {
        terminal_code: this.config.terminal_code,
        hospital_code: this.config.hospital_code,
        terminal_secret: this.config.secret,
      },
    });
    if (r.terminal_code !== this.config.terminal_code || r.hospital_code !== this.config.hospital_code) {
      throw new SyncError('server', `signed in as ${r.hospital_code}/${r.terminal_code}, not this terminal`);
    }
    this.token = r.token;
    this.expiresAt = Date.parse(r.expires_at);
    this.onSignIn(r.expires_at, r.server_time);
  }

  /** An authenticated call; a 401 signs in again and retries once with a new request id. */
  async call<S extends z.ZodType>(schema: S, x: Omit<Exchange, 'token'>): Promise<z.output<S>> {
    if (!this.token || this.expiresAt - RENEW_BEFORE_MS <= this.now().getTime()) await this.signIn();
    try {
      return await this.client.call(schema, { ...x, token: this.token });
    } catch (e) {
      if (!(e instanceof SyncError) || e.kind !== 'unauthenticated') throw e;
      this.token = null;
      await this.signIn();
      return this.client.call(schema, { ...x, token: this.token });
    }
  }

  forget(): void {
    this.token = null;
  }
}
