/** Every transaction the gateway answers, by infno (the ones in shared/nhsa TRANSACTIONS). */
import { cancelFees, uploadFees } from './fees.js';
import { fileDownload, fileUpload, stmtDetail, stmtTotal } from './reconcile.js';
import { reverse } from './reverse.js';
import { cancelSettlement, preSettle, settle } from './settle.js';
import { personInfo, signIn } from './sign-in-person.js';
import { admit, discharge, undoAdmission, undoDischarge } from './stays.js';
import type { Handlers } from './types.js';

export const HANDLERS: Handlers = {
  '9001': signIn,
  '1101': personInfo,
  '2401': admit,
  '2301': uploadFees,
  '2302': cancelFees,
  '2402': discharge,
  '2303': preSettle,
  '2304': settle,
  '2305': cancelSettlement,
  '2405': undoDischarge,
  '2404': undoAdmission,
  '2601': reverse,
  '3201': stmtTotal,
  '3202': stmtDetail,
  '9101': fileUpload,
  '9102': fileDownload,
};
