/** What the store returns to the window: records as the UI and the IPC contract see them. */
import type { InsuredPerson } from '../engine/insured.js';
import type { OperatorRole } from './inputs.js';

export interface OperatorInfo {
  code: string;
  name: string;
  role: OperatorRole;
}

export interface SettlementRecord {
  id: number;
  number: string;
  kind: 'settlement' | 'reversal';
  status: 'settled' | 'reversed' | 'reversal';
  reverses: string | null;
  reversed_by: string | null;
  person_id: number;
  person_name: string;
  id_masked: string;
  operator_code: string;
  business_date: string;
  settled_at: string;
  region: string;
  rule_versions: string;
  offline: boolean;
  hospital_level: number;
  admission_date: string;
  discharge_date: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  reason: string | null;
  reprints: number;
}

export interface DayTotals {
  business_date: string;
  settlements: number;
  reversals: number;
  offline: number;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  psn_cash_pay: string;
  funds: Record<string, string>;
}

/** An InsuredPerson (shared/engine/insured.ts) as the store holds them: its own id, the identity number masked, and where the facts came from. */
export interface PersonSummary extends InsuredPerson {
  person_id: number;
  id_masked: string;
  source: 'cashier' | 'insurer';
  as_of: string;
}

/**
 * The upload queue, one definition for the status bar and the sync screen:
 * `queued` = rows still to upload (waiting, or being sent), not held;
 * `held` = rows the insurer will not take as sent, waiting for a person.
 */
export interface QueueCounts {
  queued: number;
  held: number;
  accepted: number;
  rejected: number;
  adjusted: number;
}
