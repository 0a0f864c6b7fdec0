/**
 * The slip's QR code: settlement number, total, fund total and a keyed
 * checksum (HMAC-SHA256 under a key derived from the terminal's master key and
 * registered with the insurer), so the insurer's clerk can scan a paper slip
 * and tell whether its figures are the ones this terminal settled.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { KeyProvider } from '../../node/keys.js';

const PREFIX = 'DD1';

export interface SlipCode {
  number: string;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
}

export class SlipChecksum {
  private readonly key: Buffer;

  constructor(keys: KeyProvider) {
    this.key = Buffer.from(hkdfSync('sha256', keys.masterKey(), Buffer.alloc(0), 'discharge-desk slip checksum', 32));
  }

  private mac(c: SlipCode): string {
    return createHmac('sha256', this.key)
      .update(`${PREFIX}|${c.number}|${c.medfee_sumamt}|${c.fund_pay_sumamt}`)
      .digest('hex')
      .slice(0, 16);
  }

  /** "DD1|number|total|fund total|checksum" */
  text(c: SlipCode): string {
    return `${PREFIX}|${c.number}|${c.medfee_sumamt}|${c.fund_pay_sumamt}|${this.mac(c)}`;
  }

  verify(text: string): { ok: true; code: SlipCode } | { ok: false; reason: string } {
    const parts = text.split('|');
    if (parts.length !== 5 || parts[0] !== PREFIX) return { ok: false, reason: 'not a Discharge Desk slip code' };
    const code = { number: parts[1]!, medfee_sumamt: parts[2]!, fund_pay_sumamt: parts[3]! };
    const expected = Buffer.from(this.mac(code));
    const given = Buffer.from(parts[4]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return {
        ok: false,
        reason: 'checksum does not match: the figures were changed or the slip is not from this terminal',
      };
    return { ok: true, code };
  }
}
