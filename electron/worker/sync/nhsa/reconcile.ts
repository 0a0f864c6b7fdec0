/**
 * Reconciliation through the national interface (docs/nhsa.md §8), for one
 * business day, from the platform's own answers as stored (2304 settlements,
 * 2305 refunds in nhsa_settlements), never from the local split: the platform
 * reconciles what it answered.
 *
 * 1. The day's answers, dated by their setl_time (Beijing) — the platform's
 *    period, which differs from the local business_date for a record queued
 *    offline over midnight — grouped by insutype × clr_type × setl_optins
 *    (setlinfo.clr_optins) × refd_setl_flag (0 a settlement, 1 a refund):
 *    one 3201 per group.
 * 2. For each group the platform does not call 平, the 3202 detail of its
 *    (setl_optins, clr_type, refd_setl_flag) — 3202 has no insutype, so the
 *    file carries that key's records of every insutype: the file as TSV
 *    (CRLF, UTF-8) zipped, uploaded with 9101, 3202, the result zip
 *    downloaded with 9102 and result.txt read strictly, line by line.
 * 3. The view: per group the 3201 answer; per record of the result file its
 *    stmt_rslt named, with the local number where this terminal has it (by
 *    setl_id, else by the msgid the platform names); and the day's local
 *    records the platform has not received yet.
 *
 * Every request goes through `call` (journaled before it leaves), owned by no
 * stay; the files and the run are kept in migration 0011's tables.
 */
import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { z } from 'zod';
import { DeskError } from '../../../../shared/errors.js';
import type { ReconciliationView } from '../../../../shared/ipc/contract.js';
import { ZERO, formatSigned, type Money } from '../../../../shared/money.js';
import {
  STMT_RESULT_FIELDS,
  STMT_RSLT_NAMES,
  StmtFileError,
  beijingStamp,
  jsonNumber,
  readStmtFile,
  stmtResultRecord,
  writeStmtFile,
  type Infno,
  type StmtResultRecord,
} from '../../../../shared/nhsa/index.js';
import type { Session } from '../../services/access.js';
import { writeTransaction } from '../../store/db.js';
import { terminalDayTotals, type ReconciliationReport } from '../reconcile.js';
import { UnknownOutcome, type Sender } from './client.js';
import { Held, SignInAgain, call, signedIn, type Apply, type CallChecks, type NhsaContext } from './exchange.js';

type View = ReconciliationView;
type Group = NonNullable<View['groups']>[number];

/** The result zip's text, unzipped, at most this large (a day of one hospital is far below). */
const MAX_RESULT_BYTES = 16 * 1024 * 1024;
const HOSPITAL = { stay: null, outbox: null };

const amount = z.string().regex(/^-?\d{1,14}\.\d{2}$/);
/** What reconciliation needs of a stored 2304/2305 setlinfo (validated when it arrived; checked again here). */
const storedSetlinfo = z.looseObject({
  setl_time: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
  insutype: z.string().regex(/^\d{3}$/, { message: '缺少险种类型 insutype' }),
  clr_type: z.string().min(1, { message: '缺少清算类别 clr_type' }).max(6),
  clr_optins: z.string().min(1, { message: '缺少清算经办机构 clr_optins' }).max(6),
  medfee_sumamt: amount,
  fund_pay_sumamt: amount,
  acct_pay: amount,
  psn_cash_pay: amount,
});

/** One of the platform's answers of the day, with the local record it belongs to. */
interface PlatformRecord {
  number: string;
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  insutype: string;
  clr_type: string;
  setl_optins: string;
  refd_setl_flag: '0' | '1';
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  psn_cash_pay: string;
}

function platformRecords(x: NhsaContext, businessDate: string): PlatformRecord[] {
  const rows = x.journal.platformAnswersOn(businessDate);
  return rows.map((r) => {
    const info = storedSetlinfo.safeParse(JSON.parse(r.setlinfo));
    if (!info.success) {
      const issue = info.error.issues[0]!;
      throw new DeskError(
        'invalid_field',
        '',
        `${r.number} 的平台应答（${r.kind === 'reversal' ? '2305' : '2304'}）不能用于对账：${issue.path.join('.')} ${issue.message}`,
        `the platform's answer for ${r.number} cannot be reconciled: ${issue.path.join('.')} ${issue.message}`,
      );
    }
    const s = info.data;
    return {
      number: r.number,
      setl_id: r.setl_id,
      mdtrt_id: r.mdtrt_id,
      psn_no: r.psn_no,
      insutype: s.insutype,
      clr_type: s.clr_type,
      setl_optins: s.clr_optins,
      refd_setl_flag: r.kind === 'reversal' ? '1' : '0',
      medfee_sumamt: s.medfee_sumamt,
      fund_pay_sumamt: s.fund_pay_sumamt,
      acct_pay: s.acct_pay,
      psn_cash_pay: s.psn_cash_pay,
    };
  });
}

