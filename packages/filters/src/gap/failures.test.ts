import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFailures } from './failures.js';

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-failures-'));
  writeFileSync(join(dir, 'graded.jsonl'), text);
  return dir;
}

const spec = { path: 'graded.jsonl', prompt_field: 'question', correct_field: 'correct', topic_field: 'type' };

describe('readFailures', () => {
  it('reads questions, verdicts (booleans or 1/0) and topics, skipping blank lines', () => {
    const dir = file('{"question":"a","correct":true,"type":"Algebra"}\n\n{"question":"b","correct":0}\n');
    expect(readFailures(spec, dir)).toEqual([
      { line: 1, prompt: 'a', correct: true, topic: 'Algebra' },
      { line: 3, prompt: 'b', correct: false, topic: null },
    ]);
  });

  it.each([
    ['{"question":"a"', /^graded\.jsonl:1: expected a JSON object, found malformed JSON/],
    ['[1]', 'graded.jsonl:1: expected a JSON object, found an array [1]'],
    ['{"correct":true}', 'graded.jsonl:1: expected `question` to be a question (a string), found none'],
    ['{"question":"a","correct":"yes"}', 'graded.jsonl:1: expected `correct` to be true/false (or 1/0), found string "yes"'],
    ['{"question":"a","correct":true,"type":3}', 'graded.jsonl:1: expected `type` to be a string, found number 3'],
  ])('rejects %s with file:line', (line, message) => {
    expect(() => readFailures(spec, file(`${line}\n`))).toThrow(message);
  });
});
