/**
 * The archive files of the data folder — every printed slip (slips/), day
 * report (reports/) and claim scan (attachments/) — sealed at rest: AES-256-GCM
 * under a key of their own derived from the store's master key
 * (electron/node/sealed.ts), the file's path inside the data folder bound in as
 * associated data, so a sealed file copied or renamed over another does not
 * open. A sealed file's name ends in `.sealed`. The window and the printer
 * never read these files: they get the PDF from memory as it is printed.
 *
 * Slips and reports are written once: a name already taken is an error, never
 * an overwrite (a hard link from a fsynced temporary, which fails where the
 * name exists; rename() would replace it). A file no print recorded (a power
 * cut between the file and its record, or a database older than its files)
 * keeps its name, and the next print takes the next free one (`x~2.pdf`), so
 * a cashier is never stopped by it and nothing is lost. Scans stay content-addressed: the
 * same scan twice is one file. A scan's file name is an HMAC of its SHA-256,
 * so the folder does not say which scan (whose SHA-256 may be known) it holds.
 *
 * Clear files from before are sealed by `sealClearArchiveFiles` when the app
 * opens the data folder; the database keeps the names it recorded (a slip's
 * `x.pdf`), and the reader finds `x.pdf.sealed` for them.
 */
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DeskError } from '../../shared/errors.js';
import { writeFileOnce } from './durable-file.js';
import type { KeyProvider } from './keys.js';
import { deriveKey, isSealedBytes, openBytes, SealError, sealBytes } from './sealed.js';

export const SEALED_SUFFIX = '.sealed';
/** The folders of the data folder that hold archive files. */
export const ARCHIVE_FOLDERS = ['slips', 'reports', 'attachments'] as const;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** What writeTemporary (durable-file.ts) leaves behind when the process dies between writing and linking. */
const TEMPORARY = /\.\d+\.tmp$/;

/** A path inside the data folder as associated data: `/`-separated whatever the OS, so a folder copied between systems still opens. */
const aadOf = (rel: string): string => rel.split(sep).join('/');

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Shown to the cashier and to IT; the print's own code, since a slip that cannot be archived is not recorded as printed. */
const archiveExists = (name: string): DeskError =>
  new DeskError(
    'print_failed',
    '',
    `归档文件 ${name} 已存在：已归档的单据不会被覆盖，本次打印未记录。请 IT 核对该文件（可能是上次打印中断时留下的）后再打印。`,
    `the archive file ${name} already exists: an archived slip is never overwritten, and this print was not recorded. IT should check that file (an interrupted print may have left it) before printing again.`,
  );

export class ArchiveFiles {
  private readonly fileKey: Buffer;
  private readonly nameKey: Buffer;

  constructor(
    private readonly dataDir: string,
    keys: KeyProvider,
  ) {
    this.fileKey = deriveKey(keys, 'discharge-desk archive files v1');
    this.nameKey = deriveKey(keys, 'discharge-desk attachment names v1');
  }

  /** The sealed name a slip or report written as `rel` gets (its recorded name plus `.sealed`). */
  sealedName(rel: string): string {
    return rel.endsWith(SEALED_SUFFIX) ? rel : rel + SEALED_SUFFIX;
  }

  /** Whether `rel` (sealed, or its clear form from before) is taken. */
  private taken(rel: string): string | undefined {
    return [this.sealedName(rel), rel].find((n) => existsSync(join(this.dataDir, n)));
  }

  /**
   * `rel`, or when a file already holds it, the first free `<stem>~N<ext>`: the name a new slip or report is
   * archived under. The caller has just read what the database recorded, so a taken name is a file no print
   * recorded; it is kept as it is.
   */
  freeName(rel: string): string {
    if (this.taken(rel) === undefined) return rel;
    const dot = rel.lastIndexOf('.');
    for (let n = 2; ; n++) {
      const candidate = `${rel.slice(0, dot)}~${n}${rel.slice(dot)}`;
      if (this.taken(candidate) === undefined) return candidate;
    }
  }

  /** Refuses a slip or report name already taken (sealed, or its clear form from before), naming the file. */
  refuseTaken(rel: string): void {
    const taken = this.taken(rel);
    if (taken !== undefined) throw archiveExists(taken);
  }

  /**
   * Seals `clear` into `<rel>.sealed`, once: a name already there (or its clear
   * form from before) is a DeskError naming it, and nothing is written.
   * Returns the sealed file's path inside the data folder.
   */
  writeOnce(rel: string, clear: Buffer): string {
    this.refuseTaken(rel);
    const name = this.sealedName(rel);
    // The check above is for the message; the hard link is what makes it once (another writer may have come between).
    if (!writeFileOnce(join(this.dataDir, name), sealBytes(this.fileKey, clear, aadOf(name)), 0o600))
      throw archiveExists(name);
    return name;
  }

  /** Removes a file this process has just written, when what it belongs to was not recorded. */
  discard(name: string): void {
    rmSync(join(this.dataDir, name), { force: true });
  }

  /** `attachments/<HMAC of the scan's SHA-256>.sealed`. */
  attachmentName(sha: string): string {
    return join('attachments', createHmac('sha256', this.nameKey).update(sha).digest('hex') + SEALED_SUFFIX);
  }

