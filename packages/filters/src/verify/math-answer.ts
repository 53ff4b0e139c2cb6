/**
 * `verify/math-answer` — drops math rows whose final answer is wrong. The last assistant turn of each
 * row is graded against the row's `answer` column (the gold) by a grader from `mathGraders` (default
 * `strict`, docs/grading.md). A row is graded when its task is `math` or it has a gold; any other row
 * passes through untouched.
 *
 * Reasons: `no_gold` (a math row without a gold, with `on_missing_gold: drop`), `no_final_answer`,
 * `answer_mismatch`, `unparseable_gold`, `unparseable_answer`. Detail: the extracted answer against
 * the gold. Labels (merged into `meta.math_answer` of kept rows): grader, correct, extractor,
 * extracted, pred and gold.
 * Cost: pure JS on one thread, about 80k gradings/s with the strict grader (bench in docs/grading.md).
 * Method: Abel, WizardMath and UltraInteract keep only responses whose final answer matches the
 * gold (METHODS.md §1.6, §3.1, §2.2); the strict grader avoids their graders' false positives.
 */
import { defineStep, didYouMean, OversightError, sql } from '@oversight/core';
import { z } from 'zod';
import { verdictsFromResults } from '../verdicts.js';
import { DEFAULT_EXTRACT_ORDER, EXTRACTOR_NAMES } from './math/extract.js';
import { mathGraders } from './math/registry.js';
import { createStrictGrader, type StrictGradeResult } from './math/strict.js';
import type { GradeReason, GradeResult, Grader } from './math/types.js';

/** Every reason a grader may give, each a drop reason of this step (a `Record`, so a new one must be listed). */
const GRADE_REASON_SET: Record<GradeReason, true> = {
  no_final_answer: true,
  answer_mismatch: true,
  unparseable_gold: true,
  unparseable_answer: true,
};
const GRADE_REASONS = Object.keys(GRADE_REASON_SET) as GradeReason[];

/** Longest piece of an answer shown in a verdict's detail. */
const SHOWN = 80;

