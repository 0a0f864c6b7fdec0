/**
 * The steps of one stay at the platform, in order (docs/nhsa.md §4.1, §7.1):
 * 1101 → 2401 → 2301 (with 2302 for lines edited since) → [2303] → 2402 →
 * 2304. Each step looks at what the journal says the platform already has and
 * sends only what is missing, so the queue's drain (drain.ts) and the window
 * (window.ts) run the same steps and either can continue where the other
 * stopped.
 */
import { createHash } from 'node:crypto';
import { jsonNumber } from '../../../../shared/nhsa/index.js';
import type { FeeLine } from '../../../../shared/fee-lines.js';
import type { SettlementResult } from '../../../../shared/engine/result.js';
import type { Output, Prepared, Sender } from './client.js';
import { call, notFound, type NhsaContext } from './exchange.js';
import type { Stay, StepOwner } from './journal.js';

const MED_TYPE_INPATIENT = '21'; // 普通住院
export const CERT_ID_CARD = '02'; // 居民身份证

/** What the steps need of a bill: a queued record's (record.ts) or the window's before F8 (window.ts). */
export interface StayBill {
  personId: number;
  personName: string;
  idNumber: string;
  scheme: 'employee' | 'resident';
  admission: string;
  discharge: string;
  stay: { inpatient_no: string; ward: string; bed: string; diagnosis: string };
  /** The record's number once settled (ipt_no when the HIS gave no inpatient number). */
  number: string | null;
  lines: FeeLine[];
  /** When the HIS registered the admission with the platform (2401 done by the HIS). */
  mdtrtId: string | null;
  /** The terminal's own settlement of the bill: the amounts 2303/2304 send. */
  result: SettlementResult;
}

/** One stay's steps: the journal's row for it, who the requests are for, and the sender. */
export interface StayRun {
  x: NhsaContext;
  owner: StepOwner;
  stay: Stay;
  sender: Sender;
}

const refresh = (r: StayRun) => {
  r.stay = r.x.journal.stay(r.stay.id);
  r.sender = { ...r.sender, insuplc_admdvs: r.stay.insuplc_admdvs ?? '' };
};

/** The stay's insurance among 1101's insuinfo: the scheme the bill is settled under (310 职工 / 390 居民), else the first. */
/**
 * The stay's insurance among 1101's insuinfo: an active one (psn_insu_stas 1 正常参保) first — of the scheme the bill
 * is settled under (310 职工 / 390 居民) if there is one —, then the scheme's even if not active (the cashier is told),
 * then the first.
 */
export function insuranceOf(o: Output<'1101'>, scheme: StayBill['scheme'] | null) {
  const wanted = scheme === 'employee' ? '310' : scheme === 'resident' ? '390' : null;
  const active = o.insuinfo.filter((i) => i.psn_insu_stas === ACTIVE);
  return (
    active.find((i) => i.insutype === wanted) ??
    active[0] ??
    o.insuinfo.find((i) => i.insutype === wanted) ??
    o.insuinfo[0]!
  );
}

/** psn_insu_stas 正常参保. */
export const ACTIVE = '1';

/** The scheme an insutype names (310 职工 → employee, 390 居民 → resident), else null (a scheme this app does not settle). */
export const schemeOf = (insutype: string): StayBill['scheme'] | null =>
  insutype === '310' ? 'employee' : insutype === '390' ? 'resident' : null;

export const personInput = (idNumber: string, name: string) => ({
  data: {
    mdtrt_cert_type: CERT_ID_CARD,
    mdtrt_cert_no: idNumber,
    card_sn: '',
    begntime: '',
    psn_cert_type: '01',
    certno: idNumber,
    psn_name: name,
  },
});

export const samePerson = (idNumber: string) => (o: Output<'1101'>) =>
  o.baseinfo.certno && o.baseinfo.certno !== idNumber ? 'another person' : null;

