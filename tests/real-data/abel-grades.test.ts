/**
 * Abel's published accuracies, re-derived by the `abel` compat grader from Abel's own stored outputs
 * in ../shared/data/abel/outputs (skipped with a visible message when absent). Each file's
 * `response` is re-graded against its `gold`; the accuracy must be the README's figure exactly
 * (GSM8K 59.74 / 66.41 / 83.62, GSM8k_robust 58.23 / 66.57 / 81.80, TAL-SCQ5K-EN 59.7), every row's
 * verdict must equal the stored `result`, our normalized answer the stored `pred`, and normalizing
 * the stored (already normalized) gold again must leave it unchanged. The quirks are pinned too:
 * rows right only by SymPy (`55.50` = `55.5`, `A,B` = `A`) and rows wrong despite equal numbers
 * (`10.` reads as 1, `528.` as 10).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abelGrader } from '../../packages/filters/src/verify/math/compat/abel.js';
import { ROOT } from '../helpers/cli.js';

const DATA = join(ROOT, '..', 'shared', 'data');
const OUTPUTS = join(DATA, 'abel', 'outputs');

interface Expected {
  readonly file: string;
  /** The README's accuracy (×100, two decimals). */
  readonly published: number;
  readonly correct: number;
  /** Correct rows whose normalized answer differs from the gold as text (decided by SymPy). */
  readonly sympyOnly: number;
  /** Wrong rows whose answer and gold are the same number to a naive reader (`10.` vs `10`). */
  readonly sameNumberWrong: number;
}

const FILES: readonly Expected[] = [
  { file: 'gsm8k/7b.jsonl', published: 59.74, correct: 788, sympyOnly: 0, sameNumberWrong: 0 },
  { file: 'gsm8k/13b.jsonl', published: 66.41, correct: 876, sympyOnly: 0, sameNumberWrong: 1 },
  { file: 'gsm8k/70b.jsonl', published: 83.62, correct: 1103, sympyOnly: 0, sameNumberWrong: 0 },
  { file: 'gsm8k_robust/7b.jsonl', published: 58.23, correct: 768, sympyOnly: 10, sameNumberWrong: 0 },
  { file: 'gsm8k_robust/13b.jsonl', published: 66.57, correct: 878, sympyOnly: 7, sameNumberWrong: 0 },
  { file: 'gsm8k_robust/70b.jsonl', published: 81.8, correct: 1079, sympyOnly: 10, sameNumberWrong: 1 },
  { file: 'mathgpt/70b.jsonl', published: 59.7, correct: 1194, sympyOnly: 1, sameNumberWrong: 0 },
];

const present = FILES.every(({ file }) => existsSync(join(OUTPUTS, file)));
if (!present) console.warn(`[skipped] real-data Abel grading tests: ${OUTPUTS} is absent (it exists only on the project's machines)`);

interface Row {
  id: number;
  response: string;
  pred: string;
  gold: string;
  result: boolean;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

describe.skipIf(!present)("abel grader re-derives Abel's published accuracies (../shared/data/abel)", () => {
  it.each(FILES)(
    '$file: $published% ($correct correct), every row as stored',
    ({ file, published, correct, sympyOnly, sameNumberWrong }) => {
      const rows = readJsonl<Row>(join(OUTPUTS, file));
      const graded = rows.map((row) => ({ row, verdict: abelGrader.grade(row.response, row.gold) }));

      const right = graded.filter(({ verdict }) => verdict.correct).length;
      expect(right).toBe(correct);
      expect(Math.round((10_000 * right) / rows.length) / 100).toBe(published);
      expect(rows.filter((row) => row.result).length).toBe(correct);

      const disagreements = graded.filter(({ row, verdict }) => verdict.correct !== row.result).map(({ row }) => row.id);
      expect(disagreements).toEqual([]);
      const predDifferences = graded
        .filter(({ row, verdict }) => (verdict.pred ?? '') !== row.pred)
        .map(({ row, verdict }) => `${row.id}: ${JSON.stringify(verdict.pred)} ≠ ${JSON.stringify(row.pred)}`);
      expect(predDifferences).toEqual([]);
      const goldDifferences = graded.filter(({ row, verdict }) => verdict.gold !== row.gold).map(({ row }) => row.id);
      expect(goldDifferences).toEqual([]);

      const decidedBySympy = graded.filter(({ verdict }) => verdict.correct && verdict.pred !== verdict.gold);
      expect(decidedBySympy.length).toBe(sympyOnly);
      const sameNumber = graded.filter(
        ({ verdict }) => !verdict.correct && verdict.pred !== null && verdict.pred !== '' && Number(verdict.pred) === Number(verdict.gold),
      );
      expect(sameNumber.length).toBe(sameNumberWrong);
    },
  );
});
