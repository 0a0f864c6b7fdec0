/**
 * The NHSA gateway's rows (schema.ts): the hospital account, stays, fee
 * lines, settlements, and the request log with the inspection views tests
 * use (nhsaSettlements, nhsaLog). Writes happen inside the request's
 * transaction (process.ts).
 */
import { randomBytes } from 'node:crypto';
import { Decimal, ZERO, formatAmount, type Money } from '../../shared/money.js';
import { writeTransaction, type Db } from '../db.js';
import { refuse } from './context.js';

export interface NhsaAccount {
  paasid: string;
  pass_token: string;
  fixmedins_code: string;
  fixmedins_name: string;
  mdtrtarea_admvs: string;
  hospital_level: 1 | 2 | 3;
}

export interface NhsaAccountOptions {
  paasid?: string;
  passToken?: string;
  fixmedinsCode?: string;
  fixmedinsName?: string;
  mdtrtareaAdmvs?: string;
  hospitalLevel?: 1 | 2 | 3;
}

const DEMO = { fixmedinsCode: 'H51170200001', fixmedinsName: '达州市演示人民医院', mdtrtareaAdmvs: '511702' };

/**
 * The hospital account at start: the one for `fixmedinsCode` (default the
 * demo hospital), created with a random paasid and passToken the first time
 * and kept in the database; a paasid/passToken given replaces the stored one.
 */
export function ensureAccount(db: Db, o: NhsaAccountOptions, at: string): NhsaAccount {
  const code = o.fixmedinsCode ?? DEMO.fixmedinsCode;
  if (!/^[A-Z0-9]{12}$/.test(code)) throw new Error(`fixmedins_code ${code}: 12 capital letters or digits`);
  return writeTransaction(db, () => {
    const found = db.prepare('SELECT * FROM nhsa_accounts WHERE fixmedins_code = ?').get(code) as
      NhsaAccount | undefined;
    const account: NhsaAccount = {
      paasid: o.paasid ?? found?.paasid ?? `desk_${randomBytes(6).toString('hex')}`,
      pass_token: o.passToken ?? found?.pass_token ?? randomBytes(24).toString('base64url'),
      fixmedins_code: code,
      fixmedins_name: o.fixmedinsName ?? found?.fixmedins_name ?? DEMO.fixmedinsName,
      mdtrtarea_admvs: o.mdtrtareaAdmvs ?? found?.mdtrtarea_admvs ?? DEMO.mdtrtareaAdmvs,
      hospital_level: o.hospitalLevel ?? found?.hospital_level ?? 3,
    };
    if (found)
      db.prepare(
        'UPDATE nhsa_accounts SET paasid = ?, pass_token = ?, fixmedins_name = ?, mdtrtarea_admvs = ?, hospital_level = ? WHERE fixmedins_code = ?',
      ).run(
        account.paasid,
        account.pass_token,
        account.fixmedins_name,
        account.mdtrtarea_admvs,
        account.hospital_level,
        code,
      );
    else
      db.prepare(
        'INSERT INTO nhsa_accounts (paasid, pass_token, fixmedins_code, fixmedins_name, mdtrtarea_admvs, hospital_level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(
        account.paasid,
        account.pass_token,
        account.fixmedins_code,
        account.fixmedins_name,
        account.mdtrtarea_admvs,
        account.hospital_level,
        at,
      );
    return account;
  });
}

export function accountByPaasid(db: Db, paasid: string): NhsaAccount | undefined {
  return db.prepare('SELECT * FROM nhsa_accounts WHERE paasid = ?').get(paasid) as NhsaAccount | undefined;
}

// ── stays ──────────────────────────────────────────────────────────────────

export interface StayRow {
  mdtrt_id: string;
  paasid: string;
  psn_no: string;
  person_id: number;
  insutype: string;
  med_type: string;
  begntime: string;
  endtime: string | null;
  status: 'admitted' | 'discharged' | 'settled' | 'void';
}

export function findStay(db: Db, mdtrtId: string): StayRow | undefined {
  return db.prepare('SELECT * FROM nhsa_stays WHERE mdtrt_id = ?').get(mdtrtId) as StayRow | undefined;
}

/** The stay of this account and psn_no (not void), or -1 "就诊ID … 不存在". */
export function stayOf(db: Db, paasid: string, mdtrtId: string, psnNo: string): StayRow {
  const stay = findStay(db, mdtrtId);
  if (!stay || stay.paasid !== paasid || stay.psn_no !== psnNo || stay.status === 'void')
    refuse(`就诊ID ${mdtrtId} 不存在（或不属于人员 ${psnNo}）`);
  return stay;
}

/** The stay, which must be in one of `states`; the refusal names what is wrong. */
export function stayIn(db: Db, paasid: string, mdtrtId: string, psnNo: string, ...states: StayRow['status'][]) {
  const stay = stayOf(db, paasid, mdtrtId, psnNo);
  if (!states.includes(stay.status)) {
    const why: Record<StayRow['status'], string> = {
      admitted: '尚未办理出院',
      discharged: '已办理出院',
      settled: '已结算',
      void: '已撤销',
    };
    refuse(`就诊ID ${mdtrtId} ${why[stay.status]}，不能办理本交易`);
  }
  return stay;
}

