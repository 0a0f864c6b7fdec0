/**
 * The reference insurer service (医保中心 stand-in) for tests, demos and a
 * hospital's IT trial: protocol v1 of docs/sync.md over HTTP, its own SQLite
 * database, the shared engine, an Ed25519 signing key and seeded persons.
 *
 *   tsx insurer/main.ts --port 8787 --data ./insurer-data
 *   tsx insurer/main.ts publish --data ./insurer-data my-city-2027.1.json
 *
 * Serve (the default command); flags, with their environment variable:
 *   --port N                  INSURER_PORT         default 8787; 0 picks a free port
 *   --host ADDR               INSURER_HOST         default 127.0.0.1 (loopback only); 0.0.0.0 for a LAN trial
 *   --data DIR                INSURER_DATA         default ./insurer-data (database, signing key, demo credential)
 *   --admin-token T           INSURER_ADMIN_TOKEN  for /admin/…; random per start when not given (printed)
 *   --terminal H/T:SECRET     INSURER_TERMINALS    a terminal credential (repeatable; env: ";"-separated).
 *                                                  None given: a demo terminal H510100001/T01 with a random
 *                                                  secret kept in the data folder (printed).
 *                                                  H/T@REGION[,REGION…]:SECRET scopes its person lookups
 *                                                  to those regions ("@*": all); without: the region its
 *                                                  hospital code names (regions.ts), else unscoped
 *   --fault SPEC              INSURER_FAULTS       a fault switch (repeatable; env: ";"-separated), e.g.
 *                                                  drop_after_commit:n=1   error_500_before_commit:p=0.2
 *                                                  error_500_after_commit:n=2,path=/v1/claims
 *                                                  delay:ms=3000,p=0.5   malformed_body:style=wrong_shape
 *                                                  oversized_body:n=1   replay_previous:p=0.1
 *                                                  (p = probability 0..1, n = count; neither = always;
 *                                                  see insurer/faults.ts; change at run time: /admin/faults)
 *   --token-ttl-minutes N                          session lifetime, default 480
 *   --signature-days N                             rule package signature validity, default 365
 *   --renew-before-days N                          re-sign on download when less is left, default 30
 *   --tls-cert FILE --tls-key FILE                 serve HTTPS (PEM files)
 *   --no-seed                                      do not seed persons on first start
 *
 * Publish: validates the package, checks it fits with the published versions,
 * signs it and stores it (safe while the server runs: WAL, its own connection).
 *
 * Stops on SIGINT/SIGTERM. Prints its URL, the public key to pin, the admin
 * token, the terminal credential, the NHSA gateway's URL (single-URL form),
 * paasid and passToken (lines "nhsa gateway: …", "nhsa paasid: …", "nhsa
 * passToken: …", the hospital's codes beside them) and the seeded persons.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DeskError } from '../shared/errors.js';
import { PROTOCOL } from '../shared/sync/protocol.js';
import { openDataDir, type TerminalCredential } from './data-dir.js';
import { parseFaultSpec } from './faults.js';
import { SEED_PERSONS } from './seed.js';
import { ALL_REGIONS } from './regions.js';
import { startInsurer } from './server.js';

const env = process.env;

function parseTerminal(spec: string): TerminalCredential {
  const m =
    /^([A-Za-z0-9_-]{1,32})\/([A-Za-z0-9_-]{1,32})(?:@(\*|[a-z][a-z0-9_]{0,39}(?:,[a-z][a-z0-9_]{0,39})*))?:(.{16,200})$/.exec(
      spec.trim(),
    );
  if (!m)
    throw new Error(
      `terminal "${spec}": expected HOSPITAL/TERMINAL[@REGION,…]:SECRET with a secret of 16-200 characters`,
    );
  const regions = m[3] === undefined ? undefined : m[3] === ALL_REGIONS ? ALL_REGIONS : m[3].split(',');
  return { hospital_code: m[1]!, terminal_code: m[2]!, secret: m[4]!, ...(regions ? { regions } : {}) };
}

function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${raw})`);
  return n;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    'admin-token': { type: 'string' },
    terminal: { type: 'string', multiple: true },
    fault: { type: 'string', multiple: true },
    'token-ttl-minutes': { type: 'string' },
    'signature-days': { type: 'string' },
    'renew-before-days': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'no-seed': { type: 'boolean' },
  },
});

async function main(): Promise<void> {
  const dataDir = resolve(values.data ?? env.INSURER_DATA ?? './insurer-data');
  const signing = {
    validityDays: positiveInt('signature-days', values['signature-days'], 365),
    renewBeforeDays: positiveInt('renew-before-days', values['renew-before-days'], 30, 0),
  };
  const command = positionals[0] ?? 'serve';

  if (command === 'publish') {
    const file = positionals[1];
    if (!file) throw new Error('usage: tsx insurer/main.ts publish --data DIR PACKAGE.json');
    const data = openDataDir({ dataDir, signing });
    try {
      const p = data.packages.publish(JSON.parse(readFileSync(file, 'utf8')) as unknown);
      process.stdout.write(
        `published ${p.region}/${p.version} (${p.region_name}, from ${p.effective_from}) sha256 ${p.sha256}, signed by key ${data.signer.keyId}\n`,
      );
    } finally {
      data.close();
    }
    return;
  }
  if (command !== 'serve') throw new Error(`unknown command "${command}" (serve or publish)`);

  const terminals = [
    ...(values.terminal ?? []),
    ...(env.INSURER_TERMINALS ?? '').split(';').filter((s) => s.trim()),
  ].map(parseTerminal);
  const faults = [...(values.fault ?? []), ...(env.INSURER_FAULTS ?? '').split(';').filter((s) => s.trim())].map(
    parseFaultSpec,
  );
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (!!certFile !== !!keyFile) throw new Error('--tls-cert and --tls-key go together');
  const host = values.host ?? env.INSURER_HOST ?? '127.0.0.1';

  const insurer = await startInsurer({
    dataDir,
    host,
    port: positiveInt('port', values.port ?? env.INSURER_PORT, 8787, 0),
    adminToken: values['admin-token'] ?? env.INSURER_ADMIN_TOKEN,
    terminals,
    faults,
    seed: !values['no-seed'],
    signing,
    tokenTtlMinutes: positiveInt('token-ttl-minutes', values['token-ttl-minutes'], 480),
    tls: certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined,
  });

  const out: string[] = [
    `Discharge Desk reference insurer (${PROTOCOL})`,
    `  url          ${insurer.url}`,
    `  data         ${dataDir}`,
    `  signing key  ${insurer.keyId} (Ed25519). Pin this public key in the terminals (SPKI DER, base64):`,
    `               ${insurer.publicKeySpkiBase64}`,
    ...insurer.publicKeyPem
      .trim()
      .split('\n')
      .map((l) => `               ${l}`),
    `  admin token  ${insurer.adminToken}`,
  ];
  if (insurer.demoTerminal)
    out.push(
      `  terminal     ${insurer.demoTerminal.hospital_code}/${insurer.demoTerminal.terminal_code} secret ${insurer.demoTerminal.secret} (demo)`,
    );
  for (const t of terminals) out.push(`  terminal     ${t.hospital_code}/${t.terminal_code}`);
  for (const t of insurer.terminals())
    out.push(
      t.regions
        ? `  scope        ${t.hospital_code}/${t.terminal_code}: persons of ${t.regions.join(', ')}`
        : `  scope        ${t.hospital_code}/${t.terminal_code}: persons of every region (registered @*, or its hospital code names none of this insurer's regions)`,
    );
  out.push(
    `nhsa gateway: ${insurer.nhsa.url}`,
    `nhsa paasid: ${insurer.nhsa.paasid}`,
    `nhsa passToken: ${insurer.nhsa.passToken}`,
    `  nhsa         fixmedins_code ${insurer.nhsa.fixmedinsCode} (${insurer.nhsa.fixmedinsName}), mdtrtarea_admvs ${insurer.nhsa.mdtrtareaAdmvs}, hospital level ${insurer.nhsa.hospitalLevel}; per-transaction paths under ${insurer.nhsa.baseUrl}`,
  );
  if (faults.length > 0) out.push(`  faults       ${faults.map((f) => JSON.stringify(f)).join(' ')}`);
  if (!host.startsWith('127.') && host !== 'localhost' && host !== '::1' && !certFile)
    out.push(
      `  WARNING      listening on ${host} over plain HTTP: use --tls-cert/--tls-key or a TLS proxy beyond a trial`,
    );
  out.push('  persons (identity number, name, region, scheme):');
  const notes = new Map(SEED_PERSONS.map((p) => [p.id_number, p.note]));
  for (const p of insurer.persons()) {
    const flags = `${p.retired ? ' retired' : ''}${p.medical_assistance ? ' assistance' : ''}`;
    const ytd = Object.keys(p.accumulators).length > 0 ? `  ytd ${JSON.stringify(p.accumulators)}` : '';
    out.push(
      `    ${p.id_number}  ${p.name}  ${p.region}  ${p.scheme}${flags}${ytd}${notes.has(p.id_number) ? `  (${notes.get(p.id_number)})` : ''}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);

  const stop = () => {
    insurer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  const message =
    e instanceof DeskError
      ? `${e.body.field ? `${e.body.field}: ` : ''}${e.body.message_en}`
      : e instanceof Error
        ? e.message
        : String(e);
  process.stderr.write(`insurer: ${message}\n`);
  process.exit(1);
});
