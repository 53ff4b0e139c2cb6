/**
 * `rewrite/steps` — rewrites the assistant target of math rows (task `math`, or any row with a gold
 * `answer` that is not `code`) into a step-by-step style: `abel` (numbered steps, each citing what it relies
 * on, `[Final solution] … #### N`), `wizardmath` (`Step k:` lines, `The answer is: N`) or
 * `ultrainteract` (`Step k:` lines, `Answer:` + `\boxed{N}`). Mode `rules` does it without a model
 * (GSM8K-style solutions: lines, sentences, calculator annotations, `#### N`); mode `model` asks the
 * recipe's model with a few-shot prompt per style (`prompts.ts`).
 *
 * Every target is linted against its style and graded by the strict grader against the row's gold,
 * with the style's own extractor. Reasons: `no_gold` (a math row without a gold), `no_solution` (no
 * assistant turn, an empty one, or one with no final answer), `bad_step_format` (the lint's rule),
 * `rewrite_changed_answer` (extracted vs gold). Kept rows get `meta.rewrite = {style, mode}`; the
 * prompt turns stay and the last assistant turn is replaced. Other rows pass through untouched.
 * Cost: rules mode is pure JS on one thread (GSM8K: about 3–4k rows/s for `abel`, which traces
 * dependencies, 15k/s for the others); model mode is one request per row, cached and retried by the
 * model client.
 * Method: Abel's Parental Oversight target format (METHODS.md §1.2), WizardMath's few-shot
 * re-generation with a correct-answer filter (§3.1), UltraInteract's `Step k:` actions (§2.4).
 */
import { defineStep, OversightError, sql } from '@oversight/core';
import { z } from 'zod';
import { verdictsFromResults } from '../verdicts.js';
import { reduceGold } from '../verify/math/extract.js';
import { createStrictGrader, type StrictGradeResult } from '../verify/math/strict.js';
import { lintTarget } from './lint.js';
import { problemText } from './problem.js';
import { rewritePrompt } from './prompts.js';
import { rewriteByRules } from './rules.js';
import { STEP_STYLES, STYLE_EXTRACTOR } from './styles.js';

/** Longest piece of an answer shown in a verdict's detail. */
const SHOWN = 80;

const params = z
  .strictObject({
    style: z
      .enum(STEP_STYLES)
      .describe(
        'Target style: `abel` (numbered steps citing what each relies on, `[Final solution] … #### N`), `wizardmath` ' +
          '(`Step k:` lines, then `The answer is: N`) or `ultrainteract` (`Step k:` lines, then `Answer:` and `\\boxed{N}`).',
      ),
    mode: z
      .enum(['rules', 'model'])
      .default('rules')
      .describe(
        '`rules`: rewrite GSM8K-style solutions without a model (default); `model`: ask the recipe’s `model:` with a few-shot prompt.',
      ),
    calculator: z
      .enum(['keep', 'strip'])
      .default('strip')
      .describe('GSM8K calculator annotations (`<<48/2=24>>`): `strip` them from the target (default) or `keep` them.'),
    temperature: z
      .number()
      .min(0)
      .max(2)
      .optional()
      .describe('Model mode: sampling temperature of each request; default 0 (greedy, as Abel and WizardMath decode).'),
    max_tokens: z
      .int()
      .positive()
      .optional()
      .describe('Model mode: completion length limit of each request; default the recipe model’s `max_tokens`.'),
  })
  .refine((value) => value.mode === 'model' || (value.temperature === undefined && value.max_tokens === undefined), {
    message: 'expected `temperature` and `max_tokens` only with `mode: model`',
    path: ['mode'],
  });

type Reason = 'no_gold' | 'no_solution' | 'bad_step_format' | 'rewrite_changed_answer';

/** A row to rewrite. */
interface Pending {
  readonly ord: unknown;
  readonly gold: string;
  readonly solution: string;
  readonly question: string;
}

