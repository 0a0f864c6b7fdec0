/** The NHSA 定点医药机构接口 as both sides use it (docs/nhsa.md): envelope, numbers, transactions, fund codes. */
export * from './envelope.js';
export * from './numbers.js';
export * from './transactions.js';
export * from './fund-types.js';
