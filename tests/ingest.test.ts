/**
 * Bad input never crashes a run and never loses a row: each malformed line lands in the quarantine
 * with its file, 1-based line and reason; read = kept + quarantined per source.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from './helpers/cli.js';
import { runRecipeText } from './helpers/recipes.js';

const good = (id: string, text = 'hello there') =>
  JSON.stringify({
    id,
    messages: [
      { role: 'user', content: `${text} ${id}` },
      { role: 'assistant', content: `answer ${id}` },
    ],
  });

async function quarantine(text: string, dir: string) {
  const { result, db } = await runRecipeText(text, dir);
  const rows = await db.all<{ line: number; reason: string; detail: string }>(
    sql`SELECT line, reason, detail FROM _quarantine ORDER BY line`,
  );
  const kept = await db.all<{ id: string; line: number }>(
    sql`SELECT id, line FROM ${(await import('@oversight/core')).identifier(`src_${result.sources[0]?.fingerprint.slice(0, 16)}`)} ORDER BY line`,
  );
  db.close();
  return { result, rows, kept };
}

const recipe = (path: string, extra = '') => `version: 1\nname: t\nsources:\n  - { id: s, path: ${path}${extra} }\n`;

describe('ingest quarantine', () => {
  it('sets every kind of malformed line aside with its line number and keeps the rest', async () => {
    const dir = temporaryDirectory();
    const lines = [
      `\uFEFF${good('a')}`, // 1: BOM on the first line is stripped, row kept
      `${good('b')}\r`, // 2: CRLF line ending, kept
      '', // 3: empty line
      '{"id": "c", "messages": [{"role": "user", "content": "cut', // 4: truncated JSON
      '{"id": "d", "messages": "not a list"}', // 5: wrong type
      '{"id": "e"}', // 6: missing field
      '[1, 2, 3]', // 7: not an object
      good('f'), // 8: kept
      good('a'), // 9: duplicate id of line 1
      JSON.stringify({ id: 'g', messages: [{ role: 'user', content: 'only a question' }] }), // 10: no assistant turn
      JSON.stringify({
        id: 'h',
        messages: [
          { role: 'wizard', content: 'x' },
          { role: 'assistant', content: 'y' },
        ],
      }), // 11: unknown role
      JSON.stringify({ id: 'i', messages: [] }), // 12: empty conversation
      good('j', 'x'.repeat(3000)), // 13: larger than max_row_bytes
    ];
    const buffers = lines.map((line) => Buffer.from(`${line}\n`, 'utf8'));
    // 14: invalid UTF-8 bytes inside a string
    buffers.push(
      Buffer.concat([
        Buffer.from('{"id": "k", "messages": [{"role": "user", "content": "'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}]}\n'),
      ]),
    );
    buffers.push(Buffer.from(`${good('l')}`)); // 15: last line without a newline
    writeFileSync(join(dir, 'data.jsonl'), Buffer.concat(buffers));
    const { result, rows, kept } = await quarantine(recipe('data.jsonl', ', max_row_bytes: 2000'), dir);
    expect(result.ok).toBe(true);
    expect(rows.map((row) => [row.line, row.reason])).toEqual([
      [3, 'empty_line'],
      [4, 'invalid_json'],
      [5, 'wrong_type'],
      [6, 'missing_field'],
      [7, 'not_an_object'],
      [9, 'duplicate_id'],
      [10, 'no_assistant_turn'],
      [11, 'unknown_role'],
      [12, 'empty_messages'],
      [13, 'row_too_large'],
      [14, 'invalid_utf8'],
    ]);
    expect(rows.find((row) => row.line === 4)?.detail).toMatch(/Unterminated string/);
    expect(rows.find((row) => row.line === 9)?.detail).toMatch(/data\.jsonl:1/);
    expect(kept.map((row) => row.line)).toEqual([1, 2, 8, 15]);
    const source = result.sources[0];
    expect(source?.read).toBe(15);
    expect(source?.quarantined).toBe(11);
    expect((source?.kept ?? 0) + (source?.dropped ?? 0) + (source?.quarantined ?? 0)).toBe(source?.read);
  });

  it('reads a clean file on the fast path with the same ids and lines as the line-by-line path', async () => {
    const dir = temporaryDirectory();
    const rows = Array.from({ length: 50 }, (_, index) => good(`r${index}`));
    writeFileSync(join(dir, 'clean.jsonl'), `${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'dirty.jsonl'), `${rows.join('\n')}\n`.replace('\n', '\n\n'));
    const clean = await quarantine(recipe('clean.jsonl'), dir);
    const dirty = await quarantine(recipe('dirty.jsonl'), dir);
    expect(clean.kept.map((row) => row.line)).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(dirty.rows.map((row) => row.line)).toEqual([2]);
    expect(dirty.kept.map((row) => row.line)).toEqual([1, ...Array.from({ length: 49 }, (_, index) => index + 3)]);
    expect(dirty.kept.map((row) => row.id).sort()).toEqual(clean.kept.map((row) => row.id).sort());
  });

  it('stops with file:line when on_bad_row is fail', async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, 'data.jsonl'), `${good('a')}\n{broken\n`);
    const { result, db } = await runRecipeText(`${recipe('data.jsonl')}on_bad_row: fail\n`, dir);
    db.close();
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('source/bad-row');
    expect(result.error?.message).toMatch(/data\.jsonl:2: invalid_json/);
  });

  it('gives rows without an id a stable content id, distinct for repeated content', async () => {
    const dir = temporaryDirectory();
    const row = JSON.stringify({
      messages: [
        { role: 'user', content: 'same' },
        { role: 'assistant', content: 'same' },
      ],
    });
    writeFileSync(join(dir, 'data.jsonl'), `${row}\n${row}\n`);
    const first = await quarantine(recipe('data.jsonl'), dir);
    const second = await quarantine(recipe('data.jsonl'), dir);
    expect(first.rows).toEqual([]);
    expect(new Set(first.kept.map((row) => row.id)).size).toBe(2);
    expect(second.kept.map((row) => row.id)).toEqual(first.kept.map((row) => row.id));
  });
});

describe('adapters', () => {
  async function canonical(file: string, content: string, format: string, extra = '') {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, file), content);
    const { result, db } = await runRecipeText(`version: 1\nname: t\nsources:\n  - { id: s, path: ${file}, ${format}${extra} }\n`, dir);
    const table = `src_${result.sources[0]?.fingerprint.slice(0, 16)}`;
    const { identifier } = await import('@oversight/core');
    const rows = await db.all<{ task: string; messages: Array<{ role: string; content: string }>; answer: string | null; meta: string }>(
      sql`SELECT task, messages, answer, meta::VARCHAR AS meta FROM ${identifier(table)} ORDER BY line`,
    );
    const quarantined = await db.all<{ line: number; reason: string }>(sql`SELECT line, reason FROM _quarantine ORDER BY line`);
    db.close();
    return { rows, quarantined, result };
  }

  it('gsm8k: gold is the text after ####, commas removed, kept as a string', async () => {
    const lines = [
      { question: 'How many?', answer: 'Some work <<2+2=4>>.\n#### 1,234' },
      { question: 'Half?', answer: 'Half of 5 is 2.5\n#### 2.50' },
      { question: 'No gold', answer: 'I do not know' },
    ];
    const { rows, quarantined } = await canonical('g.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'), 'format: gsm8k');
    expect(rows.map((row) => row.answer)).toEqual(['1234', '2.50']);
    expect(rows[0]?.task).toBe('math');
    expect(rows[0]?.messages).toEqual([
      { role: 'user', content: 'How many?' },
      { role: 'assistant', content: 'Some work <<2+2=4>>.\n#### 1,234' },
    ]);
    expect(quarantined).toEqual([{ line: 3, reason: 'missing_gold' }]);
  });

  it('math: gold is the last brace-balanced \\boxed{}, level and type kept in meta', async () => {
    const lines = [
      { problem: 'p1', solution: 'first \\boxed{1} then $\\boxed{\\frac{1}{2}}$.', level: 'Level 3', type: 'Algebra' },
      { problem: 'p2', solution: 'set \\boxed{\\{1, 2\\}} and \\fbox{9}', level: 'Level ?', type: 'Geometry' },
      { problem: 'p3', solution: 'no box here', level: 'Level 1', type: 'Algebra' },
    ];
    const { rows, quarantined } = await canonical('m.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'), 'format: math');
    expect(rows.map((row) => row.answer)).toEqual(['\\frac{1}{2}', '\\{1, 2\\}']);
    expect(rows.map((row) => JSON.parse(row.meta))).toEqual([
      { level: 3, type: 'Algebra' },
      { level: null, type: 'Geometry' },
    ]);
    expect(quarantined).toEqual([{ line: 3, reason: 'missing_gold' }]);
  });

  it('sharegpt maps speakers to roles and puts the system prompt first', async () => {
    const row = {
      id: 'x',
      system: 'Be brief.',
      conversations: [
        { from: 'human', value: 'hi' },
        { from: 'gpt', value: 'hello' },
      ],
    };
    const { rows } = await canonical('s.jsonl', JSON.stringify(row), 'format: sharegpt');
    expect(rows[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('alpaca (JSON array) joins instruction and input, replays history', async () => {
    const rows = [
      { instruction: 'Translate', input: 'bonjour', output: 'hello', history: [['q0', 'a0']] },
      { instruction: 'Say hi', input: '', output: 'hi' },
    ];
    const { rows: canonicalRows } = await canonical('a.json', JSON.stringify(rows, null, 2), 'format: alpaca');
    expect(canonicalRows[0]?.messages).toEqual([
      { role: 'user', content: 'q0' },
      { role: 'assistant', content: 'a0' },
      { role: 'user', content: 'Translate\n\nbonjour' },
      { role: 'assistant', content: 'hello' },
    ]);
    expect(canonicalRows[1]?.messages).toEqual([
      { role: 'user', content: 'Say hi' },
      { role: 'assistant', content: 'hi' },
    ]);
  });

  it('prompt-response and a CSV with a fields mapping, quarantining a short record with its line', async () => {
    const csv = 'q,a,level\n"What is ""2+2""?",4,easy\n"multi\nline",yes,hard\nonly-one-field\n';
    const { rows, quarantined } = await canonical('c.csv', csv, 'fields: { prompt: q, response: a, answer: a, meta: [level] }');
    expect(rows.map((row) => row.messages[0]?.content)).toEqual(['What is "2+2"?', 'multi\nline']);
    expect(rows.map((row) => row.answer)).toEqual(['4', 'yes']);
    expect(JSON.parse(rows[0]?.meta ?? '{}')).toEqual({ level: 'easy' });
    expect(quarantined).toEqual([{ line: 5, reason: 'wrong_field_count' }]);
    const pr = await canonical('p.jsonl', JSON.stringify({ prompt: 'P', response: 'R' }), 'format: prompt-response');
    expect(pr.rows[0]?.messages).toEqual([
      { role: 'user', content: 'P' },
      { role: 'assistant', content: 'R' },
    ]);
  });

  it('parquet rows are numbered from 1', async () => {
    const dir = temporaryDirectory();
    const { Database } = await import('@oversight/core');
    const scratch = await Database.open(':memory:');
    const path = join(dir, 'p.parquet');
    await scratch.run(
      sql`COPY (SELECT 'q' || i AS prompt, CASE WHEN i = 2 THEN NULL ELSE 'r' || i END AS response FROM range(3) t(i)) TO ${path} (FORMAT parquet)`.inline(),
    );
    scratch.close();
    const { result, db } = await runRecipeText(
      `version: 1\nname: t\nsources:\n  - { id: s, path: p.parquet, format: prompt-response }\n`,
      dir,
    );
    const quarantined = await db.all<{ line: number; reason: string }>(sql`SELECT line, reason FROM _quarantine`);
    db.close();
    expect(result.sources[0]?.read).toBe(3);
    expect(quarantined).toEqual([{ line: 3, reason: 'missing_field' }]);
  });
});
