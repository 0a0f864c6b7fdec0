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

export class Sessions {
  private readonly byClient = new Map<string, { session: Session; lastSeen: number }>();

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

  signIn(ctx: CallContext, s: Session): OperatorInfo {
    this.byClient.set(ctx.clientId, { session: s, lastSeen: this.clock.now().getTime() });
    return operatorInfo(s);
  }

  signOut(ctx: CallContext): void {
    this.byClient.delete(ctx.clientId);
  }
}
