/**
 * Who may do what: the roles of domain.md's cashier window, checked in the
 * services (not only hidden in the window), and against the operator's row so
 * a disabled operator's open session stops at its next call.
 */
import { DeskError } from '../../../shared/errors.js';
import type { OperatorRole } from '../../../shared/store/inputs.js';
import type { Db } from '../store/db.js';
import { cached } from '../../node/statement-cache.js';

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
  | 'day.view_others'
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
    'day.view_others',
    'rules.install',
    'backup.run',
    'settings.change',
  ],
};

const ROLE_NAMES: Record<OperatorRole, { zh: string; en: string }> = {
  cashier: { zh: '收费员', en: 'a cashier' },
  claims_clerk: { zh: '报销审核员', en: 'a claims clerk' },
  supervisor: { zh: '主管', en: 'a supervisor' },
};

/** Each action in the person's terms (never the channel's name), for the refusal the window shows. */
const ACTION_NAMES: Record<Action, { zh: string; en: string }> = {
  'operator.create': { zh: '添加操作员', en: 'Adding an operator' },
  'person.record': { zh: '登记参保信息', en: 'Recording a person' },
  'settlement.preview': { zh: '试算', en: 'Previewing a settlement' },
  'settlement.settle': { zh: '结算', en: 'Settling' },
  'settlement.reprint': { zh: '补打结算单', en: 'Reprinting a slip' },
  'settlement.reverse': { zh: '撤销结算', en: 'Reversing a settlement' },
  'history.search': { zh: '结算查询', en: 'Searching the history' },
  'claim.create': { zh: '手工报销', en: 'Entering a claim' },
  'claim.submit': { zh: '提交报销单', en: 'Submitting a claim' },
  'day.close': { zh: '日结', en: 'Day close' },
  'day.view_others': { zh: '查看其他操作员的日结', en: "Viewing another operator's day" },
  'rules.install': { zh: '安装政策规则', en: 'Installing rules' },
  'backup.run': { zh: '备份', en: 'Backing up' },
  'settings.change': { zh: '更改设置', en: 'Changing settings' },
};

/** Who may do an action, in words: 主管 / a supervisor; 收费员或主管 / a cashier or a supervisor. */
function whoMay(action: Action, lng: 'zh' | 'en'): string {
  const roles = (Object.keys(CAN) as OperatorRole[]).filter((r) => CAN[r].includes(action));
  return roles.map((r) => ROLE_NAMES[r][lng]).join(lng === 'zh' ? '或' : ' or ');
}

/** The refusal of an action to a role, in the person's terms in both languages (日结需要主管权限 / Day close needs a supervisor). */
export function refusalOf(role: OperatorRole, action: Action): DeskError {
  const name = ACTION_NAMES[action];
  return new DeskError(
    'forbidden',
    '',
    `${name.zh}需要${whoMay(action, 'zh')}权限（当前为${ROLE_NAMES[role].zh}）`,
    `${name.en} needs ${whoMay(action, 'en')} (you are signed in as ${ROLE_NAMES[role].en})`,
  );
}

/** Throws forbidden unless the role may do this, unauthenticated when the operator was disabled meanwhile. */
export function assertCan(db: Db, session: Session, action: Action): void {
  if (!CAN[session.role].includes(action)) throw refusalOf(session.role, action);
  const op = cached(db, 'SELECT active FROM operators WHERE id = ?').get(session.operatorId) as
    { active: number } | undefined;
  if (!op || op.active !== 1)
    throw new DeskError('unauthenticated', '', '操作员已停用，请重新登录', 'operator is not active');
}
