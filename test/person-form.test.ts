/**
 * The person form's shared rules (issue 17): an identity number's birth date
 * must exist, be on or after EARLIEST_BIRTH and not after today (shared/limits.ts,
 * used by the window's schema and the services); its 17th digit gives the
 * gender (shared/sync/id-number.ts); the record schema takes accumulators of
 * more than one year.
 */
import { describe, expect, it } from 'vitest';
import { EARLIEST_BIRTH, idNumberProblem } from '../shared/limits.js';
import { genderOfIdNumber, idCheckCharacter } from '../shared/sync/id-number.js';
import { recordPersonInput } from '../shared/store/inputs.js';

/** A valid identity number (check character computed) of the given region, birth date and sequence. */
const id = (birth: string, seq = '001') => {
  const first17 = `511702${birth.replaceAll('-', '')}${seq}`;
  return first17 + idCheckCharacter(first17);
};

describe('identity number birth date', () => {
  it('refuses the numbers of issue 17: 1900-02-30 and 2099', () => {
    expect(idNumberProblem('511702190002300018')?.zh).toContain('1900-02-30 不存在');
    expect(idNumberProblem('51170220991231001X')).toBeNull(); // a real date: only today refuses it
    expect(idNumberProblem('51170220991231001X', '2026-11-30')?.en).toContain('after today 2026-11-30');
  });

  it('refuses dates that do not exist and dates before the earliest birth', () => {
    for (const d of ['2023-02-29', '1990-13-01', '1990-04-31', '1990-00-10', '1990-01-00'])
      expect(idNumberProblem(id(d), '2026-11-30')?.code).toBe('invalid_field');
    expect(EARLIEST_BIRTH).toBe('1900-01-01');
    expect(idNumberProblem(id('1899-12-31'), '2026-11-30')).not.toBeNull();
    expect(idNumberProblem(id(EARLIEST_BIRTH), '2026-11-30')).toBeNull();
  });

  it('accepts a leap day and today, refuses tomorrow', () => {
    expect(idNumberProblem(id('2024-02-29'), '2026-11-30')).toBeNull();
    expect(idNumberProblem(id('2026-11-30'), '2026-11-30')).toBeNull();
    expect(idNumberProblem(id('2026-12-01'), '2026-11-30')).not.toBeNull();
  });

  it('is refused by the record schema with the field named', () => {
    const r = recordPersonInput.safeParse({
      id_number: '511702190002300018',
      name: '患者',
      region: 'dazhou',
      scheme: 'employee',
      retired: false,
      medical_assistance: false,
      as_of: '2026-11-30T00:00:00+08:00',
      source: 'cashier',
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['id_number']);
  });
});

describe('gender from the identity number', () => {
  it('reads the 17th digit: odd for men, even for women', () => {
    expect(genderOfIdNumber(id('1980-01-01', '001'))).toBe('M');
    expect(genderOfIdNumber(id('1980-01-01', '002'))).toBe('F');
    expect(genderOfIdNumber(id('1980-01-01', '130'))).toBe('F');
    expect(genderOfIdNumber('51170220991231001X')).toBe('M');
    expect(genderOfIdNumber(' 51170219800101002x ')).toBe('F');
  });

  it('gives none for a number not of the form', () => {
    expect(genderOfIdNumber('')).toBeNull();
    expect(genderOfIdNumber('5117021980010100')).toBeNull();
    expect(genderOfIdNumber('51170219800101001A')).toBeNull();
  });
});

describe('the record schema', () => {
  it("takes this year's and last year's accumulators", () => {
    const r = recordPersonInput.parse({
      id_number: id('1980-01-01'),
      name: '患者',
      gender: null,
      region: 'dazhou',
      scheme: 'employee',
      retired: false,
      medical_assistance: false,
      accumulators: {
        '2025': { basic: { paid: '1234.50', admissions: 2 } },
        '2026': { basic: { paid: '0.00', admissions: 0 } },
      },
      as_of: '2026-11-30T00:00:00+08:00',
      source: 'cashier',
    });
    expect(Object.keys(r.accumulators)).toEqual(['2025', '2026']);
  });
});
