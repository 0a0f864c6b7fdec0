/** What the NHSA steps need of a queued record, read from the store (docs/nhsa.md §7.1). */
import type { SettlementResult } from '../../../../shared/engine/result.js';
import type { DeskService } from '../../services/desk-service.js';
import { readFeeLines, readMdtrtId } from '../../services/fee-lines.js';
import type { StayBill } from './steps.js';

export interface QueuedSettlement extends StayBill {
  settlementId: number;
  number: string;
  /** The operator who settled it at the window: opter/opter_name of every request for it. */
  operator: { code: string; name: string };
  region: string;
}

export function queuedSettlement(service: DeskService, settlementId: number): QueuedSettlement {
  const row = service.db
    .prepare(
      `SELECT s.id, s.number, s.person_id, p.name AS person_name, s.admission_date, s.discharge_date, s.request, s.result, s.stay, s.region,
              op.code AS operator_code, op.name AS operator_name
       FROM settlements s JOIN persons p ON p.id = s.person_id JOIN operators op ON op.id = s.operator_id WHERE s.id = ?`,
    )
    .get(settlementId) as {
    id: number;
    number: string;
    person_id: number;
    person_name: string;
    admission_date: string;
    discharge_date: string;
    request: string;
    result: string;
    stay: string;
    region: string;
    operator_code: string;
    operator_name: string;
  };
  const request = JSON.parse(row.request) as { insured: { scheme: 'employee' | 'resident' } };
  return {
    settlementId,
    number: row.number,
    personId: row.person_id,
    personName: row.person_name,
    idNumber: service.persons.revealIdNumber(row.person_id),
    scheme: request.insured.scheme,
    admission: row.admission_date,
    discharge: row.discharge_date,
    stay: JSON.parse(row.stay) as StayBill['stay'],
    operator: { code: row.operator_code, name: row.operator_name },
    result: JSON.parse(row.result) as SettlementResult,
    region: row.region,
    lines: readFeeLines(service.db, settlementId),
    mdtrtId: readMdtrtId(service.db, settlementId),
  };
}
