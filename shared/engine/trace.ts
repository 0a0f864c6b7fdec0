/** The Chinese calculation trace: steps added as the engine goes, formatted only when the trace is on. */
import type { TraceStep } from './result.js';

/** Marks a value that is a sample, not a published figure. */
export const SAMPLE = '〔样例值〕';

/** Trace text, given as a thunk so that nothing is formatted when the trace is off. */
export type Text = string | (() => string);

export class Trace {
  readonly steps: TraceStep[] = [];
  constructor(readonly enabled: boolean) {}

  add(part: number | null, layer: string, step: string, text: Text, article: string | null): void {
    if (this.enabled) this.steps.push({ part, layer, step, text: typeof text === 'string' ? text : text(), article });
  }
}
