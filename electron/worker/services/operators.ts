/**
 * Operators (cashier, claims clerk, supervisor): creating and disabling them,
 * signing in with a PIN (scrypt, locked after repeated wrong PINs), and the
 * window's auth.* and operators.* calls.
 */
import { DeskError } from '../../../shared/errors.js';
import type { OperatorListItem } from '../../../shared/settings.js';
import type { CreateOperatorInput, LoginInput } from '../../../shared/store/inputs.js';
import type { Handlers } from '../../node/dispatch.js';
import type { AppContext } from '../app-context.js';
import { writeTransaction } from '../store/db.js';
import { hashPin, verifyPin } from '../store/pin.js';
import { assertCan, type Session } from './access.js';
import { audit, nowIso, type ServiceContext } from './context.js';

const MAX_FAILED_LOGINS = 5;
const LOCK_MINUTES = 15;
/** Verified against for an unknown code, so timing does not tell which codes exist. */
const NO_SUCH_PIN = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export class Operators {
  constructor(private readonly ctx: ServiceContext) {}

  /** Who settled (or reversed) a record: opter/opter_name of every NHSA request for it, whoever is signed in later. */
  settledBy(settlementId: number): { code: string; name: string } {
    return this.ctx.db
      .prepare('SELECT op.code, op.name FROM settlements s JOIN operators op ON op.id = s.operator_id WHERE s.id = ?')
      .get(settlementId) as { code: string; name: string };
  }

  /** Whether the terminal still needs its first operator (a supervisor). */
  needsFirst(): boolean {
    return (this.ctx.db.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n === 0;
  }

  /** The first operator (a supervisor) can be created without a session; after that only a supervisor creates operators. */
  create(session: Session | null, o: CreateOperatorInput): { id: number } {
    const { db } = this.ctx;
    const pinHash = hashPin(o.pin);
    return writeTransaction(db, () => {
      if (this.needsFirst()) {
        if (o.role !== 'supervisor')
          throw new DeskError('forbidden', 'role', '第一个操作员必须是主管', 'the first operator must be a supervisor');
      } else {
        if (!session) throw new DeskError('unauthenticated', '', '请先登录', 'sign in first');
        assertCan(db, session, 'operator.create');
      }
      if (db.prepare('SELECT 1 FROM operators WHERE code = ?').get(o.code)) {
        throw new DeskError('invalid_field', 'code', `工号 ${o.code} 已存在`, `operator ${o.code} exists`);
      }
      const id = Number(
        db
          .prepare('INSERT INTO operators (code, name, role, pin_hash, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(o.code, o.name, o.role, pinHash, nowIso(this.ctx)).lastInsertRowid,
      );
      audit(this.ctx, session, 'operator.create', 'operator', o.code, { role: o.role, name: o.name });
      return { id };
    });
  }

  /** Every operator of this terminal (a supervisor's list); PIN hashes stay in the store. */
  list(session: Session): OperatorListItem[] {
    assertCan(this.ctx.db, session, 'operator.create');
    return (
      this.ctx.db.prepare('SELECT code, name, role, active, created_at FROM operators ORDER BY code').all() as (Omit<
        OperatorListItem,
        'active'
      > & { active: number })[]
    ).map((o) => ({ ...o, active: o.active === 1 }));
  }

  /** Disables (a leaver) or re-enables an operator; their open sessions stop at the next call. A supervisor cannot disable themself. */
  setActive(session: Session, code: string, active: boolean): void {
    const { db } = this.ctx;
    assertCan(db, session, 'operator.create');
    if (code === session.code && !active)
      throw new DeskError('forbidden', 'code', '不能停用自己的账号', 'you cannot disable your own account');
    writeTransaction(db, () => {
      // Checked again inside the write lock: two supervisors disabling each other at the same moment must not both succeed.
      assertCan(db, session, 'operator.create');
      const changed = db.prepare('UPDATE operators SET active = ? WHERE code = ?').run(active ? 1 : 0, code).changes;
      if (changed === 0) throw new DeskError('not_found', 'code', `工号 ${code} 不存在`, `no operator ${code}`);
      const supervisors = db
        .prepare("SELECT count(*) FROM operators WHERE role = 'supervisor' AND active = 1")
        .pluck()
        .get() as number;
      if (supervisors === 0)
        throw new DeskError(
          'forbidden',
          'code',
          '至少须保留一名启用的主管',
          'at least one supervisor must stay active',
        );
      audit(this.ctx, session, active ? 'operator.enable' : 'operator.disable', 'operator', code, {});
    });
  }

  /**
   * Wrong PINs the store could not record (a full disk, a failing disk), by operator id: they still count towards
   * the lockout, here, so that a disk that cannot be written never switches the lockout off. Every such attempt is
   * refused with the disk's error whether the PIN was right or wrong (a right one cannot record its sign-in either),
   * so the answers tell nothing; and a lockout reached meanwhile holds in memory until it expires.
   */
  private readonly unrecorded = new Map<number, { failed: number; lockedUntil: string | null }>();

  login({ code, pin }: LoginInput): Session {
    const { db, clock } = this.ctx;
    const op = db
      .prepare(
        'SELECT id, code, name, role, pin_hash, active, locked_until, failed_logins FROM operators WHERE code = ?',
      )
      .get(code) as
      | (Session & {
          id: number;
          pin_hash: string;
          active: number;
          locked_until: string | null;
          failed_logins: number;
        })
      | undefined;
    const now = nowIso(this.ctx);
    const pending = op ? this.unrecorded.get(op.id) : undefined;
    const lockedUntil = [op?.locked_until ?? null, pending?.lockedUntil ?? null]
      .filter((t): t is string => t !== null && t > now)
      .sort()
      .pop();
    if (lockedUntil) {
      throw new DeskError(
        'operator_locked',
        'code',
        `多次输错 PIN，已锁定至 ${lockedUntil}`,
        `locked after repeated wrong PINs until ${lockedUntil}`,
      );
    }
    const ok = verifyPin(pin, op?.pin_hash ?? NO_SUCH_PIN);
    if (!op || !ok || op.active !== 1) {
      if (op) {
        const carried = pending?.failed ?? 0;
        try {
          // Counted inside the write lock: concurrent wrong PINs (two windows) all count; with any not recorded before.
          writeTransaction(db, () => {
            const { failed_logins: failed } = db
              .prepare('UPDATE operators SET failed_logins = failed_logins + ? WHERE id = ? RETURNING failed_logins')
              .get(1 + carried, op.id) as { failed_logins: number };
            const lock =
              failed >= MAX_FAILED_LOGINS
                ? new Date(clock.now().getTime() + LOCK_MINUTES * 60_000).toISOString()
                : null;
            if (lock)
              db.prepare('UPDATE operators SET failed_logins = 0, locked_until = ? WHERE id = ?').run(lock, op.id);
            audit(this.ctx, null, 'operator.login_failed', 'operator', op.code, {
              locked_until: lock,
              ...(carried ? { unrecorded_before: carried } : {}),
            });
          });
          if (pending) pending.failed = 0;
        } catch (e) {
          // Not recorded: counted here instead, and the sign-in refused with the disk's error (dispatch words it).
          const entry = pending ?? { failed: 0, lockedUntil: null };
          entry.failed++;
          if (op.failed_logins + entry.failed >= MAX_FAILED_LOGINS) {
            entry.lockedUntil = new Date(clock.now().getTime() + LOCK_MINUTES * 60_000).toISOString();
            entry.failed = 0;
          }
          this.unrecorded.set(op.id, entry);
          throw e;
        }
      }
      throw new DeskError('invalid_pin', 'pin', '工号或 PIN 不正确', 'wrong operator code or PIN');
    }
    const session: Session = { operatorId: op.id, code: op.code, name: op.name, role: op.role };
    // A sign-in that cannot be recorded (a full disk) is refused: this write throws, and no session is made.
    writeTransaction(db, () => {
      db.prepare('UPDATE operators SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(op.id);
      audit(this.ctx, session, 'operator.login', 'operator', op.code, {});
    });
    this.unrecorded.delete(op.id);
    return session;
  }
}

export function operatorHandlers({
  service,
  sessions,
}: AppContext): Pick<
  Handlers,
  'auth.setup' | 'auth.login' | 'auth.logout' | 'operators.list' | 'operators.create' | 'operators.set_active'
> {
  const operators = service.operators;
  return {
    'auth.setup': (req, ctx) => {
      if (!operators.needsFirst())
        throw new DeskError('forbidden', '', '已有操作员，请用主管账号添加', 'operators exist: a supervisor adds more');
      operators.create(null, { ...req, role: 'supervisor' });
      return sessions.signIn(ctx, operators.login({ code: req.code, pin: req.pin }));
    },
    'auth.login': (req, ctx) => sessions.signIn(ctx, operators.login(req)),
    'auth.logout': (_req, ctx) => {
      sessions.signOut(ctx);
      return null;
    },
    'operators.list': (_req, ctx) => operators.list(sessions.current(ctx)),
    'operators.create': (req, ctx) => {
      const s = sessions.current(ctx);
      operators.create(s, req);
      return operators.list(s);
    },
    'operators.set_active': (req, ctx) => {
      const s = sessions.current(ctx);
      operators.setActive(s, req.code, req.active);
      return operators.list(s);
    },
  };
}
