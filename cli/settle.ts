/**
 * Settlement CLI for hospital systems and batch work.
 *
 *   npm run -s settle -- FILE            one request (FILE or - for stdin) → one JSON result
 *   npm run -s settle -- --batch FILE    NDJSON: one request per line → one result per line, same order
 *   --rules PACKAGE.json                 (repeatable) settle with these rule packages as well as the bundled ones
 *   --db PATH                            settle with the rule versions installed in this terminal's store (read-only;
 *                                        the store is encrypted: its key file is $DESK_KEY_FILE, or `key` beside
 *                                        the store in development, as the browser host finds it)
 *   --trace | --no-trace                 build each result's Chinese calculation trace, or not (then "trace": [],
 *                                        the amounts the same). Default --trace, one request or a batch.
 *
 * A refused request prints {"error": {"code", "field", "message", "message_en"}}.
 * Exit status: 0 when all settled, 2 when any request was refused, 1 on a usage
 * or I/O problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileKeyProvider, keyFileFor } from '../electron/node/keys.js';
import { createReadStream } from 'node:fs';
import { bundledPackages, bundledRuleSet } from '../shared/rules/bundled.js';
import { RuleSet, parseRulePackage } from '../shared/rules/ruleset.js';
import { DeskError } from '../shared/errors.js';
import { openDatabase } from '../electron/worker/store/db.js';
import { RuleStore } from '../electron/worker/store/rule-store.js';
import { businessDate, systemClock } from '../electron/worker/store/clock.js';
import { settleLine } from './settle-line.js';
import { LineWriter, lineChunks } from './ndjson.js';

const USAGE = [
  'usage: npm run -s settle -- [--db STORE.sqlite | --rules PACKAGE.json...] [--batch] [--trace | --no-trace] FILE|-',
  '  --batch       NDJSON: one request per line, one result per line, in order',
  '  --no-trace    leave out the Chinese calculation trace ("trace": []; the amounts are the same): faster',
  '  --trace       build the trace (the default)',
].join('\n');

async function main(argv: string[]): Promise<number> {
  let batch = false;
  let trace = true;
  const extraRules: string[] = [];
  let dbPath: string | null = null;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--batch') batch = true;
    else if (a === '--trace') trace = true;
    else if (a === '--no-trace') trace = false;
    else if (a === '--rules' && argv[i + 1] !== undefined) extraRules.push(argv[++i]!);
    else if (a === '--db' && argv[i + 1] !== undefined) dbPath = argv[++i]!;
    else args.push(a);
  }
  if (args.length !== 1 || args[0] === undefined || (args[0].startsWith('--') && args[0] !== '-')) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const source = args[0];
  const rules = dbPath ? loadStoreRules(dbPath) : loadRules(extraRules);
  if (!rules) return 1;

  if (!batch) {
    const text = source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
    const outcome = settleLine(text, rules, undefined, { trace });
    process.stdout.write(`${JSON.stringify(outcome.output, null, 2)}\n`);
    return outcome.ok ? 0 : 2;
  }

  const input = source === '-' ? process.stdin : createReadStream(source, { highWaterMark: 1 << 20 });
  const out = new LineWriter(process.stdout);
  const options = { trace };
  let refused = 0;
  for await (const lines of lineChunks(input)) {
    // The business date once per chunk of lines, not per line.
    const today = businessDate(systemClock.now());
    for (const line of lines) {
      if (line.trim() === '') continue;
      const outcome = settleLine(line, rules, today, options);
      if (!outcome.ok) refused++;
      out.line(JSON.stringify(outcome.output));
    }
    await out.drained();
  }
  await out.end();
  return refused > 0 ? 2 : 0;
}

/** Bundled packages plus any given with --rules; a bad package is reported with the path of the bad value. */
function loadRules(files: string[]): RuleSet | null {
  if (files.length === 0) return bundledRuleSet();
  try {
    const extra = files.map((f) => parseRulePackage(JSON.parse(readFileSync(f, 'utf8')) as unknown, f));
    return RuleSet.fromPackages([...bundledPackages, ...extra]);
  } catch (e) {
    const body =
      e instanceof DeskError
        ? e.body
        : { code: 'invalid_rule_package', field: '', message: String(e instanceof Error ? e.message : e) };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
    return null;
  }
}

/** The rule versions installed in a terminal's store, exactly as the window settles with them. */
function loadStoreRules(path: string): RuleSet | null {
  try {
    // The store's key file as the browser host and `npm run desk` find it ($DESK_KEY_FILE, or `key` beside the
    // store in development). Read only: this command never creates a key.
    const keyFile = keyFileFor(dirname(path));
    if (!existsSync(path)) throw new Error(`no such file ${path}`);
    if (!existsSync(keyFile.path)) throw new Error(`no key file ${keyFile.path} for this store`);
    const db = openDatabase(path, new FileKeyProvider(keyFile.path, keyFile.options), { readonly: true });
    try {
      return new RuleStore(db, systemClock).ruleSet();
    } finally {
      db.close();
    }
  } catch (e) {
    const body =
      e instanceof DeskError
        ? e.body
        : {
            code: 'invalid_field',
            field: '--db',
            message: `无法打开数据库：${e instanceof Error ? e.message : String(e)}`,
          };
    process.stderr.write(`${JSON.stringify({ error: body })}\n`);
    return null;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`settle: ${message}\n`);
    process.exitCode = 1;
  },
);
