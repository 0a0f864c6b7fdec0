/**
 * `desk archive-open`: one sealed archive file of a data folder (a slip, a day
 * report, a claim scan) back in the clear, for IT and auditors, with the key
 * the CLI uses (keyFileFor: $DESK_KEY_FILE). The file is named by its path (a
 * slip as slip_prints.pdf_path records it, absolute or inside the data folder)
 * or a scan by the SHA-256 the attachments table records; `--sha256` checks
 * the clear bytes against a recorded hash. The output is written once (an
 * existing file is not replaced), readable by its owner only, or to stdout
 * with `--out -`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ArchiveFiles } from '../electron/node/archive-files.js';
import { FileKeyProvider, keyFileFor } from '../electron/node/keys.js';

export const ARCHIVE_OPEN_USAGE =
  'usage: npm run -s desk -- archive-open --data DIR (FILE | --attachment SHA256) [--sha256 HEX] --out OUT|-';

export interface ArchiveOpenArgs {
  dataDir: string;
  /** A path (absolute, from the working folder, or inside the data folder), or null with `attachment`. */
  file: string | null;
  attachment: string | null;
  sha256: string | null;
  out: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function parseArchiveOpenArgs(argv: readonly string[]): ArchiveOpenArgs | { error: string } {
  const named: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (['--data', '--attachment', '--sha256', '--out'].includes(a)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { error: `${a}: a value is missing` };
      named[a] = value;
      i++;
    } else if (a.startsWith('--')) return { error: `${a}: unknown argument` };
    else files.push(a);
  }
  const dataDir = named['--data'];
  const out = named['--out'];
  const attachment = named['--attachment'] ?? null;
  const sha256 = named['--sha256'] ?? null;
  if (dataDir === undefined) return { error: '--data: the data folder is required' };
  if (out === undefined) return { error: '--out: where to write the clear file is required (- for stdout)' };
  if (files.length + (attachment === null ? 0 : 1) !== 1)
    return { error: 'name one file, or one scan with --attachment SHA256' };
  if (attachment !== null && sha256 !== null)
    return { error: '--sha256 goes with a FILE: a scan is always checked against its own SHA-256' };
  for (const [flag, v] of [
    ['--attachment', attachment],
    ['--sha256', sha256],
  ] as const)
    if (v !== null && !HEX64.test(v)) return { error: `${flag}: ${v} is not a SHA-256 (64 lowercase hex digits)` };
  return { dataDir, file: files[0] ?? null, attachment, sha256, out };
}

/** A FILE argument as a path inside the data folder: absolute or from the working folder when it lies inside it, else taken as inside it. */
function nameInData(archive: ArchiveFiles, dataDir: string, file: string): string {
  if (isAbsolute(file)) return archive.nameOf(file);
  const fromCwd = relative(resolve(dataDir), resolve(file));
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? file : archive.nameOf(file);
}

/** Exit status: 0 written; 1 the file does not open (missing, another key, altered, renamed, not the recorded hash); 2 usage or no key. */
export function archiveOpen(args: ArchiveOpenArgs): { exit: 0 | 1 | 2; message?: string; bytes?: Buffer } {
  const key = keyFileFor(args.dataDir);
  // The key provider would make a new key where none is: a wrong folder must not get one.
  if (!existsSync(key.path)) return { exit: 2, message: `no key file ${key.path} (set DESK_KEY_FILE)` };
  const archive = new ArchiveFiles(args.dataDir, new FileKeyProvider(key.path, key.options));
  let bytes: Buffer;
  try {
    bytes =
      args.attachment !== null
        ? archive.openAttachment(args.attachment)
        : archive.open(nameInData(archive, args.dataDir, args.file!), args.sha256 ?? undefined);
  } catch (e) {
    return { exit: 1, message: e instanceof Error ? e.message : String(e) };
  }
  if (args.out === '-') return { exit: 0, bytes };
  try {
    writeFileSync(resolve(args.out), bytes, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const exists = (e as NodeJS.ErrnoException).code === 'EEXIST';
    return { exit: 2, message: exists ? `--out: ${args.out} exists (not replaced)` : String(e) };
  }
  return { exit: 0, message: `${args.out}: ${bytes.length} bytes` };
}
