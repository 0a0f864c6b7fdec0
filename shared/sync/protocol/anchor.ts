/**
 * The terminal's anchor (electron/worker/store/anchors.ts), sent with every upload batch of our own protocol so
 * that the insurer keeps, outside the terminal, how far the terminal's keyed chain and its numbering had got: the
 * chain's head (seq and MAC) and the highest number issued per sequence of the last days. The insurer stores each
 * one it receives (insurer/anchors.ts) and marks one behind an earlier one (a terminal put back on an old copy).
 * The NHSA interface has no field for it.
 */
import { z } from 'zod';
import { timestamp } from './primitives.js';

/** A number sequence: S settlement, R reversal, M manual claim, then its business date (e.g. "S:2026-11-30"). */
export const sequenceName = z.string().regex(/^[SRM]:\d{4}-\d{2}-\d{2}$/);

/** How many sequences an anchor carries at most (three a day, for the last days). */
export const MAX_ANCHOR_SEQUENCES = 64;

export const terminalAnchor = z.strictObject({
  /** The chain's last entry. */
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** Its MAC (HMAC-SHA256 under the terminal's chain key, hex): meaningless to the insurer, compared by the terminal. */
  mac: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** The highest number issued per sequence. */
  sequences: z
    .record(sequenceName, z.number().int().positive().max(999_999))
    .refine((s) => Object.keys(s).length <= MAX_ANCHOR_SEQUENCES, {
      message: `至多 ${MAX_ANCHOR_SEQUENCES} 个编号序列`,
      params: { code: 'invalid_field', en: `at most ${MAX_ANCHOR_SEQUENCES} sequences` },
    }),
  /** When the terminal read it. */
  at: timestamp,
});
export type TerminalAnchor = z.infer<typeof terminalAnchor>;
