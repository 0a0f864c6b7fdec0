/** The shape every language's dictionary must have: exactly zh.ts's keys, any strings. */
import type { zh } from './zh.js';

/** Same keys as T at every level, every leaf a string (zh's literal types widened). */
export type DeepStringRecord<T> = { [K in keyof T]: T[K] extends string ? string : DeepStringRecord<T[K]> };

export type Messages = DeepStringRecord<typeof zh>;

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
