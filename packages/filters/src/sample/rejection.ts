/**
 * `sample/rejection` — rejection sampling against the gold: for each math row, k solutions are sampled
 * from the recipe's model in one request (`n: k`), each is graded against the row's `answer` with the
 * strict grader, and a correct one replaces the row's response (`keep: first | shortest`); with
 * `keep: all` the other correct ones become new rows. The pass rate (correct / k) is kept per row as a
 * difficulty signal (`meta.pass_rate`, `meta.rejection = {k, correct}`).
 *
 * Reasons: `no_correct_sample` (none of the k is correct), `no_gold` (a math row without a gold),
 * `unparseable_gold` (a gold the grader cannot read; no request is sent), `no_prompt` (no user turn
 * to answer). Rows of task `code` pass through unsampled (final answers only; `verify/code-tests`
 * checks code), as do other rows without a gold.
 * Cost: one model request per math row (k completions each), cached by the model client; grading is
 * pure JS (about 80k gradings/s).
 * Method: WizardMath's SFT data keeps only re-generated solutions with a correct final answer
 * (METHODS.md §3.1); UltraInteract's SFT set keeps only correct actions (§2.2, fact 6).
 */
import { type ChatRequest, defineStep, MESSAGES_TYPE, OversightError, rawSql, sql } from '@oversight/core';
import { z } from 'zod';
import { verdictsFromResults } from '../verdicts.js';
import { strictGrader } from '../verify/math/strict.js';
import { answerMessages, DEFAULT_ANSWER_PROMPT, parseRowMessages, promptTurns, type RowMessage } from './answer-prompt.js';
import { BufferedWriter } from './buffered-writer.js';
import { chooseSamples, type GradedSample, gradeSamples, quoteAnswer } from './judge.js';

const params = z.strictObject({
  k: z.int().min(1).max(128).default(4).describe('Samples per prompt, sent as one request with `n: k`.'),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .default(0.7)
    .describe('Sampling temperature of the k samples (above 0, or the k samples are likely the same).'),
  max_tokens: z.int().positive().optional().describe("Completion length limit per sample; default the recipe's `model.max_tokens`."),
  keep: z
    .enum(['first', 'shortest', 'all'])
    .default('first')
    .describe(
      "Which correct sample becomes the row's response: `first` (in sample order), `shortest` (fewest characters, ties to the earlier), " +
        'or `all` (the first, and each further correct sample as a new row with `meta.parent` = the row id).',
    ),
  prompt: z
    .string()
    .default(DEFAULT_ANSWER_PROMPT)
    .describe(
      "How to ask for a solution. Without `{problem}` it is a system message put before the row's conversation; with `{problem}` " +
        "it is a template for the last user turn (`{problem}` = that turn's text); empty sends the conversation as it is. The default " +
        "asks for step-by-step reasoning ending in `The answer is: X` (WizardMath's format). The stored row keeps its own prompt.",
    ),
});

type Params = z.infer<typeof params>;

/** Rows read and sampled in one batch (one `completeAll`). */
const BATCH = 512;

/** The row's conversation without its final assistant turn, in SQL (`messages` of the input row). */
const PROMPT_SQL = rawSql(`CASE WHEN messages[-1].role = 'assistant' THEN messages[1:len(messages) - 1] ELSE messages END`);
/** The labels of a sampled row, from the results table (`k`, `correct`). */
const LABELS_SQL = rawSql(`json_object('pass_rate', correct::DOUBLE / k, 'rejection', json_object('k', k, 'correct', correct))`);

/** A row waiting for its samples. */
interface Pending {
  ord: bigint | number;
  id: string;
  gold: string;
}

