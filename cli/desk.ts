/**
 * Terminal operations for IT and cron, over a terminal's data folder.
 *
 *   npm run -s desk -- sync --data DIR [--timeout-ms N]
 *
 * sync: one sync round with the insurer configured in DIR/config.json (our own
 * protocol or the national interface, as the app chooses), with a rule check;
 * one JSON object on stdout (electron/node/headless-sync.ts SyncRoundSummary).
 * The store's key is the file $DESK_KEY_FILE (FileKeyProvider), as the browser
 * host keeps it; DIR/key only with DESK_ALLOW_KEY_IN_DATA=1 (dev and tests); a packaged Electron install keeps it in key.bin under the OS
 * keychain and runs the same round as `DischargeDesk --sync --data DIR`.
 *
 * Exit status: 0 = the round succeeded, nothing is held and nothing was
 * rejected in this round; 1 = the round failed, something is held, this round
 * brought a rejection, or no insurer is configured; 2 = usage, or the data
 * folder cannot be opened (message on stderr; nothing was sent).
 *
 *   npm run -s desk -- archive-open --data DIR (FILE | --attachment SHA256) [--sha256 HEX] --out OUT|-
 *
 * archive-open: a sealed slip, day report or claim scan of DIR in the clear
 * (cli/archive-open.ts); exit 0 written, 1 the file does not open, 2 usage.
 *
 *   npm run -s desk -- restore --data DIR --from BACKUP [--yes]
 *   npm run -s desk -- backups --data DIR
 *
 * restore: the backup verified with the key (every page, the schema), the
 * current database kept aside as desk.sqlite.replaced-<stamp>, the backup put
 * in its place and the restore recorded in its audit log (electron/worker/store/restore.ts).
 * Asks before it changes anything unless --yes (required without a terminal).
 * Exit 0 restored; 1 refused (the backup does not verify, or the database is
 * open in the app), nothing changed; 2 usage or no key file.
 * backups: the configured backup folder newest first, each verified or not;
 * exit 0 when one verifies, 1 when none does, 2 usage or no key file.
 */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseSyncArgs } from '../electron/node/headless-sync.js';
import { FileKeyProvider, keyFileFor } from '../electron/node/keys.js';
import { syncRound } from '../electron/worker/sync/headless.js';
import { ARCHIVE_OPEN_USAGE, archiveOpen, parseArchiveOpenArgs } from './archive-open.js';
import { BACKUPS_USAGE, RESTORE_USAGE, parseBackupsArgs, parseRestoreArgs } from '../electron/node/restore-args.js';
import { applyRestore, listVerifiedBackups, planRestore } from '../electron/worker/store/restore.js';

const USAGE = `usage: npm run -s desk -- sync --data DIR [--timeout-ms N]\n${ARCHIVE_OPEN_USAGE}\n${RESTORE_USAGE}\n${BACKUPS_USAGE}`;

/**
 * The key file's provider (keyFileFor), refused where there is no key file (a wrong folder must not get a new key)
 * or it cannot be read; its anchors are beside it.
 */
function keyFileKey(dataDir: string): FileKeyProvider | { error: string } {
  const key = keyFileFor(dataDir);
  if (!existsSync(key.path))
    return { error: `no key file ${key.path} (set DESK_KEY_FILE to the key file the app uses)` };
  try {
    const provider = new FileKeyProvider(key.path, key.options);
    provider.masterKey();
    return provider;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

async function restoreCommand(argv: string[]): Promise<number> {
  const args = parseRestoreArgs(argv);
  if ('error' in args) {
    process.stderr.write(`desk restore: ${args.error}\n${RESTORE_USAGE}\n`);
    return 2;
  }
  const key = keyFileKey(args.dataDir);
  if ('error' in key) {
    process.stderr.write(`desk restore: ${key.error}\n`);
    return 2;
  }
  const plan = planRestore(args, key);
  if ('exit' in plan) {
    process.stderr.write(`desk restore: ${plan.message}\n`);
    return plan.exit;
  }
  process.stdout.write(`${plan.summary}\n`);
  if (!args.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write('desk restore: nothing changed; add --yes to restore without a terminal to confirm in\n');
      return 2;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('输入 yes 恢复 Type yes to restore: ');
    rl.close();
    if (answer.trim().toLowerCase() !== 'yes') {
      process.stderr.write('desk restore: not confirmed; nothing changed\n');
      return 1;
    }
  }
  const outcome = applyRestore(plan, key);
  (outcome.exit === 0 ? process.stdout : process.stderr).write(`${outcome.message}\n`);
  return outcome.exit;
}

function backupsCommand(argv: string[]): number {
  const args = parseBackupsArgs(argv);
  if ('error' in args) {
    process.stderr.write(`desk backups: ${args.error}\n${BACKUPS_USAGE}\n`);
    return 2;
  }
  const key = keyFileKey(args.dataDir);
  if ('error' in key) {
    process.stderr.write(`desk backups: ${key.error}\n`);
    return 2;
  }
  const outcome = listVerifiedBackups(args.dataDir, key);
  process.stdout.write(`${outcome.message}\n`);
  return outcome.exit;
}

function archiveOpenCommand(argv: string[]): number {
  const args = parseArchiveOpenArgs(argv);
  if ('error' in args) {
    process.stderr.write(`desk archive-open: ${args.error}\n${ARCHIVE_OPEN_USAGE}\n`);
    return 2;
  }
  const outcome = archiveOpen(args);
  if (outcome.bytes) process.stdout.write(outcome.bytes);
  // stderr even on success: stdout may be the file itself (--out -).
  if (outcome.message) process.stderr.write(`desk archive-open: ${outcome.message}\n`);
  return outcome.exit;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'archive-open') return archiveOpenCommand(rest);
  if (command === 'restore') return restoreCommand(rest);
  if (command === 'backups') return backupsCommand(rest);
  if (command !== 'sync') {
    process.stderr.write(
      `${command === undefined ? 'a command is missing' : `${command}: unknown command`}\n${USAGE}\n`,
    );
    return 2;
  }
  const args = parseSyncArgs(rest);
  if ('error' in args) {
    process.stderr.write(`desk sync: ${args.error}\n${USAGE}\n`);
    return 2;
  }
  const key = keyFileFor(args.dataDir);
  const outcome = await syncRound({
    ...args,
    keyFile: key.path,
    keys: new FileKeyProvider(key.path, key.options),
  });
  if (outcome.exit === 2) {
    process.stderr.write(`desk sync: ${outcome.message}\n`);
    return 2;
  }
  process.stdout.write(`${JSON.stringify(outcome.summary, null, 2)}\n`);
  return outcome.exit;
}

// process.exitCode, not exit(): stdout is flushed when the process ends on its own.
process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`desk: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 2;
});
