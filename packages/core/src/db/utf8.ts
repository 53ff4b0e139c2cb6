/**
 * Reading a text column as UTF-8 bytes, without a JS string per row.
 *
 * `getColumns()` turns every VARCHAR into a JS string: one native call to copy its bytes, one UTF-8
 * decode, one heap object, and later a structured clone to reach a worker thread. For a scan of a
 * million ~1 KB texts that is most of the cost. Here each chunk's strings are copied straight into
 * one `Uint8Array` with end offsets.
 *
 * A VARCHAR vector holds 16-byte `duckdb_string_t` slots: a 32-bit length, then either the bytes
 * inline (≤ 12) or a 4-byte prefix and a pointer to the bytes. The strings a query produces sit one
 * after another in the vector's string heap, so consecutive pointers are almost always adjacent. Each
 * run of adjacent strings is copied with one native call (`get_data_from_pointer` on a pointer we
 * pass in an 8-byte buffer). Two strings count as adjacent only when the second starts at most
 * `MAX_GAP` bytes after the first ends: the bytes between lie within reach of two valid strings, so
 * every byte read is mapped memory, and the gap is skipped when laying out the output.
 */
import type { DuckDBDataChunk } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';

/** Texts end to end: text i is `bytes[ends[i - 1], ends[i])` (from 0 for the first). */
export interface Utf8Texts {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** One chunk of an `(ord DOUBLE, text VARCHAR)` query. */
export interface Utf8Batch {
  ords: Float64Array;
  texts: Utf8Texts;
}

/** Largest hole between two strings still copied in one call (the heap aligns to 8 bytes). */
const MAX_GAP = 16;
const SLOT = 16;
const INLINE = 12;
const TWO_32 = 2 ** 32;

/**
 * Converts a result chunk whose columns are `(DOUBLE, VARCHAR)`. NULL texts read as empty. The bytes
 * go to a buffer from `allocate(size)` (of exactly that length), a new one by default.
 */
export function utf8Batch(chunk: DuckDBDataChunk, allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)): Utf8Batch {
  const rows = chunk.rowCount;
  const ordVector = bindings.data_chunk_get_vector(chunk.chunk, 0);
  const ordData = bindings.vector_get_data(ordVector, rows * 8);
  // Copy: the vector's memory goes away with the chunk.
  const ords = new Float64Array(rows);
  new Uint8Array(ords.buffer).set(ordData.subarray(0, rows * 8));

  const textVector = bindings.data_chunk_get_vector(chunk.chunk, 1);
  const data = bindings.vector_get_data(textVector, rows * SLOT);
  const view = new DataView(data.buffer, data.byteOffset, rows * SLOT);
  const validity = bindings.vector_get_validity(textVector, Math.ceil(rows / 64) * 8);
  const lengths = new Uint32Array(rows);
  // Pointers as two 32-bit halves' sum: user-space addresses fit well within 2^53.
  const pointers = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    if (validity && ((validity[row >>> 3] as number) & (1 << (row & 7))) === 0) continue;
    const length = view.getUint32(row * SLOT, true);
    lengths[row] = length;
    if (length > INLINE) {
      pointers[row] = view.getUint32(row * SLOT + 8, true) + view.getUint32(row * SLOT + 12, true) * TWO_32;
    }
  }

  const pointer = new DataView(new ArrayBuffer(8));
  const texts = gatherTexts(
    lengths,
    pointers,
    allocate,
    (row, length) => data.subarray(row * SLOT + 4, row * SLOT + 4 + length),
    (address, length) => {
      pointer.setUint32(0, address % TWO_32, true);
      pointer.setUint32(4, Math.floor(address / TWO_32), true);
      return bindings.get_data_from_pointer(pointer.buffer, 0, length);
    },
  );
  return { ords, texts };
}

/**
 * Lays out texts end to end in `allocate(total bytes)`: text `row` has `lengths[row]` bytes, read by `inline(row, length)` when
 * it has at most 12, else from address `pointers[row]`. Each run of heap texts that follow one another
 * (each starting at most `MAX_GAP` bytes after the previous one ends) is read with one `read(address,
 * length)` call.
 */
export function gatherTexts(
  lengths: Uint32Array,
  pointers: Float64Array,
  allocate: (size: number) => Uint8Array,
  inline: (row: number, length: number) => Uint8Array,
  read: (address: number, length: number) => Uint8Array,
): Utf8Texts {
  const rows = lengths.length;
  let total = 0;
  for (let row = 0; row < rows; row++) total += lengths[row] as number;
  const bytes = allocate(total);
  const ends = new Uint32Array(rows);
  let at = 0;
  let row = 0;
  while (row < rows) {
    const length = lengths[row] as number;
    if (length <= INLINE) {
      if (length > 0) bytes.set(inline(row, length), at);
      at += length;
      ends[row++] = at;
      continue;
    }
    const first = pointers[row] as number;
    let last = row;
    let end = first + length;
    while (last + 1 < rows) {
      const nextLength = lengths[last + 1] as number;
      if (nextLength <= INLINE) break;
      const next = pointers[last + 1] as number;
      if (next < end || next - end > MAX_GAP) break;
      last++;
      end = next + nextLength;
    }
    const copied = read(first, end - first);
    if (end - first === sumLengths(lengths, row, last)) {
      // No holes: one copy.
      bytes.set(copied, at);
      for (; row <= last; row++) {
        at += lengths[row] as number;
        ends[row] = at;
      }
    } else {
      for (; row <= last; row++) {
        const from = (pointers[row] as number) - first;
        const rowLength = lengths[row] as number;
        bytes.set(copied.subarray(from, from + rowLength), at);
        at += rowLength;
        ends[row] = at;
      }
    }
  }
  return { bytes, ends };
}

function sumLengths(lengths: Uint32Array, from: number, to: number): number {
  let sum = 0;
  for (let index = from; index <= to; index++) sum += lengths[index] as number;
  return sum;
}

const decoder = new TextDecoder();

/** Text i of `texts` as a string. */
export function utf8Text(texts: Utf8Texts, index: number): string {
  const from = index === 0 ? 0 : (texts.ends[index - 1] as number);
  return decoder.decode(texts.bytes.subarray(from, texts.ends[index] as number));
}

const encoder = new TextEncoder();

/** Strings to `Utf8Texts` (for callers that have strings: tests, small inputs). */
export function encodeTexts(texts: readonly string[]): Utf8Texts {
  const parts = texts.map((text) => encoder.encode(text));
  const ends = new Uint32Array(parts.length);
  let total = 0;
  for (let index = 0; index < parts.length; index++) {
    total += (parts[index] as Uint8Array).length;
    ends[index] = total;
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return { bytes, ends };
}