/** The `sample/rejection` step (see the file comment and docs/generation.md). */
export const rejectionSample = defineStep({
  id: 'sample/rejection',
  version: 1,
  summary: 'Sample k solutions per math prompt, keep the ones whose final answer matches the gold; pass rate as difficulty.',
  description:
    "For each math row (task `math`, or any row with a gold that is not `code`) the row's conversation without its final assistant " +
    "turn is sent to the recipe's model with the answer `prompt`, asking for k samples in one request (`n: k`, at `temperature`). " +
    "Each sample is graded against the row's `answer` with the strict grader (docs/grading.md: `#### X`, `The answer is: X`, " +
    "`\\boxed{}`, …; exact rationals, no lenient fallbacks). A correct sample replaces the row's response (`keep: first` or " +
    '`shortest`); `keep: all` also appends every further correct sample as a new row (id derived from the row id and the sample ' +
    'index, `meta.parent` = the row id). A row with no correct sample is dropped (`no_correct_sample`, the detail lists the ' +
    'answers given). Every sampled row gets `meta.pass_rate` (correct / k) and `meta.rejection = {k, correct}`: a difficulty ' +
    'signal for mixing by difficulty. Math rows without a gold are dropped (`no_gold`) and golds the grader cannot read are ' +
    'dropped before any request (`unparseable_gold`). Rows of task `code` pass through unsampled: this step grades final answers ' +
    'only (use `verify/code-tests` for code); other rows without a gold pass through too. Answers are cached by the model ' +
    'client, so a re-run with other `keep` costs no request. Method: WizardMath keeps re-generated solutions with a correct ' +
    'final answer; UltraInteract keeps correct actions (docs/generation.md).',
  effect: 'rewrite',
  params,
  reasons: ['no_gold', 'unparseable_gold', 'no_prompt', 'no_correct_sample'],
  usesModel: () => true,
  run: async (context, options) => {
    const { db } = context;
    const model = context.model();
    const results = context.scratch('results');
    await db.run(
      sql`CREATE TEMP TABLE ${results} (ord BIGINT, reason VARCHAR, detail VARCHAR, k INTEGER, correct INTEGER, response VARCHAR)`,
    );
    const extras = context.scratch('extras');
    await db.run(sql`CREATE TEMP TABLE ${extras} (ord BIGINT, sample INTEGER, response VARCHAR)`);
    const resultWriter = new BufferedWriter(
      await db.columnWriter(results, ['bigint', 'varchar', 'varchar', 'integer', 'integer', 'varchar']),
    );
    const extraWriter = new BufferedWriter(await db.columnWriter(extras, ['bigint', 'integer', 'varchar']));
    const counts = { sampled: 0, kept: 0, failed: 0, noGold: 0, badGold: 0, noPrompt: 0, code: 0, passed: 0, extra: 0, correct: 0 };
    const writeResult = (row: readonly unknown[]) => resultWriter.push(row);
    let done = 0;
    try {
      let pending: Pending[] = [];
      let requests: ChatRequest[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        const base = done;
        const responses = await model.completeAll(requests, (finished) =>
          context.progress((base + finished) / Math.max(1, context.inputRows)),
        );
        responses.forEach((response, index) => {
          const row = pending[index] as Pending;
          const contents = response.choices.map((choice) => choice.content);
          if (contents.length !== options.k) {
            throw new OversightError(
              'model/bad-response',
              `sample/rejection: expected ${options.k} samples for row ${row.id}, found ${contents.length}`,
            );
          }
          const graded = gradeSamples(strictGrader, contents, row.gold);
          const choice = chooseSamples(graded, options.keep);
          counts.sampled++;
          counts.correct += choice.correct;
          if (!choice.chosen) {
            counts.failed++;
            writeResult([row.ord, 'no_correct_sample', failedDetail(graded, row.gold), options.k, 0, null]);
            return;
          }
          counts.kept++;
          counts.extra += choice.extra.length;
          writeResult([
            row.ord,
            null,
            keptDetail(choice.chosen, choice.correct, options),
            options.k,
            choice.correct,
            choice.chosen.content,
          ]);
          for (const sample of choice.extra) extraWriter.push([row.ord, sample.index, sample.content]);
        });
        done += pending.length;
        pending = [];
        requests = [];
      };
      for await (const [ords, ids, tasks, golds, conversations] of db.streamCommitted(
        sql`SELECT _ord, id, task, answer, to_json(messages)::VARCHAR FROM ${context.input} ORDER BY _ord`,
      )) {
        if (context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
        const size = ords?.length ?? 0;
        for (let index = 0; index < size; index++) {
          const ord = ords?.[index] as bigint | number;
          const task = (tasks?.[index] as string | null) ?? null;
          const gold = (golds?.[index] as string | null) ?? null;
          const hasGold = gold !== null && gold.trim() !== '';
          if (task === 'code') {
            counts.code++;
            writeResult([ord, null, 'task `code`: passed through unsampled (this step grades final answers only)', null, null, null]);
            done++;
            continue;
          }
          if (task !== 'math' && !hasGold) {
            counts.passed++;
            done++;
            continue;
          }
          if (!hasGold) {
            counts.noGold++;
            writeResult([ord, 'no_gold', 'no gold answer in the `answer` column', null, null, null]);
            done++;
            continue;
          }
          if (strictGrader.grade('', gold).reason === 'unparseable_gold') {
            counts.badGold++;
            writeResult([ord, 'unparseable_gold', `gold cannot be read as an answer: ${quoteAnswer(gold)}`, null, null, null]);
            done++;
            continue;
          }
          const turns = promptTurns(parseRowMessages(conversations?.[index], `sample/rejection: row ${String(ids?.[index])}`));
          if (!turns) {
            counts.noPrompt++;
            writeResult([ord, 'no_prompt', 'no user turn to answer before the final assistant turn', null, null, null]);
            done++;
            continue;
          }
          pending.push({ ord, id: String(ids?.[index]), gold });
          requests.push(sampleRequest(turns, options));
          if (pending.length >= BATCH) await flush();
        }
      }
      await flush();
    } finally {
      resultWriter.close();
      extraWriter.close();
    }

    await verdictsFromResults(context, results);
    await db.run(sql`CREATE TABLE ${context.table('messages')} AS
      SELECT i.id, ${PROMPT_SQL} || [{'role': 'assistant', 'content': r.response}]::${rawSql(MESSAGES_TYPE)} AS messages
      FROM ${results} r JOIN ${context.input} i ON i._ord = r.ord
      WHERE r.reason IS NULL AND r.response IS NOT NULL`);
    // Dropped rows keep their label too, for `oversight show`; kept rows carry it in meta.
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT i.id, ${LABELS_SQL} AS labels
      FROM ${results} r JOIN ${context.input} i ON i._ord = r.ord
      WHERE r.k IS NOT NULL`);
    if (options.keep === 'all') {
      await db.run(sql`CREATE TABLE ${context.table('rows')} AS
        SELECT md5(i.id || chr(31) || 'sample/rejection' || chr(31) || e.sample::VARCHAR) AS id, i.source, i.task,
               ${PROMPT_SQL} || [{'role': 'assistant', 'content': e.response}]::${rawSql(MESSAGES_TYPE)} AS messages,
               i.answer,
               json_merge_patch(coalesce(i.meta, '{}'::JSON), json_merge_patch(json_object('parent', i.id), ${LABELS_SQL})) AS meta
        FROM ${extras} e JOIN ${results} r USING (ord) JOIN ${context.input} i ON i._ord = e.ord`);
    }
    const rate = counts.sampled > 0 ? (counts.correct / (counts.sampled * options.k)).toFixed(3) : '–';
    context.note(
      `k=${options.k} at temperature ${options.temperature}: ${counts.sampled} prompt(s) sampled, ${counts.kept} kept, ` +
        `${counts.failed} without a correct sample; mean pass rate ${rate}` +
        (options.keep === 'all' ? `; ${counts.extra} further correct sample(s) added as rows` : ''),
    );
    const skipped = [
      counts.noGold > 0 ? `${counts.noGold} math row(s) without a gold` : '',
      counts.badGold > 0 ? `${counts.badGold} unreadable gold(s)` : '',
      counts.noPrompt > 0 ? `${counts.noPrompt} row(s) without a user turn` : '',
    ].filter(Boolean);
    if (skipped.length > 0) context.note(`dropped before sampling: ${skipped.join(', ')}`);
    if (counts.code + counts.passed > 0) {
      context.note(`passed through unsampled: ${counts.code} code row(s), ${counts.passed} other row(s) without a gold`);
    }
  },
});

/** The request for one row's k samples. */
function sampleRequest(turns: RowMessage[], options: Params): ChatRequest {
  return {
    messages: answerMessages(turns, options.prompt),
    n: options.k,
    temperature: options.temperature,
    ...(options.max_tokens !== undefined ? { max_tokens: options.max_tokens } : {}),
  };
}

function keptDetail(chosen: GradedSample, correct: number, options: Params): string {
  const rule = options.keep === 'shortest' ? ` (shortest correct, ${chosen.content.length} chars)` : '';
  const more = options.keep === 'all' && correct > 1 ? `; ${correct - 1} more as new row(s)` : '';
  return `${correct} of ${options.k} samples correct; kept sample ${chosen.index}${rule}${more}`;
}

function failedDetail(graded: readonly GradedSample[], gold: string): string {
  return `0 of ${graded.length} samples correct against gold ${quoteAnswer(gold)}: answers ${graded.map((sample) => quoteAnswer(sample.extracted)).join(', ')}`;
}
