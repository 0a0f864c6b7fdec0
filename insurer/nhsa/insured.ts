/**
 * The insurer's persons as the national interface names them: psn_no (stable
 * per person), insutype (310 职工 / 390 居民) and insuplc_admdvs, the 6-digit
 * 医保区划 of the person's region (one table for the whole gateway).
 */
import type { Db } from '../db.js';
import { findPerson, type Person } from '../persons.js';
import { refuse } from './context.js';
import { REGION_ADMDVS } from '../regions.js';

export const INSUTYPE = { employee: '310', resident: '390' } as const;

export function insutypeOf(person: Person): string {
  return INSUTYPE[person.scheme];
}

export function admdvsOf(person: Person): string {
  const code = REGION_ADMDVS[person.region];
  if (!code) refuse(`人员参保地 ${person.region} 未配置医保区划`);
  return code;
}

const PSN_PREFIX = '1000';

/** 20 digits: a fixed prefix and the insurer's person id. */
export function psnNoOf(person: Person): string {
  return `${PSN_PREFIX}${String(person.id).padStart(16, '0')}`;
}

export function personByPsnNo(db: Db, psnNo: string): Person | null {
  if (!/^\d{20}$/.test(psnNo) || !psnNo.startsWith(PSN_PREFIX)) return null;
  const row = db.prepare('SELECT id_number FROM persons WHERE id = ?').get(Number(psnNo.slice(PSN_PREFIX.length))) as
    { id_number: string } | undefined;
  return row ? findPerson(db, row.id_number) : null;
}

export function personById(db: Db, id: number): Person {
  const row = db.prepare('SELECT id_number FROM persons WHERE id = ?').get(id) as { id_number: string };
  return findPerson(db, row.id_number)!;
}

/** Every psn_no value anywhere in the input (diseinfo, feedetail lines, data arrays). */
export function psnNosIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) psnNosIn(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === 'psn_no' && typeof v === 'string') out.add(v);
      else psnNosIn(v, out);
    }
  return out;
}

/** The birth date an 18-digit identity number carries, yyyy-MM-dd. */
export function birthDateOf(idNumber: string): string {
  return `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
}

/** Whole years between the birth date and `today` (both yyyy-MM-dd). */
export function ageOn(birth: string, today: string): number {
  const years = Number(today.slice(0, 4)) - Number(birth.slice(0, 4));
  return today.slice(5) < birth.slice(5) ? years - 1 : years;
}
