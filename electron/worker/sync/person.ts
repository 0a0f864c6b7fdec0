/**
 * Person snapshot (1101-like): the insurer's view of a person, recorded with
 * source 'insurer' under the operator who asked for it (recordPerson checks
 * the operator's role). The insurer's accumulators include only claims it has
 * received, so the person's queued claims must be uploaded first: otherwise
 * the window would lose them from the year-to-date totals.
 */
import { DeskError } from '../../../shared/errors.js';
import { ENDPOINTS } from '../../../shared/sync/protocol.js';
import type { DeskService } from '../services/desk-service.js';
import type { Session } from '../services/access.js';
import { SyncError } from './http.js';
import type { InsurerSession } from './session.js';

export async function fetchPerson(
  service: DeskService,
  session: InsurerSession,
  operator: Session,
  idNumber: string,
  years: readonly number[],
): Promise<{ person_id: number; id_masked: string; as_of: string }> {
  service.assertCan(operator, 'person.record');
  const known = service.persons.findByIdNumber(operator, idNumber);
  if (known) {
    const pending = service.outbox.pendingForPerson(known.person_id);
    if (pending > 0) {
      throw new DeskError(
        'invalid_field',
        'id_number',
        `该参保人尚有 ${pending} 笔结算未上传，请先同步`,
        `${pending} of this person's records are not uploaded yet: sync first`,
      );
    }
  }
  const res = await session
    .call(ENDPOINTS.personLookup.response, {
      method: 'POST',
      path: ENDPOINTS.personLookup.path,
      body: { id_number: idNumber, years: [...years] },
    })
    .catch((e: unknown) => {
      // The insurer's 403 out_of_region: the cashier's answer is 异地就医, not a silent fallback to the store.
      if (e instanceof SyncError && e.code === 'out_of_region')
        throw new DeskError(
          'out_of_region',
          'id_number',
          '该参保人不属于本医院所在统筹区，不能在此按本地医保结算：请按异地就医（备案后直接结算）办理，或由患者全额自付后回参保地报销。',
          'the person is insured in another region and cannot be settled here under the local scheme: settle through cross-region care (异地就医, once filed), or the patient pays in full and claims at home.',
        );
      throw e;
    });
  if (res.person.id_number !== idNumber) throw new SyncError('server', 'the snapshot is for another person');
  const recorded = service.persons.record(operator, { ...res.person, source: 'insurer' });
  return { ...recorded, as_of: res.person.as_of };
}