const params = z
  .strictObject({
    grader: z
      .string()
      .default('strict')
      .superRefine((name, context) => {
        if (Object.hasOwn(mathGraders, name)) return;
        const suggestion = didYouMean(name, Object.keys(mathGraders));
        context.addIssue({
          code: 'custom',
          message: `expected a math grader (${Object.keys(mathGraders).join(', ')}), found \`${name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        });
      })
      .describe(`Grader from the registry: \`strict\` (default) or a reference grader's name when registered.`),
    extract: z
      .array(z.enum(EXTRACTOR_NAMES))
      .min(1)
      .optional()
      .describe(
        `Final-answer extractors to try, in order (strict grader only): ${EXTRACTOR_NAMES.map((name) => `\`${name}\``).join(', ')}; default ${DEFAULT_EXTRACT_ORDER.join(' → ')}.`,
      ),
    require_reduced_fractions: z
      .boolean()
      .default(false)
      .describe('Strict grader only: a predicted fraction not in lowest terms (`\\frac{2}{4}`) is wrong even when its value is right.'),
    on_missing_gold: z
      .enum(['drop', 'keep'])
      .default('drop')
      .describe('A `math` row without a gold (`answer` null or blank): `drop` it (`no_gold`) or `keep` it ungraded.'),
  })
  .refine((value) => value.grader === 'strict' || (value.extract === undefined && !value.require_reduced_fractions), {
    message: 'expected `extract` and `require_reduced_fractions` only with `grader: strict`',
    path: ['grader'],
  });

type Params = z.infer<typeof params>;

function shown(text: string | null): string {
  if (text === null) return '∅';
  const flat = text.replace(/\s+/g, ' ');
  return `“${flat.length > SHOWN ? `${flat.slice(0, SHOWN - 1)}…` : flat}”`;
}

/** The verdict detail: what was extracted, what it became, and the gold. */
function describeGrade(result: GradeResult & Partial<Pick<StrictGradeResult, 'extractor' | 'stage'>>): string {
  const via = result.extractor ? ` via ${result.extractor}` : '';
  const by = result.stage ? ` (${result.stage})` : '';
  switch (result.reason) {
    case null:
      return `${shown(result.pred)} = gold ${shown(result.gold)}${via}${by}`;
    case 'no_final_answer':
      return `no final answer in the last assistant turn; gold ${shown(result.gold)}`;
    case 'unparseable_gold':
      return `gold cannot be read as an answer: ${shown(result.gold)}; extracted ${shown(result.extracted)}`;
    case 'unparseable_answer':
      return `extracted ${shown(result.extracted)}${via} cannot be read as an answer; gold ${shown(result.gold)}`;
    default:
      return `extracted ${shown(result.extracted)}${via} → ${shown(result.pred)} ≠ gold ${shown(result.gold)}${by}`;
  }
}

function graderFor(options: Params): Grader {
  if (options.grader === 'strict') {
    return createStrictGrader({
      ...(options.extract ? { extract: options.extract } : {}),
      requireReducedFractions: options.require_reduced_fractions,
    });
  }
  const grader = mathGraders[options.grader];
  if (!grader) throw new OversightError('step/bad-params', `unknown math grader \`${options.grader}\``);
  return grader;
}

export const mathAnswer = defineStep({
  id: 'verify/math-answer',
  version: 1,
  summary: 'Drop math rows whose final answer does not match the gold (strict grader by default).',
  description:
    'Grades the last assistant turn of every row whose task is `math` or that has a gold (`answer`) against that gold. The strict ' +
    'grader extracts the final answer (`#### X`, `The answer is: X`, the last `\\boxed{}`, the Minerva sentence or an `A:` line, ' +
    'in a configurable order), normalizes it (LaTeX wrappers, units, thousands separators, `\\dfrac`, `x = 5`) and compares: numbers ' +
    'as exact rationals, expressions at random points, tuples in order, solution sets unordered, intervals with their brackets, ' +
    'matrices element-wise. A gold written as a full solution (with `####` or `\\boxed{}`) is reduced to its final answer. Rows that ' +
    'are not math and have no gold pass through. Kept graded rows get `meta.math_answer` (grader, correct, extractor, extracted, pred, ' +
    'gold). ' +
    'See docs/grading.md for every rule and the reference graders’ false positives it avoids.',
  effect: 'drop',
  params,
  reasons: ['no_gold', ...GRADE_REASONS],
  run: async (context, options) => {
    const { db } = context;
    const grader = graderFor(options);
    const results = context.scratch('grades');
    await db.run(
      sql`CREATE TEMP TABLE ${results} (ord BIGINT, reason VARCHAR, detail VARCHAR, extractor VARCHAR, extracted VARCHAR, pred VARCHAR, gold VARCHAR)`,
    );
    const writer = await db.columnWriter(results, ['bigint', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar']);
    const response = sql`list_extract(list_filter(messages, m -> m.role = 'assistant'), -1).content`;
    const counts = { graded: 0, correct: 0, noGold: 0, passed: 0 };
    let done = 0;
    try {
      // Grades are appended while rows are read: read on the second connection (the input is committed).
      for await (const [ords, tasks, golds, texts] of db.streamCommitted(
        sql`SELECT _ord, task, answer, ${response} FROM ${context.input}`,
      )) {
        if (context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
        const size = ords?.length ?? 0;
        const columns: unknown[][] = [[], [], [], [], [], [], []];
        for (let index = 0; index < size; index++) {
          const gold = (golds?.[index] as string | null) ?? null;
          const isMath = tasks?.[index] === 'math';
          if (gold === null && !isMath) {
            counts.passed++;
            continue;
          }
          let row: unknown[];
          if (gold === null || gold.trim() === '') {
            counts.noGold++;
            if (options.on_missing_gold === 'keep') continue;
            row = ['no_gold', 'no gold answer in the `answer` column', null, null, null, null];
          } else {
            counts.graded++;
            const graded = gradeRow(grader, (texts?.[index] as string | null) ?? '', gold);
            if (graded[0] === null) counts.correct++;
            row = graded;
          }
          columns[0]?.push(ords?.[index]);
          for (let column = 0; column < row.length; column++) columns[column + 1]?.push(row[column]);
        }
        const rows = columns[0]?.length ?? 0;
        if (rows > 0) writer.append(columns, rows);
        done += size;
        context.progress(done / Math.max(1, context.inputRows));
      }
    } finally {
      writer.close();
    }
    await verdictsFromResults(context, results);
    // One label per graded row (dropped ones included, for `oversight show`); kept rows carry it in meta.
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT i.id, json_object('math_answer', json_object('grader', ${grader.name}::VARCHAR, 'correct', r.reason IS NULL,
        'extractor', r.extractor, 'extracted', r.extracted, 'pred', r.pred, 'gold', r.gold)) AS labels
      FROM ${results} r JOIN ${context.input} i ON i._ord = r.ord
      WHERE r.reason IS DISTINCT FROM 'no_gold'`);
    const extract = 'extract' in grader ? ` (extract: ${(grader as { extract: readonly string[] }).extract.join(' → ')})` : '';
    context.note(
      `${grader.name}${extract}: ${counts.correct} of ${counts.graded} graded row(s) correct; ${counts.noGold} math row(s) without a gold ` +
        `(${options.on_missing_gold === 'drop' ? 'dropped' : 'kept'}); ${counts.passed} other row(s) passed through`,
    );
  },
});

/**
 * One graded row: `[reason, detail, extractor, extracted, pred, gold]`. A grader that throws (against
 * its contract) gives a wrong verdict, never "correct".
 */
function gradeRow(grader: Grader, response: string, gold: string): unknown[] {
  let result: GradeResult & Partial<Pick<StrictGradeResult, 'extractor' | 'stage'>>;
  try {
    result = grader.grade(response, gold);
  } catch (error) {
    return [
      'unparseable_answer',
      `grader \`${grader.name}\` failed: ${error instanceof Error ? error.message : String(error)}`,
      null,
      null,
      null,
      null,
    ];
  }
  let reason: string | null = result.correct ? null : result.reason;
  if (!result.correct && (reason === null || !Object.hasOwn(GRADE_REASON_SET, reason))) reason = 'answer_mismatch';
  return [reason, describeGrade(result), result.extractor ?? null, result.extracted, result.pred, result.gold];
}
