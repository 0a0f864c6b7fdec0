/**
 * Resident identity numbers (身份证号, GB 11643-1999): 17 digits and a check
 * character. Pure TypeScript so that the protocol schemas can refuse a
 * mistyped number on both sides of the wire (electron/worker/store/pii.ts does the
 * same check for the store, with Node-side error reporting).
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
