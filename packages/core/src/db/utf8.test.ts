import { describe, expect, it } from 'vitest';
import { Database } from './database.js';
import { sql } from './sql.js';
import { encodeTexts, gatherTexts, utf8Text } from './utf8.js';

describe('Database.streamUtf8', () => {
  it('reads every text byte for byte: NULLs, inline and heap strings, every script, holes in the heap', async () => {
    const db = await Database.open(':memory:');
    // Lengths around the 12-byte inline limit, multi-byte characters, NULLs, and rows whose strings
    // the heap does not lay out back to back (a filtered CASE picks from two columns).
    await db.run(sql`CREATE TABLE t AS SELECT range AS i,
      CASE WHEN range % 97 = 0 THEN NULL
           WHEN range % 5 = 0 THEN repeat('é', (range % 9)::INTEGER)
           WHEN range % 3 = 0 THEN 'row ' || range || ' 猫😀 ' || repeat('ab', (range % 40)::INTEGER)
           ELSE repeat(chr(65 + (range % 26)::INTEGER), (range % 30)::INTEGER) END AS text
      FROM range(10000)`);
    const expected = await db.all<{ i: number; text: string | null }>(sql`SELECT i, text FROM t ORDER BY i`);
    let row = 0;
    let batches = 0;
    for await (const batch of db.streamUtf8(sql`SELECT i::DOUBLE, text FROM t ORDER BY i`)) {
      batches++;
      expect(batch.texts.ends.length).toBe(batch.ords.length);
      for (let index = 0; index < batch.ords.length; index++, row++) {
        expect(batch.ords[index]).toBe(expected[row]?.i);
        expect(utf8Text(batch.texts, index)).toBe(expected[row]?.text ?? '');
      }
    }
    expect(row).toBe(10000);
    expect(batches).toBeGreaterThan(1);
    db.close();
  });

  it('refuses a query of other column types, saying what it found', async () => {
    const db = await Database.open(':memory:');
    const read = async () => {
      for await (const _ of db.streamUtf8(sql`SELECT 1::BIGINT AS i, 'x' AS text`));
    };
    await expect(read()).rejects.toThrow(/expected a query of columns \(DOUBLE, VARCHAR\), found \(BIGINT, VARCHAR\)/);
    db.close();
  });

  it('encodes strings to the same layout', () => {
    const texts = encodeTexts(['', 'abc', 'naïve 猫']);
    expect([...texts.ends]).toEqual([0, 3, 13]);
    expect([0, 1, 2].map((index) => utf8Text(texts, index))).toEqual(['', 'abc', 'naïve 猫']);
  });

  it('gathers heap runs with one read each, skipping holes, and splits runs at gaps, jumps back and inline texts', () => {
    // A fake heap: texts at chosen addresses, some back to back, some with small holes, one far away,
    // one before its predecessor.
    const heap = new Uint8Array(400).fill(0x2a);
    const encoder = new TextEncoder();
    const texts = [
      'the first heap text',
      'second one, adjacent',
      'third, after a 5-byte hole',
      'short',
      'far away text!',
      'earlier in the heap',
    ];
    const addresses = [100, 119, 144, 0, 300, 20];
    const lengths = new Uint32Array(texts.length);
    const pointers = new Float64Array(texts.length);
    for (const [row, text] of texts.entries()) {
      const bytes = encoder.encode(text);
      lengths[row] = bytes.length;
      if (bytes.length > 12) {
        heap.set(bytes, addresses[row] as number);
        pointers[row] = addresses[row] as number;
      }
    }
    expect(pointers[1]).toBe(pointers[0] + lengths[0]);
    const reads: Array<[number, number]> = [];
    const gathered = gatherTexts(
      lengths,
      pointers,
      (size) => new Uint8Array(size),
      (row) => encoder.encode(texts[row]),
      (address, length) => {
        reads.push([address, length]);
        return heap.subarray(address, address + length);
      },
    );
    expect(texts.map((_, row) => utf8Text(gathered, row))).toEqual(texts);
    // Rows 0–2 in one read (hole included), then 4, then 5 on its own (it lies before 4).
    expect(reads).toEqual([
      [100, 144 + (lengths[2] as number) - 100],
      [300, lengths[4]],
      [20, lengths[5]],
    ]);
  });
});
