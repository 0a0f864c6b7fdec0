/**
 * Errors that cross a boundary (CLI, IPC, files) carry a stable code, the path
 * of the offending field and a message a person can act on. They never carry a
 * stack or internal detail.
 */
import type { z } from 'zod';

export type ErrorCode =
  | 'invalid_json'
  | 'invalid_field'
  | 'unknown_field'
  | 'missing_field'
  | 'invalid_amount'
  | 'invalid_date'
  | 'unknown_region'
  | 'unknown_scheme'
  | 'scheme_not_covered'
  | 'invalid_hospital_level'
  | 'discharge_before_admission'
  | 'cost_outside_stay'
  | 'self_pay_exceeds_total'
  | 'no_costs'
  | 'no_rule_in_force'
  | 'invalid_rule_package'
  | 'conflicting_rule_packages'
  // store and service
  | 'database_too_new'
  | 'database_key_mismatch'
  | 'not_found'
  | 'unauthenticated'
  | 'forbidden'
  | 'invalid_pin'
  | 'operator_locked'
  | 'already_reversed'
  | 'day_closed'
  | 'duplicate_invoice'
  | 'filing_limit_exceeded'
  | 'damaged_backup'
  | 'print_failed'
  // the disk under the data folder (electron/node/storage-errors.ts): full, failing, or a damaged store file
  | 'disk_full'
  | 'io_error'
  | 'database_damaged'
  // the store's keyed chain does not verify (electron/worker/store/chain.ts): money writes are refused
  | 'integrity_failed'
  // the store is older than its anchor outside the data folder, or the anchor does not verify (store/anchors.ts)
  | 'database_behind_anchor'
  | 'anchor_invalid'
  // the NHSA platform at the window (docs/nhsa.md §7.6)
  | 'insurer_refused'
  | 'insurer_unreachable'
  | 'presettle_stale'
  | 'benefits_suspended'
  // the insurer: the person is insured in another region (异地就医), not settled by a local lookup
  | 'out_of_region'
  // the window's F8 (issue 17): the bill differs from the one its F5 previewed; a stay across 1 January on one year's costs
  | 'preview_stale'
  | 'costs_not_split';

export interface ErrorBody {
  code: ErrorCode;
  /** Path of the bad value, e.g. "costs[0].medfee_sumamt"; "" for the whole input. */
  field: string;
  /** Chinese, for the cashier and the hospital's IT. */
  message: string;
  message_en: string;
}

export class DeskError extends Error {
  readonly body: ErrorBody;
  constructor(code: ErrorCode, field: string, message: string, messageEn: string) {
    super(`${field ? field + ': ' : ''}${messageEn}`);
    this.name = 'DeskError';
    this.body = { code, field, message, message_en: messageEn };
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * zod drops params on union issues: a union's message is registered here with
 * its English, and fromZodError finds the English by the Chinese message.
 */
const UNION_ENGLISH = new Map<string, string>();
export function unionMessage(zh: string, en: string): string {
  UNION_ENGLISH.set(zh, en);
  return zh;
}

/**
 * Turns the first zod issue into a DeskError. Our schemas put the error code in
 * the issue's params where a specific one applies; otherwise the code follows
 * from the kind of issue.
 */
export function fromZodError(error: z.ZodError, fallback: ErrorCode = 'invalid_field'): DeskError {
  // An unknown key is reported first: it is usually a misspelling of the field
  // that then also shows up as missing ("hospital_levle").
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (!issue) return new DeskError(fallback, '', '输入无效', 'invalid input');
  let path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    path = path ? `${path}.${key}` : key;
    return new DeskError(
      fallback === 'invalid_field' ? 'unknown_field' : fallback,
      path,
      `不认识的字段 "${key}"`,
      `unknown field "${key}"`,
    );
  }
  // Parsed with { reportInput: true }: JSON has no undefined, so an undefined input is a missing key.
  if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) {
    return new DeskError(
      fallback === 'invalid_field' ? 'missing_field' : fallback,
      path,
      '缺少必填字段',
      'required field is missing',
    );
  }
  if (issue.code === 'custom') {
    const params = (issue.params ?? {}) as { code?: ErrorCode; en?: string };
    return new DeskError(params.code ?? fallback, path, issue.message, params.en ?? issue.message);
  }
  if (issue.code === 'invalid_union' && UNION_ENGLISH.has(issue.message)) {
    return new DeskError(fallback, path, issue.message, UNION_ENGLISH.get(issue.message)!);
  }
  if (issue.code === 'invalid_key' && issue.issues[0]) {
    const inner = issue.issues[0] as z.core.$ZodIssue;
    const params = (inner.code === 'custom' ? (inner.params ?? {}) : {}) as { code?: ErrorCode; en?: string };
    return new DeskError(params.code ?? fallback, path, zhMessage(inner), `invalid key: ${params.en ?? inner.message}`);
  }
  return new DeskError(fallback, path, zhMessage(issue), enMessage(issue));
}

/**
 * An English message for zod's built-in issues in the words a person at the window reads (zod's own, "Too small:
 * expected string to have >=1 characters", is for programmers); other issues keep zod's text.
 */
function enMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? 'required: must not be empty'
          : `at least ${String(issue.minimum)} characters`;
      if (issue.origin === 'array')
        return Number(issue.minimum) <= 1 ? 'at least one is needed' : `at least ${String(issue.minimum)} are needed`;
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `at most ${String(issue.maximum)} characters`;
      if (issue.origin === 'array') return `at most ${String(issue.maximum)} items`;
      return `must be at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return `wrong type: expected ${issue.expected}`;
    case 'invalid_format':
      return 'not in the right format';
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: '字符串',
  number: '数字',
  boolean: '布尔值（true/false）',
  object: '对象',
  array: '数组',
  int: '整数',
};

/** A Chinese message for zod's built-in issues; our own checks write theirs directly. */
function zhMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `类型错误：应为${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 ? '必填，不能为空' : `至少 ${String(issue.minimum)} 个字`;
      if (issue.origin === 'array')
        return Number(issue.minimum) <= 1 ? '至少要有一项' : `至少要有 ${String(issue.minimum)} 项`;
      return `不能小于 ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `最多 ${String(issue.maximum)} 个字`;
      if (issue.origin === 'array') return `最多 ${String(issue.maximum)} 项`;
      return `不能大于 ${String(issue.maximum)}`;
    case 'invalid_value':
      return `取值无效，应为：${issue.values.map((v) => JSON.stringify(v)).join('、')}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? '格式不正确' : issue.message;
    default:
      return issue.message;
  }
}
