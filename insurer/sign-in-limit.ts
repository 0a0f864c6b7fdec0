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
 * An IPv6 address counts by its /64 (one machine or site usually holds a whole
 * /64, and would otherwise get a fresh counter per address); an IPv4-mapped
 * IPv6 address counts as its IPv4 address.
 *
 * In memory: a restart forgets the counters (the limit slows guessing; the
 * secrets' length, ≥ 16 characters, is what makes guessing hopeless). The
 * memory is bounded: stale keys are pruned above PRUNE_ABOVE, and past
 * MAX_KEYS the oldest keys go even if they still count (a flood from many
 * /64s must not grow memory for ever).
 */
import ipaddr from 'ipaddr.js';

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
const addressKey = (address: string) => `a:${addressGroup(address)}`;

/** The address a failure counts against: an IPv6 address's /64, an IPv4(-mapped) address itself. */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address); // '::ffff:10.0.0.1' → 10.0.0.1
  if (a.kind() === 'ipv4') return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/** Above this many keys, stale ones are dropped (a flood of random terminal codes must not grow memory for ever). */
const PRUNE_ABOVE = 1000;
/** The hard cap: past it (after pruning) the oldest keys are dropped, counting or not. */
export const MAX_KEYS = 20_000;

export class SignInLimiter {
  private readonly entries = new Map<string, Entry>();
  /** The size at which the next prune runs: doubled after each, so pruning costs O(1) per failure on average. */
  private pruneAt = PRUNE_ABOVE;

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
    if (this.entries.size > this.pruneAt) {
      this.prune(now);
      this.pruneAt = Math.min(MAX_KEYS, Math.max(PRUNE_ABOVE, this.entries.size * 2));
    }
    // Room for this failure's two keys (its terminal's and its address's): the least recently failed go first (a
    // key is moved to the end at each failure), a lockout in force never (a flood must not lift one).
    for (const [key, e] of this.entries) {
      if (this.entries.size <= MAX_KEYS - 2) break;
      if (e.lockedUntil <= now) this.entries.delete(key);
    }
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
      this.entries.delete(key); // re-inserted at the end: the map's order is the order of the last failure
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

  /** How many keys are held (tests: the memory stays bounded). */
  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => t <= now - this.limits.windowMs)) this.entries.delete(key);
    }
  }
}
