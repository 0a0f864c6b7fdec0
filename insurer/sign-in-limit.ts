/**
 * Wrong terminal secrets, rate-limited (issue 16 item 5): per terminal
 * (hospital code and terminal code as sent, known or not, so the limit does
 * not tell which terminals exist) and per remote address (many terminal codes
 * guessed from one machine). After `maxFailures` wrong credentials within
 * `windowMs`, that key is locked for `lockoutMs`: every sign-in for it is
 * answered 429 with Retry-After *without checking the secret*, so guessing
 * costs a lockout per few guesses, and a right secret during the lockout is
 * refused too (otherwise the limit would be no limit). Attempts refused
 * during a lockout do not extend it. A successful sign-in clears its own
 * terminal's failures only: never another terminal's, nor its address's
 * (one known secret must not reset the counter for guessing others').
 *
 * The address limit is higher than the terminal one: a hospital's terminals
 * often share one address (NAT). Behind a TLS proxy every request comes from
 * the proxy's address; X-Forwarded-For is not trusted (anyone can send it).
 *
 * In memory: a restart forgets the counters (the limit slows guessing; the
 * secrets' length, ≥ 16 characters, is what makes guessing hopeless).
 */

export interface SignInLimits {
  /** Wrong credentials per terminal within the window before the lockout (default 5). */
  maxFailures: number;
  /** Wrong credentials per remote address within the window before its lockout (default 20). */
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  windowMs: 60_000,
  lockoutMs: 60_000,
};

interface Entry {
  /** Times (ms) of the failures within the window, oldest first. */
  failures: number[];
  lockedUntil: number;
}

/** A lockout in force: which key, and until when. */
export interface Lockout {
  what: 'terminal' | 'address';
  key: string;
  until: number;
  retryAfterSeconds: number;
}

/** Keys are prefixed with their kind, so a terminal code never collides with an address. */
const terminalKey = (hospitalCode: string, terminalCode: string) => `t:${hospitalCode}/${terminalCode}`;
const addressKey = (address: string) => `a:${address}`;

/** Above this many keys, stale ones are dropped (a flood of random terminal codes must not grow memory for ever). */
const PRUNE_ABOVE = 1000;

export class SignInLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {}

  /** The lockout that refuses this attempt (the terminal's first), or null. Checked before the secret. */
  locked(hospitalCode: string, terminalCode: string, address: string, now: number): Lockout | null {
    const check = (what: Lockout['what'], key: string): Lockout | null => {
      const e = this.entries.get(key);
      if (!e || e.lockedUntil <= now) return null;
      return {
        what,
        key: key.slice(2),
        until: e.lockedUntil,
        retryAfterSeconds: Math.ceil((e.lockedUntil - now) / 1000),
      };
    };
    return check('terminal', terminalKey(hospitalCode, terminalCode)) ?? check('address', addressKey(address));
  }

  /**
   * Records a wrong credential: the terminal's failures within the window (this one included) and the lockouts it
   * starts (none, the terminal's, the address's, or both).
   */
  fail(
    hospitalCode: string,
    terminalCode: string,
    address: string,
    now: number,
  ): { failures: number; lockouts: Lockout[] } {
    if (this.entries.size > PRUNE_ABOVE) this.prune(now);
    const started: Lockout[] = [];
    const count = (what: Lockout['what'], key: string, max: number): number => {
      const e = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
      e.failures = e.failures.filter((t) => t > now - this.limits.windowMs);
      e.failures.push(now);
      const n = e.failures.length;
      if (e.failures.length >= max) {
        e.lockedUntil = now + this.limits.lockoutMs;
        e.failures = [];
        started.push({
          what,
          key: key.slice(2),
          until: e.lockedUntil,
          retryAfterSeconds: Math.ceil(this.limits.lockoutMs / 1000),
        });
      }
      this.entries.set(key, e);
      return n;
    };
    const failures = count('terminal', terminalKey(hospitalCode, terminalCode), this.limits.maxFailures);
    count('address', addressKey(address), this.limits.maxFailuresPerAddress);
    return { failures, lockouts: started };
  }

  /** A right secret (outside any lockout): clears this terminal's failures, nobody else's. */
  succeed(hospitalCode: string, terminalCode: string): void {
    this.entries.delete(terminalKey(hospitalCode, terminalCode));
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => t <= now - this.limits.windowMs)) this.entries.delete(key);
    }
  }
}
