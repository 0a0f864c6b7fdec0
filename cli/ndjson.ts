/**
 * NDJSON in and out for the batch CLI, without per-line stream work: input is
 * read in large chunks and split into lines as readline splits them (\n,
 * \r\n or a lone \r; a \r\n across two chunks is one line end; a final
 * line without a line end is a line); output lines
 * are encoded once, straight into a large buffer that is written when full,
 * waiting for 'drain' when the stream asks to.
 */
import type { Readable, Writable } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The input's lines, a chunk's worth at a time (the last line need not end
 * with a line end). Split on the bytes (a UTF-8 character never contains 0x0a
 * or 0x0d), each line decoded once: a line is what lies between two \n, less
 * one final \r, split again at any other \r.
 */
export async function* lineChunks(input: Readable): AsyncGenerator<string[]> {
  let rest: Buffer | null = null;
  for await (const data of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const lines: string[] = [];
    let start = 0;
    if (rest) {
      // Only the line begun in the last chunk is copied, not the whole chunk.
      const nl = bytes.indexOf(LF);
      if (nl === -1) {
        rest = Buffer.concat([rest, bytes]);
        continue;
      }
      const first = Buffer.concat([rest, bytes.subarray(0, nl)]);
      pushLine(lines, first, 0, first.length);
      start = nl + 1;
    }
    for (let nl = bytes.indexOf(LF, start); nl !== -1; nl = bytes.indexOf(LF, start)) {
      pushLine(lines, bytes, start, nl);
      start = nl + 1;
    }
    rest = start < bytes.length ? Buffer.from(bytes.subarray(start)) : null;
    if (lines.length > 0) yield lines;
  }
  if (rest) {
    const lines: string[] = [];
    pushLine(lines, rest, 0, rest.length);
    yield lines;
  }
}

function pushLine(lines: string[], bytes: Buffer, start: number, end: number): void {
  const last = end > start && bytes[end - 1] === CR ? end - 1 : end;
  const line = bytes.toString('utf8', start, last);
  if (line.includes('\r')) lines.push(...line.split('\r'));
  else lines.push(line);
}

/** Lines written through a buffer of `size` bytes: one UTF-8 encoding per line, one stream write per buffer. */
export class LineWriter {
  private buffer: Buffer;
  private used = 0;
  private blocked = false;

  constructor(
    private readonly out: Writable,
    private readonly size = 1 << 20,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Adds `text` and a newline. */
  line(text: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 code unit, plus the newline.
    if (this.used + text.length * 3 + 1 > this.size) {
      this.flushBuffer();
      if (text.length * 3 + 1 > this.size) {
        this.send(Buffer.from(`${text}\n`, 'utf8'));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
    this.buffer[this.used++] = 0x0a;
  }

  /** Resolves when the stream has taken what was written (call between chunks of lines). */
  async drained(): Promise<void> {
    if (!this.blocked) return;
    await new Promise<void>((resolve) => this.out.once('drain', resolve));
    this.blocked = false;
  }

  /** Writes what is buffered and waits for the stream. */
  async end(): Promise<void> {
    this.flushBuffer();
    await this.drained();
  }

  private flushBuffer(): void {
    if (this.used === 0) return;
    // The stream keeps the written bytes until it has sent them: the next lines go into a new buffer.
    this.send(this.buffer.subarray(0, this.used));
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
  }

  private send(bytes: Buffer): void {
    if (!this.out.write(bytes)) this.blocked = true;
  }
}