/** 1101 when the stay has no psn_no yet (the window's lookup usually gave it: window.ts copies it in). */
export async function person(r: StayRun, bill: StayBill): Promise<void> {
  if (r.stay.psn_no) return;
  const { x } = r;
  await call(
    x,
    r.owner,
    '1101',
    personInput(bill.idNumber, bill.personName),
    r.sender,
    (o) => {
      const insu = insuranceOf(o, bill.scheme);
      x.journal.updateStay(r.stay.id, {
        psn_no: o.baseinfo.psn_no,
        insutype: insu.insutype,
        insuplc_admdvs: insu.insuplc_admdvs,
      });
    },
    { belongs: samePerson(bill.idNumber) },
  );
  refresh(r);
}

/** 2401 unless the stay has its mdtrt_id (ours from an earlier 2401, or the HIS's from the bill). */
export async function admit(r: StayRun, bill: StayBill): Promise<void> {
  if (r.stay.mdtrt_id) return;
  const { x } = r;
  if (bill.mdtrtId) {
    const mdtrt_id = bill.mdtrtId;
    x.service.db.transaction(() => x.journal.updateStay(r.stay.id, { mdtrt_id }))();
  } else {
    const input = {
      mdtrtinfo: {
        psn_no: r.stay.psn_no!,
        insutype: r.stay.insutype!,
        begntime: `${bill.admission} 00:00:00`,
        mdtrt_cert_type: CERT_ID_CARD,
        mdtrt_cert_no: bill.idNumber,
        med_type: MED_TYPE_INPATIENT,
        ipt_no: bill.stay.inpatient_no || bill.number || `P${bill.personId}-${bill.admission}`,
        atddr_no: '',
        chfpdr_name: '',
        adm_diag_dscr: bill.stay.diagnosis,
        adm_dept_codg: bill.lines[0]!.bilg_dept_codg,
        adm_dept_name: bill.lines[0]!.bilg_dept_name,
        adm_bed: bill.stay.bed,
        dscg_maindiag_code: '',
        dscg_maindiag_name: bill.stay.diagnosis,
      },
      diseinfo: [],
    };
    await call(x, r.owner, '2401', input, r.sender, (o) =>
      x.journal.updateStay(r.stay.id, { mdtrt_id: o.result.mdtrt_id }),
    );
  }
  refresh(r);
}

const feeLineInput = (l: FeeLine, stay: Stay) => ({
  feedetl_sn: l.feedetl_sn,
  init_feedetl_sn: l.init_feedetl_sn,
  mdtrt_id: stay.mdtrt_id!,
  drord_no: '',
  psn_no: stay.psn_no!,
  med_type: MED_TYPE_INPATIENT,
  fee_ocur_time: l.fee_ocur_time,
  med_list_codg: l.med_list_codg,
  medins_list_codg: l.medins_list_codg,
  det_item_fee_sumamt: jsonNumber(l.det_item_fee_sumamt),
  cnt: jsonNumber(l.cnt),
  pric: jsonNumber(l.pric),
  bilg_dept_codg: l.bilg_dept_codg,
  bilg_dept_name: l.bilg_dept_name,
  bilg_dr_codg: l.bilg_dr_codg,
  bilg_dr_name: l.bilg_dr_name,
  hosp_appr_flag: '',
});

/** The digest of a fee line as the HIS gave it: an edited line (same feedetl_sn, other content) is sent again. */
export const lineDigest = (l: FeeLine) => createHash('sha256').update(JSON.stringify(l)).digest('hex');

/**
 * The platform holds exactly the bill's lines after this: lines edited or dropped since they were uploaded are
 * cancelled (2302, by feedetl_sn), then lines not there are uploaded (2301, in batches). An unchanged bill sends
 * nothing. A line uploaded before migration 0009 has no digest: it is taken as unchanged (queued records never change).
 */
