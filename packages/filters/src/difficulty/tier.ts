/**
 * `difficulty/tier` — labels every row with a difficulty tier (`meta.difficulty`) and the score it
 * came from (`meta.difficulty_score`, higher = harder), from one signal:
 * - `level`: MATH's `meta.level` (`3` or `"Level 3"`);
 * - `steps`: reasoning steps of the last assistant turn (rule in `steps.ts`);
 * - `tokens`: cl100k_base tokens of the last assistant turn (`encode_ordinary`);
 * - `pass_rate`: `meta.pass_rate` from `sample/rejection`, scored as the failure rate 1 − pass_rate;
 * - `judge`: a model's 1–5 rating with a rationale (`meta.judge`).
 * Tiers come from fixed `thresholds` or from quantiles of the scores (equal-count by default; ties
 * never split, `cuts.ts`). Rows without the signal are kept untiered, put in a named tier, or dropped.
 *
 * Reasons: `no_difficulty_signal` (only with `missing: drop`).
 * Cost: SQL for `level` and `pass_rate`; one JS pass for `steps` (0.7M–1.2M solutions/s) and `tokens`
 * (~0.7M tokens/s); one model request per row with a user turn for `judge` (cached by the model client).
 * Method: the Abel recipe of DESIGN.md tiers its data before the mix; MATH levels (Eurus reports
 * accuracy per level, METHODS.md §2.6) and pass rates under sampling are the usual difficulty proxies;
 * WizardMath's Evol-Instruct widens difficulty up and down (§3.1). The tier label feeds `mix.quotas`.
 */
import { type Database, defineStep, didYouMean, joinSql, OversightError, type SqlFragment, type StepContext, sql } from '@oversight/core';
import { get_encoding } from 'tiktoken';
import { z } from 'zod';
import { equalQuantiles, quantilePositions } from './cuts.js';
import { DIFFICULTY_JUDGE_PROMPT, DIFFICULTY_JUDGE_SYSTEM, judgePrompt, parseJudgeAnswer } from './judge.js';
import { countSolutionSteps } from './steps.js';

const SIGNALS = ['level', 'steps', 'tokens', 'pass_rate', 'judge'] as const;
type Signal = (typeof SIGNALS)[number];

const increasing = (values: readonly number[]) => values.every((value, index) => index === 0 || value > (values[index - 1] as number));

const params = z
  .strictObject({
    by: z
      .enum(SIGNALS)
      .describe(
        'Difficulty signal: `level` (MATH `meta.level`), `steps` (solution steps), `tokens` (solution tokens, cl100k_base), ' +
          '`pass_rate` (`meta.pass_rate` of `sample/rejection`; score = 1 − pass rate), `judge` (a model rates 1–5).',
      ),
    tiers: z
      .array(z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'a tier name: letters, digits, `_`, `.`, `-`'))
      .min(2)
      .default(['easy', 'medium', 'hard'])
      .describe('Tier names, easiest first (default easy, medium, hard); written to `meta.difficulty`.'),
    thresholds: z
      .array(z.number())
      .optional()
      .describe(
        'Score cut points, one fewer than tiers, increasing: a score below the first is in the first tier, a score equal to a cut ' +
          'goes to the harder tier. Scores are higher = harder (for `pass_rate`, the failure rate 1 − pass rate).',
      ),
    quantiles: z
      .array(z.number().gt(0).lt(1))
      .optional()
      .describe(
        'Cut fractions of the scored rows, one fewer than tiers, increasing (e.g. `[0.5, 0.9]`); default equal-count tiers. ' +
          'Rows with equal scores always share a tier.',
      ),
    missing: z
      .string()
      .default('keep')
      .describe(
        'Rows without the signal (no level, no pass rate, no solution, an unreadable judge answer): `keep` them untiered (default), ' +
          '`drop` them (`no_difficulty_signal`), or the name of a tier to put them in (their score stays null).',
      ),
    judge: z
      .strictObject({
        prompt: z
          .string()
          .optional()
          .describe(
            'Judge prompt with `{problem}` and `{solution}` placeholders; default: a 1–5 scale anchored at both ends (docs/difficulty.md).',
          ),
        temperature: z.number().min(0).max(2).default(0).describe('Sampling temperature of the judge (default 0).'),
        max_tokens: z.int().positive().default(256).describe('Completion limit of the judge answer (default 256).'),
      })
      .optional()
      .describe('Judge settings, with `by: judge` only.'),
  })
  .superRefine((value, context) => {
    const cuts = value.tiers.length - 1;
    if (new Set(value.tiers).size !== value.tiers.length) {
      context.addIssue({ code: 'custom', path: ['tiers'], message: `expected distinct tier names, found ${value.tiers.join(', ')}` });
    }
    if (value.thresholds && value.quantiles) {
      context.addIssue({ code: 'custom', path: ['quantiles'], message: 'expected `thresholds` or `quantiles`, found both' });
    }
    for (const key of ['thresholds', 'quantiles'] as const) {
      const cutPoints = value[key];
      if (!cutPoints) continue;
      if (cutPoints.length !== cuts) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `expected ${cuts} cut point(s) for ${value.tiers.length} tiers, found ${cutPoints.length}`,
        });
      } else if (!increasing(cutPoints)) {
        context.addIssue({ code: 'custom', path: [key], message: `expected increasing cut points, found ${cutPoints.join(', ')}` });
      }
    }
    if (value.missing !== 'keep' && value.missing !== 'drop' && !value.tiers.includes(value.missing)) {
      const suggestion = didYouMean(value.missing, [...value.tiers, 'keep', 'drop']);
      context.addIssue({
        code: 'custom',
        path: ['missing'],
        message: `expected \`keep\`, \`drop\` or a tier name (${value.tiers.join(', ')}), found \`${value.missing}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
      });
    }
    if (value.judge && value.by !== 'judge') {
      context.addIssue({
        code: 'custom',
        path: ['judge'],
        message: `expected \`judge\` settings only with \`by: judge\`, found \`by: ${value.by}\``,
      });
    }
    if (value.judge?.prompt !== undefined && !value.judge.prompt.includes('{problem}')) {
      context.addIssue({
        code: 'custom',
        path: ['judge', 'prompt'],
        message: 'expected a `{problem}` placeholder in the judge prompt, found none',
      });
    }
  });

