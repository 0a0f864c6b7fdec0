/**
 * Files that must survive a power cut whole or not at all: written to a
 * temporary file, fsynced, then renamed (or linked) into place. One
 * implementation for slips, attachments, config.json and backups.
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeTemporary(path: string, bytes: Buffer | string, mode: number): string {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes, { mode });
    fsyncFile(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return tmp;
}

/** Replaces `path` atomically with `bytes`: readers see the old file or the new one, never a part. */
export function writeFileDurably(path: string, bytes: Buffer | string, mode = 0o644): void {
  const tmp = writeTemporary(path, bytes, mode);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes `path` only if it does not exist yet, atomically (a hard link fails
 * where the name is taken); returns false when it was already there. For
 * content-addressed files, which must never be overwritten.
 */
export function writeFileOnce(path: string, bytes: Buffer | string, mode = 0o644): boolean {
  const tmp = writeTemporary(path, bytes, mode);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}
