/** What the store returns to the window: records as the UI and the IPC contract see them. */
import type { Enrolment } from '../engine/insured.js';
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

export interface PersonSummary {
  person_id: number;
  name: string;
  gender: 'M' | 'F' | null;
  id_masked: string;
  region: string;
  scheme: 'employee' | 'resident';
  retired: boolean;
  medical_assistance: boolean;
  /** Per layer: every year, or year → enrolled (domain.md §3). */
  enrolled: Record<string, Enrolment>;
  /** Years in which basic benefits are suspended. */
  suspended_years: string[];
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
