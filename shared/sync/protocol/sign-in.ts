/** 9001-like sign-in: a terminal's credentials for a bearer token. */
import { z } from 'zod';
import { envelope } from './envelope.js';
import { hospitalCode, terminalCode, timestamp } from './primitives.js';

export const signInRequest = z.strictObject({
  terminal_code: terminalCode,
  hospital_code: hospitalCode,
  terminal_secret: z.string().min(16).max(200),
});
export const signInResponse = z.strictObject({
  ...envelope,
  /** Sent back as "Authorization: Bearer <token>" until expires_at. */
  token: z.string().regex(/^[A-Za-z0-9_-]{32,256}$/),
  token_type: z.literal('Bearer'),
  expires_at: timestamp,
  /** The insurer's clock, so that the terminal can notice its own drift. */
  server_time: timestamp,
  terminal_code: terminalCode,
  hospital_code: hospitalCode,
});

export type SignInRequest = z.infer<typeof signInRequest>;
export type SignInResponse = z.infer<typeof signInResponse>;