/** One row's outcome: `[reason, detail, target]`; reason null when kept. */
type Outcome = [Reason | null, string | null, string | null];

function shown(text: string | null): string {
  if (text === null) return '∅';
  const flat = text.replace(/\s+/g, ' ');
  return `“${flat.length > SHOWN ? `${flat.slice(0, SHOWN - 1)}…` : flat}”`;
}

/** The verdict detail of a target whose final answer is not the gold. */
function describeMismatch(result: StrictGradeResult, extractor: string): string {
  switch (result.reason) {
    case 'no_final_answer':
      return `no final answer found by the ${extractor} extractor; gold ${shown(result.gold)}`;
    case 'unparseable_gold':
      return `gold cannot be read as an answer: ${shown(result.gold)}; extracted ${shown(result.extracted)}`;
    case 'unparseable_answer':
      return `extracted ${shown(result.extracted)} cannot be read as an answer; gold ${shown(result.gold)}`;
    default:
      return `extracted ${shown(result.extracted)} → ${shown(result.pred)} ≠ gold ${shown(result.gold)}${result.stage ? ` (${result.stage})` : ''}`;
  }
}

/** The `rewrite/steps` step. */
export const stepsRewrite = defineStep({
  id: 'rewrite/steps',
  version: 1,
  summary: 'Rewrite math targets into step-by-step styles (Abel, WizardMath, UltraInteract), keeping the gold answer.',
  description:
    'Rewrites the last assistant turn of every math row (task `math`, or any row with a gold `answer` that is not `code`); ' +
    'other rows pass through. `rules` mode needs no model: it cuts a GSM8K-style solution into steps (lines, then sentences), strips or keeps ' +
    'the `<<…>>` calculator annotations and takes the final answer from `#### N` (else the last `\\boxed{}`, else the last ' +
    'number). For `abel`, step 1 restates the problem and its goal, each step opens with what its numbers come from ' +
    '("By problem", "By steps 2 and 3", "By the definition of an hour (1 hour = 60 minutes)") and the last step is ' +
    '`[Final solution] Thus, … #### N`. `model` mode sends a few-shot prompt (three worked examples per style) to the ' +
    'recipe’s `model:` and takes the answer as the new target. Every target must pass the style lint (else ' +
    '`bad_step_format`, with the rule it broke) and state the gold answer where its style puts it, graded by the strict ' +
    'grader (else `rewrite_changed_answer`, with the extracted answer and the gold). A math row without a gold is ' +
    '`no_gold`; a row without an assistant turn, with an empty one or, in rules mode, with no final answer is ' +
    '`no_solution`. Kept rows get `meta.rewrite = {style, mode}`; the original target stays in the canonical table. ' +
    'See docs/rewrite.md.',
  effect: 'rewrite',
  params,
  reasons: ['no_gold', 'no_solution', 'bad_step_format', 'rewrite_changed_answer'],
  usesModel: (options) => options.mode === 'model',
  run: async (context, options) => {
    const { db } = context;
    const extractor = STYLE_EXTRACTOR[options.style];
    const grader = createStrictGrader({ extract: [extractor] });
    const judge = (target: string, gold: string): Outcome => {
      const problem = lintTarget(options.style, target);
      if (problem) return ['bad_step_format', `${problem.rule}: ${problem.message}`, null];
      const graded = grader.grade(target, gold);
      if (!graded.correct) return ['rewrite_changed_answer', describeMismatch(graded, extractor), null];
      return [null, null, target];
    };
    const results = context.scratch('rewrites');
    await db.run(sql`CREATE TEMP TABLE ${results} (ord BIGINT, reason VARCHAR, detail VARCHAR, target VARCHAR)`);
    const writer = await db.columnWriter(results, ['bigint', 'varchar', 'varchar', 'varchar']);
    const counts = { rewritten: 0, passed: 0, untraced: 0, rows: 0 };
    let done = 0;
    try {
      const query = sql`SELECT _ord, task, answer,
          CASE WHEN len(messages) > 0 AND messages[-1].role = 'assistant' THEN messages[-1].content END,
          list_extract(list_filter(messages, m -> m.role = 'user'), -1).content
        FROM ${context.input}`;
      // Outcomes are appended while rows are read: read on the second connection (the input is committed).
      for await (const [ords, tasks, golds, solutions, questions] of db.streamCommitted(query)) {
        if (context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
        const size = ords?.length ?? 0;
        const columns: unknown[][] = [[], [], [], []];
        const write = (ord: unknown, [reason, detail, target]: Outcome) => {
          columns[0]?.push(ord);
          columns[1]?.push(reason);
          columns[2]?.push(detail);
          columns[3]?.push(target);
          if (reason === null) counts.rewritten++;
        };
        const pending: Pending[] = [];
        for (let index = 0; index < size; index++) {
          const ord = ords?.[index];
          const gold = (golds?.[index] as string | null) ?? null;
          // Math rows: task `math`, or any row with a gold that is not code (code has no final answer to keep).
          if (tasks?.[index] === 'code' || (gold === null && tasks?.[index] !== 'math')) {
            counts.passed++;
            continue;
          }
          counts.rows++;
          const solution = (solutions?.[index] as string | null) ?? '';
          if (gold === null || gold.trim() === '') write(ord, ['no_gold', 'no gold answer in the `answer` column', null]);
          else if (solution.trim() === '') {
            const lastTurn = solutions?.[index] === null ? 'the last turn is not an assistant turn' : 'the last assistant turn is empty';
            write(ord, ['no_solution', `no source solution to rewrite: ${lastTurn}`, null]);
          } else pending.push({ ord, gold, solution, question: (questions?.[index] as string | null) ?? '' });
        }
        if (options.mode === 'rules') {
          for (const row of pending) {
            const rewrite = rewriteByRules(options.style, row.question, row.solution, options.calculator);
            if (!rewrite.ok) write(row.ord, ['no_solution', rewrite.message, null]);
            else {
              counts.untraced += rewrite.untraced;
              write(row.ord, judge(rewrite.target, row.gold));
            }
          }
        } else if (pending.length > 0) {
          const requests = pending.map((row) => ({
            messages: rewritePrompt(
              options.style,
              { problem: problemText(row.question), solution: row.solution, answer: reduceGold(row.gold) ?? row.gold.trim() },
              options.calculator,
            ),
            temperature: options.temperature ?? 0,
            ...(options.max_tokens !== undefined ? { max_tokens: options.max_tokens } : {}),
          }));
          const before = done;
          // A failed request fails the step: the client has already retried it.
          const responses = await context
            .model()
            .completeAll(requests, (finished) => context.progress((before + finished) / Math.max(1, context.inputRows)));
          pending.forEach((row, index) => {
            const content = responses[index]?.choices[0]?.content ?? '';
            write(row.ord, judge(content.trim(), row.gold));
          });
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
    const kept = sql`(SELECT i.id, i.messages, r.target FROM ${results} r JOIN ${context.input} i ON i._ord = r.ord WHERE r.reason IS NULL)`;
    // The prompt turns stay; the last (assistant) turn becomes the rewritten target.
    await db.run(sql`CREATE TABLE ${context.table('messages')} AS
      SELECT id, messages[1:len(messages) - 1] || [{'role': 'assistant', 'content': target}] AS messages FROM ${kept}`);
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT id, json_object('rewrite', json_object('style', ${options.style}::VARCHAR, 'mode', ${options.mode}::VARCHAR)) AS labels
      FROM ${kept}`);
    context.note(
      `${options.style} (${options.mode}): ${counts.rewritten} of ${counts.rows} math row(s) rewritten; ${counts.passed} other row(s) passed through`,
    );
    if (counts.untraced > 0) {
      context.note(`${counts.untraced} step(s) use no number traceable to the problem or an earlier step; they cite the step before them`);
    }
  },
});
