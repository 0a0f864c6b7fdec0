export { settle, settleRequest } from './engine/settle.js';
export { parseSettlementRequest, type SettlementRequest } from './engine/request.js';
export type { SettlementResult, TraceStep, PartResult, FundPayment } from './engine/result.js';
export { RuleSet, parseRulePackage } from './rules/ruleset.js';
export { bundledRuleSet, bundledPackages } from './rules/bundled.js';
export { DeskError, type ErrorBody, type ErrorCode } from './errors.js';
