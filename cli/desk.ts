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
 */
import { parseSyncArgs } from '../electron/node/headless-sync.js';
import { FileKeyProvider, keyFileFor } from '../electron/node/keys.js';
import { syncRound } from '../electron/worker/sync/headless.js';

const USAGE = 'usage: npm run -s desk -- sync --data DIR [--timeout-ms N]';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
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
