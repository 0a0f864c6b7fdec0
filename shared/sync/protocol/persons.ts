/** Person snapshot (1101-like): the insurer's facts about a person and their year-to-date accumulators. */
import { z } from 'zod';
import { SCHEME_IDS } from '../../rules/schema.js';
import { enrolmentValue, suspendedYears, type InsuredPerson } from '../../engine/insured.js';
import type { YtdJson } from '../../engine/accumulators.js';
import { envelope } from './envelope.js';
import { amountOut, idNumber, layerId, regionId, text, timestamp, yearKey } from './primitives.js';

export const personLookupRequest = z.strictObject({
  id_number: idNumber,
  /** Calendar years whose accumulators are wanted (the stay's years). */
  years: z.array(z.number().int().min(1900).max(2200)).min(1).max(5),
});
/** The engine's ytd shape (shared/engine/accumulators.ts YtdJson): basic {paid, admissions}, other layers {paid, base}. */
export const ytdOut = z.record(
  yearKey,
  z.record(
    layerId,
    z.strictObject({
      paid: amountOut,
      base: amountOut.optional(),
      admissions: z.number().int().min(0).max(9999).optional(),
    }),
  ),
) satisfies z.ZodType<YtdJson>;

/** The insurer's person: an InsuredPerson (shared/engine/insured.ts) with identity number, accumulators and the time they are as of. */
interface Snapshot extends InsuredPerson {
  id_number: string;
  accumulators: YtdJson;
  as_of: string;
}

export const personSnapshot = z.strictObject({
  id_number: idNumber,
  name: text(60),
  gender: z.enum(['M', 'F']).nullable(),
  region: regionId,
  scheme: z.enum(SCHEME_IDS),
  retired: z.boolean(),
  medical_assistance: z.boolean(),
  /** insured.enrolled.<layer id> of the engine's request: every year, or year → enrolled (domain.md §3, eligibility per year). */
  enrolled: z.record(layerId, enrolmentValue),
  /** Years in which the person's basic benefits are suspended (waiting period, arrears); absent from an insurer before 2026-11-30: none. */
  suspended_years: suspendedYears.default([]),
  /** Every requested year is present; a layer missing from a year is zero. */
  accumulators: ytdOut,
  /** Includes every claim the insurer had received at this time. */
  as_of: timestamp,
}) satisfies z.ZodType<Snapshot>;
export const personLookupResponse = z.strictObject({ ...envelope, person: personSnapshot });

export type PersonLookupRequest = z.infer<typeof personLookupRequest>;
export type PersonSnapshot = z.infer<typeof personSnapshot>;
export type PersonLookupResponse = z.infer<typeof personLookupResponse>;