export async function uploadFees(r: StayRun, bill: StayBill): Promise<void> {
  const { x } = r;
  const j = x.journal;
  const digests = new Map(bill.lines.map((l) => [l.feedetl_sn, lineDigest(l)]));
  const uploaded = j.uploaded(r.stay.id);
  const stale = [...uploaded].filter(([sn, d]) => !digests.has(sn) || (d !== null && d !== digests.get(sn)));
  if (stale.length > 0) {
    const sns = stale.map(([sn]) => sn);
    const input = {
      data: sns.map((feedetl_sn) => ({ feedetl_sn, mdtrt_id: r.stay.mdtrt_id!, psn_no: r.stay.psn_no! })),
    };
    const cancelled = () => j.cancelUploaded(r.stay.id, sns);
    await call(x, r.owner, '2302', input, r.sender, cancelled, {
      // Lines already gone (an earlier 2302 whose answer was lost): nothing left to cancel.
      resolvedBy: (m) =>
        notFound(x, m) || x.config.phrases.line_not_found.some((ph) => m.includes(ph)) ? cancelled : null,
    });
  }
  const have = j.uploaded(r.stay.id);
  const todo = bill.lines.filter((l) => !have.has(l.feedetl_sn));
  for (let i = 0; i < todo.length; i += x.config.batch_size) {
    const batch = todo.slice(i, i + x.config.batch_size);
    const input = { feedetail: batch.map((l) => feeLineInput(l, r.stay)) };
    const sent = batch
      .map((l) => l.feedetl_sn)
      .sort()
      .join(',');
    await call(
      x,
      r.owner,
      '2301',
      input,
      r.sender,
      (o, p) => j.recordUploaded(r.stay.id, p.stepId, o.result, digests),
      {
        belongs: (o) =>
          o.result
            .map((res) => res.feedetl_sn)
            .sort()
            .join(',') === sent
            ? null
            : 'other fee lines',
      },
    );
  }
}

const latest = (bill: StayBill) =>
  bill.lines.reduce((t, l) => (l.fee_ocur_time > t ? l.fee_ocur_time : t), `${bill.discharge} 00:00:00`);

/** 2402 unless the platform has the discharge. */
export async function discharge(r: StayRun, bill: StayBill): Promise<void> {
  if (r.stay.discharged) return;
  const last = bill.lines[bill.lines.length - 1]!;
  const input = {
    dscginfo: {
      mdtrt_id: r.stay.mdtrt_id!,
      psn_no: r.stay.psn_no!,
      insutype: r.stay.insutype!,
      endtime: latest(bill),
      dscg_way: '1',
      dscg_dept_codg: last.bilg_dept_codg,
      dscg_dept_name: last.bilg_dept_name,
    },
    diseinfo: [],
  };
  await call(r.x, r.owner, '2402', input, r.sender, () => r.x.journal.updateStay(r.stay.id, { discharged: 1 }));
  refresh(r);
}

/** The `data` of 2303 and 2304 (the same for both: F8 sends what F5 presettled), from the terminal's settlement. */
export function settlementData(stay: Stay, bill: StayBill) {
  const res = bill.result;
  return {
    psn_no: stay.psn_no!,
    mdtrt_cert_type: CERT_ID_CARD,
    mdtrt_cert_no: bill.idNumber,
    medfee_sumamt: jsonNumber(res.medfee_sumamt),
    psn_setlway: '01',
    mdtrt_id: stay.mdtrt_id!,
    insutype: stay.insutype!,
    acct_used_flag: '0',
    invono: '',
    mid_setl_flag: '0',
    fulamt_ownpay_amt: jsonNumber(res.fulamt_ownpay_amt),
    overlmt_selfpay: jsonNumber(res.overlmt_selfpay),
    preselfpay_amt: jsonNumber(res.preselfpay_amt),
    inscp_scp_amt: jsonNumber(res.inscp_scp_amt),
  };
}

/** A settlement answer is ours when it names our stay and person (and our msgid, where it carries medins_setl_id). */
export function settlementProblem(
  o: Pick<Output<'2304'>, 'setlinfo'>,
  stay: { mdtrt_id: string | null; psn_no: string | null },
  p: Prepared,
): string | null {
  if (o.setlinfo.mdtrt_id !== stay.mdtrt_id || o.setlinfo.psn_no !== stay.psn_no) return 'another stay';
  const medinsSetlId = (o.setlinfo as { medins_setl_id?: string | null }).medins_setl_id;
  if (medinsSetlId && medinsSetlId !== p.msgid) return 'another request';
  return null;
}
