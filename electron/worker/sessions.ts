/**
 * The operator signed in at each window (an Electron webContents or a
 * browser-host page), locked after the configured minutes without a call.
 */
import { DeskError } from '../../shared/errors.js';
import type { OperatorInfo } from '../../shared/store/records.js';
import type { CallContext } from '../node/dispatch.js';
import type { Session } from './services/access.js';
import type { Clock } from './store/clock.js';

export const operatorInfo = (s: Session): OperatorInfo => ({ code: s.code, name: s.name, role: s.role });

/** Windows whose lock is remembered at once (a browser host may see many page loads); the oldest is forgotten. */
const LOCKS_KEPT = 200;

export class Sessions {
  private readonly byClient = new Map<string, { session: Session; lastSeen: number }>();
  /**
   * Who the inactivity lock signed out, per window, until someone signs in or out there. Only a lock puts an
   * operator here: a session the services no longer have for another reason (they restarted) leaves no entry, and
   * the window tells the two apart (AppStatus.locked_operator).
   */
  private readonly lockedOut = new Map<string, OperatorInfo>();

  constructor(
    private readonly clock: Clock,
    private readonly lockAfterMinutes: () => number,
  ) {}

  /** The caller's operator; locked after inactivity (the window then asks for the PIN again). */
  current(ctx: CallContext, touch = true): Session {
    const entry = this.byClient.get(ctx.clientId);
    const now = this.clock.now().getTime();
    if (!entry) throw new DeskError('unauthenticated', '', '请先登录', 'sign in first');
    const lockAfter = this.lockAfterMinutes();
    if (now - entry.lastSeen > lockAfter * 60_000) {
      this.byClient.delete(ctx.clientId);
      this.lockedOut.set(ctx.clientId, operatorInfo(entry.session));
      if (this.lockedOut.size > LOCKS_KEPT) this.lockedOut.delete(this.lockedOut.keys().next().value!);
      throw new DeskError(
        'unauthenticated',
        '',
        `超过 ${lockAfter} 分钟未操作，已锁定，请重新登录`,
        'locked after inactivity: sign in again',
      );
    }
    if (touch) entry.lastSeen = now;
    return entry.session;
  }

  /** The caller's operator if signed in (the status bar); never touches the inactivity timer. */
  peek(ctx: CallContext): OperatorInfo | null {
    try {
      return operatorInfo(this.current(ctx, false));
    } catch {
      return null;
    }
  }

  /** Who the inactivity lock signed out at this window (read after `peek`, which finds a lock that is due). */
  lockedAt(ctx: CallContext): OperatorInfo | null {
    return this.lockedOut.get(ctx.clientId) ?? null;
  }

  signIn(ctx: CallContext, s: Session): OperatorInfo {
    this.lockedOut.delete(ctx.clientId);
    this.byClient.set(ctx.clientId, { session: s, lastSeen: this.clock.now().getTime() });
    return operatorInfo(s);
  }

  signOut(ctx: CallContext): void {
    this.lockedOut.delete(ctx.clientId);
    this.byClient.delete(ctx.clientId);
  }
}
