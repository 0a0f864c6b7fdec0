/**
 * Whether a downloaded rule package may be installed (docs/sync.md §4): a
 * pinned key, a signature over the exact signed bytes, a validity period that
 * covers now, the declared SHA-256, and the package asked for. Returns the
 * parsed package, or the reason it is refused (shown to the supervisor).
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { parseRulePackage } from '../../../shared/rules/ruleset.js';
import type { RulePackage } from '../../../shared/rules/schema.js';
import { signedText, type RuleDownloadResponse } from '../../../shared/sync/protocol.js';

/** Clocks drift; a signature "from the future" by less than this is accepted. */
const SKEW_MS = 5 * 60_000;

export type Verdict = { ok: true; pkg: RulePackage } | { ok: false; reason: string };

export function verifyPackage(
  d: RuleDownloadResponse,
  pinned: ReadonlyMap<string, KeyObject>,
  now: Date,
  wanted: { region: string; version: string },
): Verdict {
  const s = d.signature;
  const key = pinned.get(s.key_id);
  if (!key) return { ok: false, reason: `签名密钥 ${s.key_id} 未在本机登记 (signing key ${s.key_id} is not pinned)` };
  const bytes = Buffer.from(
    signedText({ key_id: s.key_id, signed_at: s.signed_at, valid_until: s.valid_until, package_json: d.package_json }),
    'utf8',
  );
  let good = false;
  try {
    good = verify(null, bytes, key, Buffer.from(s.value, 'base64'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, reason: '签名无效，规则包可能被篡改 (signature does not verify)' };
  if (Date.parse(s.signed_at) > now.getTime() + SKEW_MS)
    return { ok: false, reason: `签名时间 ${s.signed_at} 晚于本机时间，请检查时钟 (signed in the future)` };
  if (now.getTime() >= Date.parse(s.valid_until))
    return { ok: false, reason: `签名已于 ${s.valid_until} 过期 (signature expired)` };
  if (createHash('sha256').update(d.package_json, 'utf8').digest('hex') !== d.sha256)
    return { ok: false, reason: 'SHA-256 校验不符 (sha256 mismatch)' };
  if (d.region !== wanted.region || d.version !== wanted.version)
    return {
      ok: false,
      reason: `收到 ${d.region}/${d.version}，不是所请求的 ${wanted.region}/${wanted.version} (not the package asked for)`,
    };
  let pkg: RulePackage;
  try {
    pkg = parseRulePackage(JSON.parse(d.package_json) as unknown);
  } catch (e) {
    return { ok: false, reason: `规则包内容无效 (invalid rule package): ${(e as Error).message}` };
  }
  if (pkg.region.id !== wanted.region || pkg.version !== wanted.version)
    return {
      ok: false,
      reason: `规则包内容为 ${pkg.region.id}/${pkg.version}，不是所请求的 ${wanted.region}/${wanted.version} (not the package asked for)`,
    };
  return { ok: true, pkg };
}