const sum = (rs: readonly PlatformRecord[], f: 'medfee_sumamt' | 'fund_pay_sumamt' | 'acct_pay' | 'psn_cash_pay') =>
  rs.reduce<Money>((t, r) => t.plus(r[f]), ZERO);
const money = (m: Money) => jsonNumber(formatSigned(m));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** One journaled request; a sign_no the gateway no longer accepts is renewed (twice at most) and the request sent anew. */
async function ask<I extends Infno>(
  x: NhsaContext,
  infno: I,
  input: Record<string, unknown>,
  sender: Sender,
  apply: Apply<I>,
  checks: CallChecks<I> = {},
): Promise<void> {
  return signedIn(() => call(x, HOSPITAL, infno, input, sender, apply, checks));
}

/** The supervisor's words for what stopped a run (the original kept as the cause). */
function asDeskError(e: unknown): unknown {
  const err = describeStop(e);
  if (err !== e && err instanceof Error) err.cause = e;
  return err;
}

/** The gateway's refusal, no (valid) answer, a bad result file. */
function describeStop(e: unknown): unknown {
  if (e instanceof DeskError) return e;
  if (e instanceof Held || e instanceof SignInAgain)
    return new DeskError(
      'insurer_refused',
      '',
      `医保平台拒绝：${e.message}（对账未完成）`,
      `the platform refused: ${e.message} (reconciliation not finished)`,
    );
  if (e instanceof UnknownOutcome)
    return new DeskError(
      'insurer_unreachable',
      '',
      `医保平台未应答或应答无效（${e.message}），对账未完成，可稍后重试`,
      `no valid answer from the platform (${e.message}); reconciliation not finished, try again later`,
    );
  if (e instanceof StmtFileError)
    return new DeskError(
      'insurer_unreachable',
      '',
      `医保平台的对账结果文件无效：${e.message}（对账未完成）`,
      `the platform's reconciliation result file is invalid: ${e.message} (reconciliation not finished)`,
    );
  return e;
}

/** result.txt from the 9102 zip, every line checked; a fault names the file and line. */
export function readResultZip(zip: Uint8Array): StmtResultRecord[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        if (f.originalSize > MAX_RESULT_BYTES)
          throw new StmtFileError(null, `${f.name} 解压后超过 ${MAX_RESULT_BYTES} 字节`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof StmtFileError) throw e;
    throw new StmtFileError(null, `不是有效的 zip（${e instanceof Error ? e.message : String(e)}）`);
  }
  const bytes = entries['result.txt'];
  if (!bytes)
    throw new StmtFileError(null, `zip 中没有 result.txt（实有：${Object.keys(entries).join('、') || '无'}）`);
  let text: string;
  try {
    // A BOM, if the platform writes one, is dropped (TextDecoder's default); anything not UTF-8 is refused.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new StmtFileError(null, 'result.txt 不是有效的 UTF-8 文本');
  }
  try {
    return readStmtFile(text, STMT_RESULT_FIELDS, stmtResultRecord);
  } catch (e) {
    if (e instanceof StmtFileError) throw new StmtFileError(null, `result.txt 第 ${e.line} 行：${e.detail}`);
    throw e;
  }
}

