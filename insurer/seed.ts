/**
 * Seed data for tests, demos and a hospital's IT trial: two persons per
 * bundled region, covering the cases the rules distinguish (retired,
 * assistance recipient, enrolled or not in a conditional layer). Identity
 * numbers are fictitious but carry valid GB 11643 check digits (and the
 * gender digit matches). Two persons have insurer-side accumulators from a
 * stay at another hospital earlier in 2026, which a terminal that never saw
 * that stay does not know: their first claim from such a terminal comes back
 * adjusted.
 */
import { isValidIdNumber } from '../shared/sync/id-number.js';
import type { YtdJson } from '../shared/engine/accumulators.js';
import type { Db } from './db.js';
import { recordMoves, upsertPerson, type PersonInput } from './persons.js';

export interface SeedPerson extends PersonInput {
  /** Accumulators from stays the terminals did not see (source other_hospital). */
  other_hospital: YtdJson;
  note: string;
}

export const SEED_PERSONS: readonly SeedPerson[] = [
  {
    id_number: '511702196803120014',
    name: '张建国',
    gender: 'M',
    region: 'dazhou',
    scheme: 'employee',
    retired: false,
    medical_assistance: false,
    enrolled: {},
    // An earlier 2026 stay elsewhere: the basic fund paid 50,000.00 (one admission), and a
    // large-amount coinsurance base of 3,000.00 below its 4,000 threshold (达州 第九条).
    other_hospital: {
      '2026': { basic: { paid: '50000.00', admissions: 1 }, large_amount: { paid: '0.00', base: '3000.00' } },
    },
    note: 'insurer-side accumulators 2026 (stay at another hospital): a claim settled without them comes back adjusted',
  },
  {
    id_number: '511702197509210021',
    name: '李秀英',
    gender: 'F',
    region: 'dazhou',
    scheme: 'employee',
    retired: true,
    medical_assistance: false,
    enrolled: {},
    other_hospital: {},
    note: 'retired employee',
  },
  {
    id_number: '410202197001050037',
    name: '王强',
    gender: 'M',
    region: 'kaifeng',
    scheme: 'employee',
    retired: false,
    medical_assistance: false,
    enrolled: { large_amount: true },
    other_hospital: {},
    note: 'large_amount contribution paid',
  },
  {
    id_number: '410202198812300049',
    name: '刘芳',
    gender: 'F',
    region: 'kaifeng',
    scheme: 'employee',
    retired: false,
    medical_assistance: false,
    enrolled: { large_amount: false },
    other_hospital: {},
    note: 'large_amount contribution not paid (开封 第八条)',
  },
  {
    id_number: '621002196204180055',
    name: '陈志明',
    gender: 'M',
    region: 'qingyang',
    scheme: 'employee',
    retired: true,
    medical_assistance: false,
    enrolled: { supplementary: true },
    other_hospital: {},
    note: 'retired, unit contributions paid',
  },
  {
    id_number: '621002197907070068',
    name: '杨丽',
    gender: 'F',
    region: 'qingyang',
    scheme: 'employee',
    retired: false,
    medical_assistance: false,
    enrolled: { supplementary: false },
    other_hospital: {},
    note: 'unit in arrears (庆阳 六(三))',
  },
  {
    id_number: '510603199002140078',
    name: '赵磊',
    gender: 'M',
    region: 'deyang',
    scheme: 'resident',
    retired: false,
    medical_assistance: false,
    enrolled: { supplementary: true },
    other_hospital: {},
    note: 'resident, supplementary enrolled',
  },
  {
    id_number: '51060319551103008X',
    name: '黄桂兰',
    gender: 'F',
    region: 'deyang',
    scheme: 'resident',
    retired: false,
    medical_assistance: true,
    enrolled: { supplementary: true },
    other_hospital: {
      '2026': { basic: { paid: '12000.00', admissions: 1 }, major_illness: { paid: '0.00', base: '8000.00' } },
    },
    note: 'assistance recipient; insurer-side accumulators 2026 (stay at another hospital)',
  },
  {
    id_number: '320281198305270096',
    name: '周洋',
    gender: 'M',
    region: 'jiangyin',
    scheme: 'resident',
    retired: false,
    medical_assistance: true,
    enrolled: {},
    other_hospital: {},
    note: 'resident, assistance recipient (江阴 modifier)',
  },
  {
    id_number: '320281195808090106',
    name: '吴淑珍',
    gender: 'F',
    region: 'jiangyin',
    scheme: 'employee',
    retired: true,
    medical_assistance: false,
    enrolled: {},
    other_hospital: {},
    note: 'retired employee',
  },
];

/** Inserts the seed persons and their other-hospital accumulators. Call inside a write transaction, on an empty persons table. */
export function seedPersons(db: Db, at: string): void {
  for (const s of SEED_PERSONS) {
    if (!isValidIdNumber(s.id_number)) throw new Error(`seed person ${s.name}: invalid identity number ${s.id_number}`);
    const id = upsertPerson(
      db,
      {
        id_number: s.id_number,
        name: s.name,
        gender: s.gender,
        region: s.region,
        scheme: s.scheme,
        retired: s.retired,
        medical_assistance: s.medical_assistance,
        enrolled: s.enrolled,
      },
      at,
    );
    recordMoves(db, id, {}, s.other_hospital, 'other_hospital', null, at);
  }
}
