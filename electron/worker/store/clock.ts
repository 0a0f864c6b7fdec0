/** Time for the store: injectable for tests; business dates are the hospital's local (China Standard Time) dates. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const dateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** YYYY-MM-DD in China Standard Time. */
export function businessDate(at: Date): string {
  return dateFormat.format(at);
}
