/**
 * Resident identity numbers (身份证号, GB 11643-1999): 17 digits and a check
 * character. Pure TypeScript so that the protocol schemas can refuse a
 * mistyped number on both sides of the wire (electron/worker/store/pii.ts does the
 * same check for the store, with Node-side error reporting). The birth date's
 * checks (a real date, not before EARLIEST_BIRTH, not after today) are in
 * shared/limits.ts idNumberProblem, with the other limits declared once.
 */

const ID_PATTERN = /^\d{17}[\dX]$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for the first 17 digits. */
export function idCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** 18 characters, upper-case X only, check character right. */
export function isValidIdNumber(id: string): boolean {
  return ID_PATTERN.test(id) && idCheckCharacter(id.slice(0, 17)) === id[17];
}

/**
 * The gender an identity number carries (GB 11643: the 17th digit, odd for
 * men, even for women), or null for a number not of that form. The services
 * record it when the caller gives none (services/persons.ts), so the slip's
 * 性别 is never blank for a cashier-recorded person.
 */
export function genderOfIdNumber(raw: string): 'M' | 'F' | null {
  const id = raw.trim().toUpperCase();
  if (!ID_PATTERN.test(id)) return null;
  return Number(id[16]) % 2 === 1 ? 'M' : 'F';
}
