/**
 * One exchange with the NHSA gateway (docs/nhsa.md §2–3): the envelope, the
 * x-tif headers, the single-URL or per-transaction path, a timeout over the
 * whole exchange, the body read up to a limit and parsed losslessly, and the
 * answer validated (envelope, then the transaction's output). An exchange
 * ends either answered (infcode 0 with a valid output, or infcode -1 with its
 * err_msg) or unknown (no answer, 5xx, an invalid body): the caller decides
 * what an unknown outcome needs (2601, 2302 or a plain retry).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DEFAULT_PATHS,
  HEADER,
  TRANSACTIONS,
  beijingDateTime,
  parseNhsaJson,
  responseEnvelope,
  signatureText,
  stringifyNhsaJson,
  type Infno,
  type RequestEnvelope,
} from '../../../../shared/nhsa/index.js';
import type { NhsaConfig } from '../../../../shared/settings.js';
import type { z } from 'zod';
import { readLimitedBytes } from '../http.js';

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export type Output<I extends Infno> = z.output<(typeof TRANSACTIONS)[I]['output']>;

export type Answer<I extends Infno> =
  { kind: 'ok'; output: Output<I>; outputText: string; warn: string | null } | { kind: 'refused'; errMsg: string };

/** The outcome of an exchange is not known: the request may or may not have been applied. */
export class UnknownOutcome extends Error {
  constructor(
    message: string,
    /** network: nothing came back (offline); answer: something came back that is not a valid answer. */
    readonly why: 'network' | 'answer',
  ) {
    super(message);
    this.name = 'UnknownOutcome';
  }
}

/** Who the request is on behalf of: the operator who settled the record (not whoever is signed in now). */
export interface Sender {
  opter: string;
  opter_name: string;
  /** 参保地医保区划, required when the input carries psn_no ('' otherwise). */
  insuplc_admdvs: string;
}

export interface Prepared {
  infno: Infno;
  msgid: string;
  /** The exact bytes sent, journaled before they leave. */
  body: string;
  sha256: string;
}

export class NhsaClient {
  constructor(
    private readonly config: NhsaConfig,
    private readonly timeoutMs: number,
    private readonly now: () => Date,
  ) {}

  /** The request body for a msgid, ready to journal; `signNo` from 9001 ('' for 9001 itself). */
  prepare(infno: Infno, msgid: string, input: Record<string, unknown>, sender: Sender, signNo: string): Prepared {
    const c = this.config;
    const envelope: RequestEnvelope = {
      infno,
      msgid,
      mdtrtarea_admvs: c.mdtrtarea_admvs,
      insuplc_admdvs: sender.insuplc_admdvs,
      recer_sys_code: c.recer_sys_code,
      dev_no: c.dev_no,
      dev_safe_info: '',
      cainfo: '',
      signtype: '',
      infver: c.infver,
      opter_type: '1',
      opter: sender.opter,
      opter_name: sender.opter_name,
      inf_time: beijingDateTime(this.now()),
      fixmedins_code: c.fixmedins_code,
      fixmedins_name: c.fixmedins_name,
      sign_no: signNo,
      input,
    };
    const body = stringifyNhsaJson(envelope);
    return { infno, msgid, body, sha256: createHash('sha256').update(body).digest('hex') };
  }

  private url(infno: Infno): URL {
    const c = this.config;
    if (c.gateway_url) return new URL(c.gateway_url);
    return new URL(c.paths[infno] ?? DEFAULT_PATHS[infno], c.base_url);
  }

  /** Sends a prepared request once. Never retried here: the journal decides what comes next. */
  async send<I extends Infno>(p: Prepared & { infno: I }): Promise<Answer<I>> {
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createHash('sha256')
      .update(signatureText(timestamp, this.config.pass_token, nonce), 'utf8')
      .digest('hex');
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    let status: number;
    let bytes: Buffer;
    let type: string;
    try {
      const res = await fetch(this.url(p.infno), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          Accept: 'application/json',
          [HEADER.paasid]: this.config.paasid,
          [HEADER.timestamp]: timestamp,
          [HEADER.nonce]: nonce,
          [HEADER.signature]: signature,
        },
        body: p.body,
        signal: abort.signal,
        redirect: 'error',
      });
      status = res.status;
      type = res.headers.get('content-type') ?? '';
      bytes = await readLimitedBytes(
        res,
        MAX_ANSWER_BYTES,
        () => new UnknownOutcome(`${p.infno}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`, 'answer'),
      );
    } catch (e) {
      if (e instanceof UnknownOutcome) throw e;
      throw new UnknownOutcome(
        abort.signal.aborted ? `${p.infno}: no answer within ${this.timeoutMs} ms` : `${p.infno}: connection failed`,
        'network',
      );
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status > 299) throw new UnknownOutcome(`${p.infno}: HTTP ${status}`, 'answer');
    if (p.infno === '9102' && !/json/i.test(type) && bytes[0] !== 0x7b) return fileAnswer(p.infno, bytes);
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = parseNhsaJson(text);
    } catch {
      throw new UnknownOutcome(`${p.infno}: the answer is not JSON`, 'answer');
    }
    const env = responseEnvelope.safeParse(json);
    if (!env.success) throw new UnknownOutcome(`${p.infno}: not an NHSA answer (${firstIssue(env.error)})`, 'answer');
    if (env.data.infcode === -1)
      return { kind: 'refused', errMsg: env.data.err_msg?.trim() || `${p.infno} 失败（无 err_msg）` };
    const out = TRANSACTIONS[p.infno].output.safeParse(env.data.output ?? {});
    if (!out.success)
      throw new UnknownOutcome(
        `${p.infno}: the output does not match the interface (${firstIssue(out.error)})`,
        'answer',
      );
    return {
      kind: 'ok',
      output: out.data as Output<I>,
      outputText: stringifyNhsaJson(env.data.output ?? {}),
      warn: env.data.warn_msg?.trim() || null,
    };
  }
}

/**
 * 9102 answers with the file as the body, not an envelope (docs/nhsa.md §8): anything but JSON is the file.
 * The journal keeps its digest and size; the file itself is the caller's to keep.
 */
function fileAnswer<I extends Infno>(infno: I, bytes: Buffer): Answer<I> {
  const out = TRANSACTIONS[infno].output.safeParse({ file: new Uint8Array(bytes) });
  if (!out.success) throw new UnknownOutcome(`${infno}: the file does not match the interface`, 'answer');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    kind: 'ok',
    output: out.data as Output<I>,
    outputText: stringifyNhsaJson({ file_sha256: sha256, size: bytes.length }),
    warn: null,
  };
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.')}: ${i.message}` : 'invalid';
}
