/**
 * The part of papaparse that shared/bill-import.ts uses. shared/tsconfig.json
 * maps 'papaparse' here because @types/papaparse references Node's types
 * (`/// <reference types="node" />`), which would make Buffer, process and
 * setTimeout type-check in shared/. The app's own tsconfig uses @types/papaparse.
 */
export interface ParseError {
  row?: number;
  message: string;
}
export interface ParseResult<T> {
  data: T[];
  errors: ParseError[];
  meta: { fields?: string[] };
}
export interface ParseConfig {
  header?: boolean;
  skipEmptyLines?: boolean | 'greedy';
  transformHeader?: (header: string, index: number) => string;
}
declare const Papa: { parse<T>(input: string, config?: ParseConfig): ParseResult<T> };
export default Papa;
