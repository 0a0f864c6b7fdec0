/**
 * One journaled request and what its answer means (docs/nhsa.md §7.2–7.3):
 * the request is recorded as 'sent' before it leaves, its answer and effects
 * in one transaction after; a refusal holds the record for a person, or says
 * sign in again; an unknown outcome is resolved before anything else is sent
 * for the stay (resolveUnknown): 2601 冲正 for 2401/2402/2304/2305, 2302 for a
 * fee batch, a plain retry for what changes nothing at the platform. Shared by
 * the queue's drain (drain.ts, reversal.ts) and the window (window.ts).
 */
import { REVERSIBLE, type Infno } from '../../../../shared/nhsa/index.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import type { DeskService } from '../../services/desk-service.js';
import { UnknownOutcome, type NhsaClient, type Output, type Prepared, type Sender } from './client.js';
import type { NhsaJournal, Stay, StepOwner } from './journal.js';

/** One request at a time per stay: the window's steps and the queue's drain never interleave on a stay. */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => {});
    return next;
  }
}

export interface NhsaContext {
  service: DeskService;
  journal: NhsaJournal;
  client: NhsaClient;
  config: NhsaConfig;
  now: () => Date;
  /** sign_no from 9001, kept while the gateway accepts it. */
  session: { signNo: string | null };
  /** The window and the drain take turns, one record or one window action at a time. */
  serial: Serial;
}

/** The gateway refused (infcode -1): the record waits for a person, with the gateway's words. */
export class Held extends Error {}
/** The gateway says sign_no is no longer valid: sign in again and go on. */
export class SignInAgain extends Error {}

export type Apply<I extends Infno> = (output: Output<I>, p: Prepared & { stepId: number }) => void;

export interface CallChecks<I extends Infno> {
  /** A refusal that still settles the question (2601/2302 of something the platform does not have). */
  resolvedBy?: (errMsg: string) => (() => void) | null;
  /**
   * Whether a valid-looking answer is the answer to THIS request (it does not echo our msgid): a
   * replayed or misrouted one is an unknown outcome, resolved like any other.
   */
  belongs?: (output: Output<I>, p: Prepared) => string | null;
}

export async function call<I extends Infno>(
  x: NhsaContext,
  owner: StepOwner,
  infno: I,
  input: Record<string, unknown>,
  sender: Sender,
  apply: Apply<I>,
  checks: CallChecks<I> = {},
): Promise<void> {
  if (infno !== '9001' && !x.session.signNo) await signIn(x, sender);
  const p = x.journal.begin(owner, infno, (msgid) =>
    x.client.prepare(infno, msgid, input, sender, infno === '9001' ? '' : x.session.signNo!),
  );
  let answer;
  try {
    answer = await x.client.send(p);
  } catch (e) {
    // 9001, 1101, 2303 change nothing at the platform: their outcome needs no resolving.
    if (e instanceof UnknownOutcome && !REVERSIBLE.has(infno) && !UNDONE_BY_STATE.has(infno))
      x.journal.mark(p.stepId, 'unknown', e.message);
    throw e;
  }
  if (answer.kind === 'refused') {
    const msg = answer.errMsg;
    const settled = checks.resolvedBy?.(msg) ?? null;
    x.journal.answered(p.stepId, -1, msg, null, () => settled?.());
    if (settled) return;
    if (x.config.phrases.sign_no_invalid.some((ph) => msg.includes(ph))) {
      x.session.signNo = null;
      throw new SignInAgain(msg);
    }
    throw new Held(`${infno}：${msg}`);
  }
  const ok = answer;
  const foreign = checks.belongs?.(ok.output as Output<I>, p) ?? null;
  if (foreign) throw new UnknownOutcome(`${infno}: the answer is not this request's (${foreign})`, 'answer');
  x.journal.answered(p.stepId, 0, null, ok.outputText, () => apply(ok.output as Output<I>, p));
}

/**
 * Requests that change the platform but are not in any 2601 list (docs/nhsa.md §4.2): a fee batch (2301)
 * and its cancellation (2302), 出院撤销 (2405) and 入院撤销 (2404). Their unknown outcome is resolved by state
 * (resolveUnknown), not by 冲正.
 */
const UNDONE_BY_STATE: ReadonlySet<Infno> = new Set(['2301', '2302', '2405', '2404']);

async function signIn(x: NhsaContext, sender: Sender): Promise<void> {
  const owner = { stay: null, outbox: null };
  await call(x, owner, '9001', { signIn: { opter_no: sender.opter, mac: '', ip: '' } }, sender, (o) => {
    x.session.signNo = o.signinoutb.sign_no;
  });
}

/**
 * fn again after signing in again when the gateway says sign_no is no longer valid (at most twice): the drain, the
 * window and the reconciliation all go on the same way.
 */
export async function signedIn<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof SignInAgain) || attempt >= 2) throw e;
    }
  }
}

/** A sign-in for its own sake (9001): whether the gateway answers, when nothing else was sent (worker.ts). */
export async function probe(x: NhsaContext, terminalCode: string): Promise<void> {
  // In turn with the window: a new sign_no never replaces one under a request in flight.
  await x.serial.run(async () => {
    x.session.signNo = null;
    await signIn(x, { opter: terminalCode, opter_name: terminalCode, insuplc_admdvs: '' });
  });
}

export const notFound = (x: NhsaContext, msg: string) =>
  x.config.phrases.original_not_found.some((ph) => msg.includes(ph));

/** Settles every request for this stay whose outcome is unknown, before anything new is sent for it. */
export async function resolveUnknown(x: NhsaContext, owner: StepOwner, stay: Stay, sender: Sender): Promise<void> {
  for (const s of x.journal.unresolved(stay.id)) {
    const done = () => x.journal.mark(s.id, 'reversed');
    if (s.infno === '2601' || s.infno === '2302') {
      // An unanswered 冲正 or 撤销: a new one is sent for the original (a repeated 2601 is answered the same).
      x.journal.mark(s.id, 'unknown', 'superseded');
    } else if (s.infno === '2301') {
      // The batch may or may not be there: clear the stay's lines and upload them all again.
      const input = { data: [{ feedetl_sn: '0000', mdtrt_id: stay.mdtrt_id!, psn_no: stay.psn_no! }] };
      const cleared = () => {
        x.journal.cancelUploaded(stay.id, 'all');
        done();
      };
      await call(x, owner, '2302', input, sender, cleared, { resolvedBy: (m) => (notFound(x, m) ? cleared : null) });
    } else if (s.infno === '2405' || s.infno === '2404') {
      // Undoing a discharge or an admission twice changes nothing (the platform refuses the second): the undo step
      // itself is sent again by whoever needs it, and a refusal naming the state counts as done (reversal.ts).
      x.journal.mark(s.id, 'unknown', 'resent by the reversal');
    } else if (REVERSIBLE.has(s.infno)) {
      const input = { data: { psn_no: stay.psn_no!, omsgid: s.msgid, oinfno: s.infno } };
      await call(x, owner, '2601', input, sender, done, { resolvedBy: (m) => (notFound(x, m) ? done : null) });
    } else {
      x.journal.mark(s.id, 'unknown');
    }
  }
}
