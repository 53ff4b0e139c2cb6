/**
 * Byte-level reading of line-oriented files: a fast pre-scan that tells whether DuckDB may read a
 * JSONL file directly (its row numbers are then the file's line numbers), and a line splitter that
 * turns each line into text or a precise problem (invalid UTF-8, empty line, oversized row).
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface ScanResult {
  /** Lines in the file (a last line without a newline counts; an empty file has 0). */
  lines: number;
  /** True when DuckDB can read the file as is: valid UTF-8, no BOM, no blank line, no line over the limit. */
  clean: boolean;
  bytes: number;
}

/** Pre-scans a JSONL file; `onBytes` reports progress. Stops early at the first problem. */
export function scanJsonl(path: string, maxRowBytes: number, onBytes?: (bytes: number) => void): ScanResult {
  const descriptor = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = 0;
  let lines = 0;
  let carry: Buffer = Buffer.alloc(0);
  const unclean = (): ScanResult => ({ lines, clean: false, bytes: position });
  try {
    for (;;) {
      const read = readSync(descriptor, buffer, 0, CHUNK, position);
      if (position === 0 && read >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return unclean();
      position += read;
      const data = read === 0 ? carry : carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
      const lastNewline = read === 0 ? data.length - 1 : data.lastIndexOf(NEWLINE);
      // Complete lines only, so a multi-byte character is never split across the check.
      const complete = data.subarray(0, lastNewline + 1);
      if (complete.length > 0) {
        if (!isUtf8(complete)) return unclean();
        let offset = 0;
        while (offset < complete.length) {
          // A line that does not open with `{` is looked at closer: DuckDB skips blank lines.
          if (complete[offset] !== 0x7b && isBlankLine(complete, offset)) return unclean();
          let newline = complete.indexOf(NEWLINE, offset);
          if (newline < 0) newline = complete.length;
          if (newline - offset > maxRowBytes) return unclean();
          lines++;
          offset = newline + 1;
        }
      }
      if (read === 0) break;
      carry = Buffer.from(data.subarray(lastNewline + 1));
      if (carry.length > maxRowBytes) return unclean();
      onBytes?.(position);
    }
    return { lines, clean: true, bytes: position };
  } finally {
    closeSync(descriptor);
  }
}

/** True when the line starting at `offset` holds only spaces, tabs and a `\r`. */
function isBlankLine(data: Buffer, offset: number): boolean {
  for (let index = offset; index < data.length; index++) {
    const byte = data[index];
    if (byte === NEWLINE) return true;
    if (byte !== 0x20 && byte !== 0x09 && byte !== CARRIAGE_RETURN) return false;
  }
  return true;
}

/** Why a line cannot be read as a row. */
export type LineProblem = 'invalid_utf8' | 'empty_line' | 'row_too_large';

export interface Line {
  /** 1-based line number. */
  line: number;
  /** The text (BOM and trailing `\r` removed), or a preview for a problem line. */
  text: string;
  problem: LineProblem | undefined;
  /** Byte length of the line. */
  bytes: number;
}

/**
 * Splits a file into lines, in batches. Every line is reported, a problem line with its reason, so
 * line numbers always match the file. A final newline does not start an extra line.
 */
export function* splitLines(path: string, maxRowBytes: number, onBytes?: (bytes: number) => void): Generator<Line[]> {
  const descriptor = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = 0;
  let lineNumber = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  try {
    for (;;) {
      const read = readSync(descriptor, buffer, 0, CHUNK, position);
      position += read;
      const batch: Line[] = [];
      if (read === 0) {
        if (pendingBytes > 0 || oversized) batch.push(makeLine(++lineNumber, Buffer.concat(pending), oversized, pendingBytes, maxRowBytes));
        if (batch.length > 0) yield batch;
        break;
      }
      const chunk = buffer.subarray(0, read);
      let offset = 0;
      for (;;) {
        const newline = chunk.indexOf(NEWLINE, offset);
        const end = newline < 0 ? read : newline;
        const piece = chunk.subarray(offset, end);
        if (!oversized) {
          if (pendingBytes + piece.length > maxRowBytes) {
            oversized = true;
            // Keep a preview only.
            pending.push(Buffer.from(piece.subarray(0, Math.max(0, 256 - pendingBytes))));
          } else pending.push(Buffer.from(piece));
        }
        pendingBytes += piece.length;
        if (newline < 0) break;
        batch.push(makeLine(++lineNumber, Buffer.concat(pending), oversized, pendingBytes, maxRowBytes));
        pending = [];
        pendingBytes = 0;
        oversized = false;
        offset = newline + 1;
      }
      onBytes?.(position);
      if (batch.length > 0) yield batch;
    }
  } finally {
    closeSync(descriptor);
  }
}

function makeLine(line: number, content: Buffer, oversized: boolean, bytes: number, maxRowBytes: number): Line {
  let body = content;
  if (line === 1 && body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (body.length > 0 && body[body.length - 1] === CARRIAGE_RETURN) body = body.subarray(0, body.length - 1);
  if (oversized || bytes > maxRowBytes) {
    return { line, text: body.subarray(0, 256).toString('utf8'), problem: 'row_too_large', bytes };
  }
  if (!isUtf8(body)) return { line, text: body.toString('latin1').slice(0, 256), problem: 'invalid_utf8', bytes };
  const text = body.toString('utf8');
  if (text.trim() === '') return { line, text, problem: 'empty_line', bytes };
  return { line, text, problem: undefined, bytes };
}