type Params = z.infer<typeof params>;

/** SQL: the last assistant turn (the solution), null when there is none. */
const SOLUTION = sql`list_extract(list_filter(messages, m -> m.role = 'assistant'), -1).content`;
/** SQL: the user turns (the problem), joined by blank lines; null when there is none. */
const PROBLEM = sql`nullif(array_to_string(list_transform(list_filter(messages, m -> m.role = 'user'), m -> m.content), chr(10) || chr(10)), '')`;

/** Describes a score range for the note: `3`, `1–2`, `0.25–0.5`. */
function range(low: number | null, high: number | null): string {
  if (low === null || high === null) return '–';
  const show = (value: number) => String(Math.round(value * 1e6) / 1e6);
  return low === high ? show(low) : `${show(low)}–${show(high)}`;
}

export const difficultyTier = defineStep({
  id: 'difficulty/tier',
  version: 1,
  summary: 'Label rows with a difficulty tier (meta.difficulty) from MATH level, steps, tokens, pass rate or a model judge.',
  description:
    'Scores every row on one signal (higher = harder) and cuts the scores into named tiers, easiest first. `level`: MATH `meta.level` ' +
    '(3 or "Level 3"). `steps`: steps of the last assistant turn — numbered lines (`Step k:`, `k.`) when there are any, else non-empty ' +
    'lines (final-answer-only lines such as `#### 18` left out), else sentences. `tokens`: cl100k_base tokens of the last assistant turn. ' +
    '`pass_rate`: `meta.pass_rate` written by `sample/rejection`, scored as 1 − pass rate. `judge`: the recipe model rates the problem ' +
    '1–5 with a one-sentence rationale (`meta.judge = {score, rationale}`; an unreadable answer leaves the row without a signal). ' +
    'Cut points are `thresholds` (a score equal to a cut goes to the harder tier) or `quantiles` of the scored rows (default: ' +
    'equal-count tiers; rows with equal scores always share a tier). Writes `meta.difficulty` (tier) and `meta.difficulty_score`, ' +
    'which `mix.quotas: {by: difficulty}` and held-out `stratify: [difficulty]` read. Rows without the signal: `missing: keep` ' +
    '(untiered), `drop` (`no_difficulty_signal`) or a tier name. The step note prints the tier table: rows and score range per tier. ' +
    'See docs/difficulty.md.',
  effect: 'annotate',
  params,
  reasons: ['no_difficulty_signal'],
  usesModel: (options) => options.by === 'judge',
  run: async (context, options) => {
    const { db } = context;
    const scores = context.scratch('scores');
    await db.run(sql`CREATE TEMP TABLE ${scores} (id VARCHAR, score DOUBLE, judge VARCHAR, missing VARCHAR)`);
    if (options.by === 'level' || options.by === 'pass_rate') await scoreInSql(context.db, context.input, scores, options.by);
    else if (options.by === 'judge') await scoreByJudge(context, options, scores);
    else await scoreSolutions(context, options.by, scores);

    const scored = await db.one<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM ${scores} WHERE score IS NOT NULL`);
    const rows = scored?.n ?? 0;
    let cuts: number[];
    let how: string;
    if (options.thresholds) {
      cuts = options.thresholds;
      how = `thresholds ${cuts.join(', ')}`;
    } else {
      const fractions = options.quantiles ?? equalQuantiles(options.tiers.length);
      cuts = [];
      for (const position of rows > 0 ? quantilePositions(fractions, rows) : []) {
        const cut = await db.one<{ score: number }>(
          sql`SELECT score FROM ${scores} WHERE score IS NOT NULL ORDER BY score LIMIT 1 OFFSET ${position}`,
        );
        cuts.push(cut?.score ?? 0);
      }
      const shown = fractions.map((fraction) => String(Math.round(fraction * 1000) / 1000));
      how = `${options.quantiles ? 'quantiles' : 'equal-count quantiles'} ${shown.join(', ')} → cuts ${rows > 0 ? cuts.map((cut) => range(cut, cut)).join(', ') : 'none (no scored row)'}`;
    }
    // Hardest tier first: the first cut a score reaches from the top decides.
    const whens = cuts.map((cut, index) => sql`WHEN score >= ${cut} THEN ${options.tiers[index + 1] as string}`).reverse();
    const missingTier = options.missing === 'keep' || options.missing === 'drop' ? null : options.missing;
    const tier = sql`CASE WHEN score IS NULL THEN ${missingTier}::VARCHAR ${joinSql(whens, ' ')} ELSE ${options.tiers[0] as string} END`;
    const tiered = context.scratch('tiered');
    await db.run(sql`CREATE TEMP TABLE ${tiered} AS SELECT id, score, judge, missing, ${tier} AS tier FROM ${scores}`);
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT id, json_merge_patch(
        CASE WHEN tier IS NULL THEN '{}'::JSON ELSE json_object('difficulty', tier, 'difficulty_score', score) END,
        CASE WHEN judge IS NULL THEN '{}'::JSON ELSE json_object('judge', judge::JSON) END) AS labels
      FROM ${tiered} WHERE tier IS NOT NULL OR judge IS NOT NULL`);
    if (options.missing === 'drop') {
      await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
        SELECT id, score IS NOT NULL AS keep,
          CASE WHEN score IS NULL THEN 'no_difficulty_signal' END AS reason,
          CASE WHEN score IS NULL THEN missing END AS detail
        FROM ${tiered}`);
    }

    // The tier table.
    const table = await db.all<{ tier: string | null; rows: number; unscored: number; low: number | null; high: number | null }>(
      sql`SELECT tier, count(*)::INTEGER AS rows, count(*) FILTER (WHERE score IS NULL)::INTEGER AS unscored,
            min(score) AS low, max(score) AS high
          FROM ${tiered} GROUP BY tier`,
    );
    context.note(`difficulty by ${options.by}: ${rows} of ${context.inputRows} row(s) scored; ${how}`);
    const width = Math.max(4, ...options.tiers.map((name) => name.length));
    context.note(`${'tier'.padEnd(width)}  ${'rows'.padStart(7)}  score range`);
    for (const name of options.tiers) {
      const entry = table.find((row) => row.tier === name);
      const extra = entry && entry.unscored > 0 ? ` (${entry.unscored} without a signal)` : '';
      context.note(
        `${name.padEnd(width)}  ${String(entry?.rows ?? 0).padStart(7)}  ${range(entry?.low ?? null, entry?.high ?? null)}${extra}`,
      );
    }
    const without = table.reduce((acc, row) => acc + row.unscored, 0);
    if (without > 0) {
      const fate =
        options.missing === 'keep'
          ? 'kept untiered'
          : options.missing === 'drop'
            ? 'dropped (no_difficulty_signal)'
            : `put in tier ${options.missing}`;
      context.note(`${without} row(s) without a ${options.by} signal: ${fate}`);
    }
  },
});

/** `level` and `pass_rate` are read in SQL. */
async function scoreInSql(db: Database, input: SqlFragment, scores: SqlFragment, by: 'level' | 'pass_rate'): Promise<void> {
  if (by === 'level') {
    const level = sql`TRY_CAST(regexp_extract(json_extract_string(meta, '$.level'), '(\\d+)', 1) AS DOUBLE)`;
    await db.run(sql`INSERT INTO ${scores}
      SELECT id, ${level}, NULL, CASE WHEN ${level} IS NULL THEN
        CASE WHEN json_extract_string(meta, '$.level') IS NULL THEN 'no meta.level' ELSE 'meta.level ' || json_extract(meta, '$.level')::VARCHAR || ' has no number' END
      END FROM ${input}`);
    return;
  }
  const rate = sql`TRY_CAST(json_extract_string(meta, '$.pass_rate') AS DOUBLE)`;
  await db.run(sql`INSERT INTO ${scores}
    SELECT id, CASE WHEN ${rate} BETWEEN 0 AND 1 THEN round(1 - ${rate}, 9) END, NULL,
      CASE WHEN json_extract_string(meta, '$.pass_rate') IS NULL THEN 'no meta.pass_rate'
           WHEN ${rate} IS NULL OR NOT (${rate} BETWEEN 0 AND 1) THEN 'meta.pass_rate ' || json_extract(meta, '$.pass_rate')::VARCHAR || ' is not a number from 0 to 1'
      END FROM ${input}`);
}

/** `steps` and `tokens`: one JS pass over the last assistant turns. */
async function scoreSolutions(context: StepContext, by: Extract<Signal, 'steps' | 'tokens'>, scores: SqlFragment): Promise<void> {
  const { db } = context;
  const encoder = by === 'tokens' ? get_encoding('cl100k_base') : null;
  const writer = await db.columnWriter(scores, ['varchar', 'double', 'varchar', 'varchar']);
  let done = 0;
  try {
    for await (const [ids, texts] of db.streamCommitted(sql`SELECT id, ${SOLUTION} FROM ${context.input}`)) {
      if (context.signal.aborted) throw new OversightError('run/interrupted', 'run interrupted');
      const size = ids?.length ?? 0;
      const values: Array<number | null> = [];
      const missing: Array<string | null> = [];
      for (let index = 0; index < size; index++) {
        const text = (texts?.[index] as string | null) ?? null;
        if (text === null || text.trim() === '') {
          values.push(null);
          missing.push(text === null ? 'no assistant turn' : 'empty solution');
          continue;
        }
        values.push(encoder ? encoder.encode_ordinary(text).length : countSolutionSteps(text));
        missing.push(null);
      }
      writer.append([ids ?? [], values, new Array(size).fill(null), missing], size);
      done += size;
      context.progress(done / Math.max(1, context.inputRows));
    }
  } finally {
    writer.close();
    encoder?.free();
  }
}

/** `judge`: one model request per row with a problem; the answer's score and rationale go to `meta.judge`. */
async function scoreByJudge(context: StepContext, options: Params, scores: SqlFragment): Promise<void> {
  const { db } = context;
  const rows = await db.all<{ id: string; problem: string | null; solution: string | null }>(
    sql`SELECT id, ${PROBLEM} AS problem, ${SOLUTION} AS solution FROM ${context.input} ORDER BY _ord`,
  );
  const template = options.judge?.prompt ?? DIFFICULTY_JUDGE_PROMPT;
  const asked = rows.filter((row) => row.problem !== null);
  const model = context.model();
  const answers = await model.completeAll(
    asked.map((row) => ({
      messages: [
        { role: 'system', content: DIFFICULTY_JUDGE_SYSTEM },
        { role: 'user', content: judgePrompt(template, row.problem as string, row.solution) },
      ],
      temperature: options.judge?.temperature ?? 0,
      max_tokens: options.judge?.max_tokens ?? 256,
    })),
    (done) => context.progress(done / Math.max(1, asked.length)),
  );
  const byId = new Map(asked.map((row, index) => [row.id, answers[index]?.choices[0]?.content ?? '']));
  const writer = await db.columnWriter(scores, ['varchar', 'double', 'varchar', 'varchar']);
  try {
    const ids: string[] = [];
    const values: Array<number | null> = [];
    const judged: Array<string | null> = [];
    const missing: Array<string | null> = [];
    for (const row of rows) {
      ids.push(row.id);
      const answer = byId.get(row.id);
      if (answer === undefined) {
        values.push(null);
        judged.push(null);
        missing.push('no user turn to judge');
        continue;
      }
      const verdict = parseJudgeAnswer(answer);
      if (verdict.score === null) {
        values.push(null);
        judged.push(JSON.stringify({ model: model.name, error: verdict.error, answer: answer.slice(0, 200) }));
        missing.push(`judge answer unreadable: ${verdict.error}`);
      } else {
        values.push(verdict.score);
        judged.push(JSON.stringify({ model: model.name, score: verdict.score, rationale: verdict.rationale }));
        missing.push(null);
      }
    }
    writer.append([ids, values, judged, missing], ids.length);
  } finally {
    writer.close();
  }
}