/** 3202 for one (setl_optins, clr_type, refd_setl_flag): upload, compare, download, read. */
async function detail(
  x: NhsaContext,
  sender: Sender,
  businessDate: string,
  records: readonly PlatformRecord[],
): Promise<StmtResultRecord[]> {
  const { db } = x.service;
  const first = records[0]!;
  const text = writeStmtFile(
    records.map((r) => [
      r.setl_id,
      r.mdtrt_id,
      r.psn_no,
      r.medfee_sumamt,
      r.fund_pay_sumamt,
      r.acct_pay,
      r.refd_setl_flag,
    ]),
  );
  // ZB names the file <prefix>yyyyMMddHHmmss_NNNNN.txt inside <same>.zip; our prefix is the hospital's code.
  const n = (db.prepare('SELECT count(*) FROM nhsa_stmt_files').pluck().get() as number) + 1;
  const stem = `${x.config.fixmedins_code}${beijingStamp(x.now())}_${String(n % 100_000).padStart(5, '0')}`;
  const zip = zipSync({ [`${stem}.txt`]: new TextEncoder().encode(text) });
  const filename = `${stem}.zip`;
  const keep = (
    direction: 'uploaded' | 'downloaded',
    stepId: number,
    fileQuryNo: string,
    name: string,
    b: Uint8Array,
  ) =>
    db
      .prepare(
        `INSERT INTO nhsa_stmt_files (business_date, direction, step_id, file_qury_no, filename, bytes, sha256, recorded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(businessDate, direction, stepId, fileQuryNo, name, Buffer.from(b), sha256(b), x.now().toISOString());

  let uploaded = '';
  const code = x.config.fixmedins_code;
  await ask(
    x,
    '9101',
    { fsUploadIn: { in: Buffer.from(zip).toString('base64'), filename, fixmedins_code: code } },
    sender,
    (o, p) => {
      uploaded = o.file_qury_no;
      keep('uploaded', p.stepId, o.file_qury_no, filename, zip);
    },
  );

  let result = { file_qury_no: '', filename: '' };
  const data = {
    setl_optins: first.setl_optins,
    file_qury_no: uploaded,
    stmt_begndate: businessDate,
    stmt_enddate: businessDate,
    medfee_sumamt: money(sum(records, 'medfee_sumamt')),
    fund_pay_sumamt: money(sum(records, 'fund_pay_sumamt')),
    cash_payamt: money(sum(records, 'psn_cash_pay')),
    fixmedins_setl_cnt: jsonNumber(String(records.length)),
    clr_type: first.clr_type,
    refd_setl_flag: first.refd_setl_flag,
  };
  await ask(x, '3202', { data }, sender, (o) => {
    result = { file_qury_no: o.fileinfo.file_qury_no, filename: o.fileinfo.filename };
  });

  let file: Uint8Array = new Uint8Array();
  await ask(x, '9102', { fsDownloadIn: { ...result, fixmedins_code: code } }, sender, (o, p) => {
    file = o.file;
    keep('downloaded', p.stepId, result.file_qury_no, result.filename, o.file);
  });

  const lines = readResultZip(file);
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (seen.has(l.setl_id)) throw new StmtFileError(null, `result.txt 第 ${i + 1} 行：结算ID ${l.setl_id} 重复`);
    seen.add(l.setl_id);
    if (l.refd_setl_flag !== first.refd_setl_flag)
      throw new StmtFileError(
        null,
        `result.txt 第 ${i + 1} 行：退费结算标志 ${l.refd_setl_flag} 不是所对账的 ${first.refd_setl_flag}`,
      );
  });
  return lines;
}

async function run(x: NhsaContext, supervisor: Session, businessDate: string): Promise<ReconciliationReport> {
  const { db } = x.service;
  const sender: Sender = { opter: supervisor.code, opter_name: supervisor.name, insuplc_admdvs: '' };
  const records = platformRecords(x, businessDate);

  const byGroup = new Map<string, PlatformRecord[]>();
  for (const r of records) {
    const key = [r.insutype, r.clr_type, r.setl_optins, r.refd_setl_flag].join('|');
    byGroup.set(key, [...(byGroup.get(key) ?? []), r]);
  }
  const groups: Group[] = [];
  for (const key of [...byGroup.keys()].sort()) {
    const rs = byGroup.get(key)!;
    const r = rs[0]!;
    const g: Group = {
      insutype: r.insutype,
      clr_type: r.clr_type,
      setl_optins: r.setl_optins,
      refd_setl_flag: r.refd_setl_flag,
      count: rs.length,
      medfee_sumamt: formatSigned(sum(rs, 'medfee_sumamt')),
      fund_pay_sumamt: formatSigned(sum(rs, 'fund_pay_sumamt')),
      acct_pay: formatSigned(sum(rs, 'acct_pay')),
      stmt_rslt: '0',
      stmt_rslt_dscr: '',
    };
    const data = {
      insutype: g.insutype,
      clr_type: g.clr_type,
      setl_optins: g.setl_optins,
      stmt_begndate: businessDate,
      stmt_enddate: businessDate,
      medfee_sumamt: jsonNumber(g.medfee_sumamt),
      fund_pay_sumamt: jsonNumber(g.fund_pay_sumamt),
      acct_pay: jsonNumber(g.acct_pay),
      fixmedins_setl_cnt: jsonNumber(String(g.count)),
      refd_setl_flag: g.refd_setl_flag,
    };
    await ask(
      x,
      '3201',
      { data },
      sender,
      (o) => {
        g.stmt_rslt = o.stmtinfo.stmt_rslt;
        g.stmt_rslt_dscr = o.stmtinfo.stmt_rslt_dscr ?? '';
      },
      {
        belongs: (o) =>
          o.stmtinfo.setl_optins && o.stmtinfo.setl_optins !== g.setl_optins
            ? `setl_optins ${o.stmtinfo.setl_optins}`
            : null,
      },
    );
    groups.push(g);
  }

  // 3202 per (setl_optins, clr_type, refd_setl_flag) of a group that is not 平, with all its records.
  const detailKeys = [
    ...new Set(
      groups.filter((g) => g.stmt_rslt !== '0').map((g) => [g.setl_optins, g.clr_type, g.refd_setl_flag].join('|')),
    ),
  ];
  const bySetlId = new Map(records.map((r) => [r.setl_id, r]));
  const detailRecords: View['records'] = [];
  for (const key of detailKeys) {
    const rs = records.filter((r) => [r.setl_optins, r.clr_type, r.refd_setl_flag].join('|') === key);
    for (const l of await detail(x, sender, businessDate, rs)) {
      const ours = bySetlId.get(l.setl_id);
      const number = ours?.number ?? (l.msgid ? x.journal.numberOfMsgid(l.msgid) : null);
      const name = STMT_RSLT_NAMES[l.stmt_rslt];
      detailRecords.push({
        number,
        code: `stmt_${l.stmt_rslt}`,
        problem: l.memo ? `${name}（${l.memo}）` : name,
        terminal: ours?.fund_pay_sumamt ?? null,
        insurer: l.stmt_rslt === '2' ? null : l.fund_pay_sumamt,
        nhsa: { setl_id: l.setl_id, refd_setl_flag: l.refd_setl_flag, msgid: l.msgid, memo: l.memo },
      });
    }
  }
  // What is not 平 first, each in the file's order.
  detailRecords.sort((a, b) => Number(a.code === 'stmt_0') - Number(b.code === 'stmt_0'));

  // The day's local records the platform has not answered yet (queued or held), withdrawn pairs aside.
  const pending = x.service.outbox.unansweredOn(businessDate);
  const notReceived: View['records'] = pending.map((p) => ({
    number: p.number,
    code: 'not_received',
    problem: '医保未收到（尚未上传）',
    terminal: p.fund_pay_sumamt,
    insurer: null,
  }));

  const settled = records.filter((r) => r.refd_setl_flag === '0');
  return {
    business_date: businessDate,
    result: groups.every((g) => g.stmt_rslt === '0') && notReceived.length === 0 ? 'balanced' : 'mismatch',
    differences: [],
    records: [...detailRecords, ...notReceived],
    groups,
    terminal: terminalDayTotals(db, businessDate),
    // The platform's side as its own answers of the day say (per national field, not per local layer: no funds).
    insurer: {
      settlements: settled.length,
      reversals: records.length - settled.length,
      medfee_sumamt: formatSigned(sum(records, 'medfee_sumamt')),
      fund_pay_sumamt: formatSigned(sum(records, 'fund_pay_sumamt')),
      psn_cash_pay: formatSigned(sum(records, 'psn_cash_pay')),
      funds: {},
    },
  };
}

/** A supervisor's reconciliation of a business day; the run (its view, or what stopped it) is kept. */
export async function reconcileNhsa(
  x: NhsaContext,
  supervisor: Session,
  businessDate: string,
): Promise<ReconciliationReport> {
  const startedAt = x.now().toISOString();
  const keep = (report: ReconciliationReport | null, error: string | null) =>
    writeTransaction(x.service.db, () =>
      x.service.db
        .prepare(
          `INSERT INTO nhsa_reconciliations (business_date, operator_id, started_at, finished_at, result, view, error)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          businessDate,
          supervisor.operatorId,
          startedAt,
          x.now().toISOString(),
          report?.result ?? null,
          report ? JSON.stringify(report) : null,
          error,
        ),
    );
  try {
    const report = await run(x, supervisor, businessDate);
    keep(report, null);
    return report;
  } catch (e) {
    const err = asDeskError(e);
    keep(null, err instanceof DeskError ? err.body.message : err instanceof Error ? err.message : String(err));
    throw err;
  }
}