  /** Stores a scan content-addressed (the same scan twice: one file, no error); returns its SHA-256, what the database records. */
  storeAttachment(clear: Buffer): string {
    const sha = sha256(clear);
    const name = this.attachmentName(sha);
    if (!existsSync(join(this.dataDir, name)))
      writeFileOnce(join(this.dataDir, name), sealBytes(this.fileKey, clear, aadOf(name)), 0o600);
    return sha;
  }

  /** A scan's clear bytes from the SHA-256 the database recorded, checked against it. */
  openAttachment(sha: string): Buffer {
    return this.open(this.attachmentName(sha), sha);
  }

  /**
   * The clear bytes of an archive file named by its path inside the data folder
   * (`slips/…/x.pdf` as slip_prints records it finds `x.pdf.sealed`), checked
   * against `expectedSha256` when the caller has it (slip_prints.pdf_sha256,
   * attachments.sha256). Errors say which file and why, in Chinese and English.
   */
  open(rel: string, expectedSha256?: string): Buffer {
    const name = this.sealedName(rel);
    const path = join(this.dataDir, name);
    if (!existsSync(path)) {
      const clear = existsSync(join(this.dataDir, rel)) && rel !== name;
      throw new Error(
        clear
          ? `${rel} 尚未加密（旧版本留下的明文文件，应用下次启动时加密）。${rel} is not sealed yet: a clear file from an earlier version, sealed at the app's next start.`
          : `归档文件 ${name} 不存在。No archive file ${name} in ${this.dataDir}.`,
      );
    }
    let bytes: Buffer;
    try {
      bytes = openBytes(this.fileKey, readFileSync(path), aadOf(name));
    } catch (e) {
      if (!(e instanceof SealError)) throw e;
      throw new Error(
        `归档文件 ${name} 无法解密：密钥不同、文件被改动，或文件被改名/移动。The archive file ${name} ${e.message}.`,
      );
    }
    if (expectedSha256 !== undefined && sha256(bytes) !== expectedSha256)
      throw new Error(
        `归档文件 ${name} 与记录的 SHA-256 不符。The archive file ${name} opens, but is not the document recorded (SHA-256 ${expectedSha256}).`,
      );
    return bytes;
  }

  /** A path given on a command line (absolute, or relative to the working folder) as a path inside the data folder. */
  nameOf(path: string): string {
    const rel = relative(resolve(this.dataDir), resolve(path));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      throw new Error(
        `${path} 不在数据目录 ${this.dataDir} 内。${path} is not inside the data folder ${this.dataDir}.`,
      );
    return rel;
  }

  /** Where a clear file of an earlier version goes sealed; null for what is not one (left alone). */
  private sealedNameOfClear(folder: (typeof ARCHIVE_FOLDERS)[number], rel: string): string | null {
    if (folder !== 'attachments') return rel.endsWith('.pdf') ? rel + SEALED_SUFFIX : null;
    const base = rel.slice(folder.length + 1);
    return SHA256_HEX.test(base) ? this.attachmentName(base) : null;
  }

  /**
   * Seals the clear archive files an earlier version left (slips/**\/*.pdf,
   * reports/**\/*.pdf, attachments/<sha256>), each checked to open before its
   * clear file is removed, and removes temporaries an interrupted write left.
   * A clear file whose sealed name is already taken by other bytes is kept and
   * reported, never overwritten. Run before the services start.
   */
  sealClearFiles(): { sealed: string[]; kept: string[]; removedTemporaries: string[] } {
    const out = { sealed: [] as string[], kept: [] as string[], removedTemporaries: [] as string[] };
    for (const folder of ARCHIVE_FOLDERS) {
      for (const rel of filesUnder(this.dataDir, folder)) {
        const path = join(this.dataDir, rel);
        if (TEMPORARY.test(rel)) {
          if (!rel.endsWith(`.${process.pid}.tmp`)) {
            rmSync(path, { force: true });
            out.removedTemporaries.push(rel);
          }
          continue;
        }
        const name = this.sealedNameOfClear(folder, rel);
        if (name === null) continue;
        const clear = readFileSync(path);
        if (isSealedBytes(clear)) continue; // not a clear file, whatever its name says: left alone
        const target = join(this.dataDir, name);
        writeFileOnce(target, sealBytes(this.fileKey, clear, aadOf(name)), 0o600);
        // Written now, or by an earlier run that stopped before removing the clear file: removed only if it opens to these bytes.
        let same = false;
        try {
          same = openBytes(this.fileKey, readFileSync(target), aadOf(name)).equals(clear);
        } catch {
          same = false;
        }
        if (same) {
          rmSync(path);
          out.sealed.push(rel);
        } else out.kept.push(rel);
      }
    }
    return out;
  }
}

/** Every file under `folder` of the data folder, as paths inside the data folder. */
function filesUnder(dataDir: string, folder: string): string[] {
  const root = join(dataDir, folder);
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dataDir, rel))) {
      const child = join(rel, entry);
      if (statSync(join(dataDir, child)).isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(folder);
  return out;
}

/** The clear bytes of one archive file (see ArchiveFiles.open): for the CLI and for tests. */
export function openArchiveFile(dataDir: string, rel: string, keys: KeyProvider, expectedSha256?: string): Buffer {
  return new ArchiveFiles(dataDir, keys).open(rel, expectedSha256);
}

/** Seals the clear archive files of a data folder (see ArchiveFiles.sealClearFiles): at the app's start. */
export function sealClearArchiveFiles(dataDir: string, keys: KeyProvider) {
  return new ArchiveFiles(dataDir, keys).sealClearFiles();
}
