/** The typed input of each transaction (shared/nhsa TRANSACTIONS) and a handler's signature. */
import type { z } from 'zod';
import type { TRANSACTIONS } from '../../../shared/nhsa/transactions.js';
import type { TxContext, TxResult } from '../context.js';

export type TxInfno = keyof typeof TRANSACTIONS;
export type InputOf<K extends TxInfno> = z.output<(typeof TRANSACTIONS)[K]['input']>;
export type Handler<K extends TxInfno> = (ctx: TxContext, input: InputOf<K>) => TxResult;
export type Handlers = { [K in TxInfno]: Handler<K> };

/** The person the input names (process.ts resolved it), or a refusal when the input named none. */
export function personOf(ctx: TxContext) {
  if (!ctx.person || !ctx.psnNo) throw new Error('internal: a transaction with psn_no reached its handler without one');
  return { person: ctx.person, psnNo: ctx.psnNo };
}
