/**
 * Who may do what: the roles of domain.md's cashier window, checked in the
 * services (not only hidden in the window), and against the operator's row so
 * a disabled operator's open session stops at its next call.
 */
import { DeskError } from '../../../shared/errors.js';
import type { OperatorRole } from '../../../shared/store/inputs.js';
import type { Db } from '../store/db.js';

export interface Session {
  operatorId: number;
  code: string;
  name: string;
  role: OperatorRole;
}

export type Action =
  | 'operator.create'
  | 'person.record'
  | 'settlement.preview'
  | 'settlement.settle'
  | 'settlement.reprint'
  | 'settlement.reverse'
  | 'history.search'
  | 'claim.create'
  | 'claim.submit'
  | 'day.close'
  | 'rules.install'
  | 'backup.run'
  | 'settings.change';

const CAN: Record<OperatorRole, readonly Action[]> = {
  cashier: ['person.record', 'settlement.preview', 'settlement.settle', 'settlement.reprint', 'history.search'],
  claims_clerk: ['person.record', 'settlement.preview', 'history.search', 'claim.create', 'claim.submit'],
  supervisor: [
    'operator.create',
    'person.record',
    'settlement.preview',
    'settlement.settle',
    'settlement.reprint',
    'settlement.reverse',
    'history.search',
    'claim.create',
    'claim.submit',
    'day.close',
    'rules.install',
    'backup.run',
    'settings.change',
  ],
};

const ROLE_NAMES: Record<OperatorRole, string> = { cashier: '收费员', claims_clerk: '报销审核员', supervisor: '主管' };

/** Throws forbidden unless the role may do this, unauthenticated when the operator was disabled meanwhile. */
export function assertCan(db: Db, session: Session, action: Action): void {
  if (!CAN[session.role].includes(action)) {
    throw new DeskError(
      'forbidden',
      '',
      `${ROLE_NAMES[session.role]}无权执行此操作`,
      `a ${session.role} may not do ${action}`,
    );
  }
  const op = db.prepare('SELECT active FROM operators WHERE id = ?').get(session.operatorId) as
    { active: number } | undefined;
  if (!op || op.active !== 1)
    throw new DeskError('unauthenticated', '', '操作员已停用，请重新登录', 'operator is not active');
}