/**
 * The fixed words of a refused undo whose state is already undone (docs/nhsa.md §7.3): 2405 on a stay that is
 * not discharged, 2404 (and 2405, 2302) on a stay whose admission is cancelled. A terminal that resends an undo
 * whose first answer it lost reads them as done; its phrases.already_undone default to exactly these.
 */
export const ALREADY_UNDONE = { discharge: '出院已撤销', admission: '入院已撤销' } as const;

/**
 * The stay an undo (2405, 2302, 2404) acts on: this account's and psn_no's in whatever state, void included;
 * a refusal names a state the undo cannot run from: settled → 2305 first, discharged → 2405 first, void →
 * ALREADY_UNDONE.admission. `from` is the one state the undo runs from (2302 also refuses a void stay).
 */
export function stayToUndo(db: Db, paasid: string, mdtrtId: string, psnNo: string, from: 'admitted' | 'discharged') {
  const stay = findStay(db, mdtrtId);
  if (!stay || stay.paasid !== paasid || stay.psn_no !== psnNo)
    refuse(`就诊ID ${mdtrtId} 不存在（或不属于人员 ${psnNo}）`);
  if (stay.status === from) return stay;
  switch (stay.status) {
    case 'void':
      return refuse(`就诊ID ${mdtrtId} ${ALREADY_UNDONE.admission}，不能办理本交易`);
    case 'settled':
      return refuse(`就诊ID ${mdtrtId} 已结算，请先撤销结算（2305）`);
    case 'discharged':
      return refuse(`就诊ID ${mdtrtId} 已办理出院，请先撤销出院（2405）`);
    case 'admitted':
      return refuse(`就诊ID ${mdtrtId} ${ALREADY_UNDONE.discharge}（未处于出院状态），不能办理本交易`);
  }
}

export function setStay(db: Db, mdtrtId: string, status: StayRow['status'], endtime?: string | null): void {
  if (endtime === undefined) db.prepare('UPDATE nhsa_stays SET status = ? WHERE mdtrt_id = ?').run(status, mdtrtId);
  else db.prepare('UPDATE nhsa_stays SET status = ?, endtime = ? WHERE mdtrt_id = ?').run(status, endtime, mdtrtId);
}

// ── fee lines ──────────────────────────────────────────────────────────────

export interface FeeLineRow {
  id: number;
  mdtrt_id: string;
  feedetl_sn: string;
  init_feedetl_sn: string;
  fee_ocur_time: string;
  med_list_codg: string;
  det_item_fee_sumamt: string;
  cnt: string;
  pric: string;
  fulamt_ownpay_amt: string;
  overlmt_amt: string;
  preselfpay_amt: string;
  inscp_scp_amt: string;
}

/** The stay's uploaded lines not cancelled by 2302, in upload order. */
export function liveLines(db: Db, mdtrtId: string): FeeLineRow[] {
  return db
    .prepare('SELECT * FROM nhsa_fee_lines WHERE mdtrt_id = ? AND cancelled_by IS NULL ORDER BY id')
    .all(mdtrtId) as FeeLineRow[];
}

export function sumOf(lines: readonly FeeLineRow[], field: keyof FeeLineRow): Money {
  return lines.reduce((s, l) => s.plus(new Decimal(l[field])), ZERO);
}

// ── settlements ────────────────────────────────────────────────────────────

export interface SettlementRow {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  person_id: number;
  msgid: string;
  request_id: number;
  status: 'settled' | 'cancelled';
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  setlinfo: string;
  setldetail: string;
  ytd_before: string;
  ytd_after: string;
  cancel_setl_id: string | null;
  cancelled_by: number | null;
}

export function findSettlement(db: Db, setlId: string): SettlementRow | undefined {
  return db.prepare('SELECT * FROM nhsa_settlements WHERE setl_id = ?').get(setlId) as SettlementRow | undefined;
}

// ── inspection (tests) ─────────────────────────────────────────────────────

export interface NhsaSettlementView {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  msgid: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  status: 'settled' | 'cancelled';
}

export interface NhsaLogEntry {
  /** null when the request did not get as far as naming one (unreadable body). */
  infno: string | null;
  msgid: string | null;
  infcode: 0 | -1;
  err_msg: string | null;
}

export function nhsaSettlements(db: Db): NhsaSettlementView[] {
  return db
    .prepare(
      'SELECT setl_id, mdtrt_id, psn_no, msgid, medfee_sumamt, fund_pay_sumamt, psn_cash_pay, status FROM nhsa_settlements ORDER BY rowid',
    )
    .all() as NhsaSettlementView[];
}

export function nhsaLog(db: Db): NhsaLogEntry[] {
  return db
    .prepare('SELECT infno, msgid, infcode, err_msg FROM nhsa_requests WHERE answered_at IS NOT NULL ORDER BY id')
    .all() as NhsaLogEntry[];
}

/** "12.3" → "12.30" (a sum, a negation, a difference). */
export const money2 = (x: Money): string => formatAmount(x.isZero() ? ZERO : x);
