/**
 * `select/best-rated` — best-of-N by fine-grained ratings (UltraFeedback, arXiv 2310.01377): per
 * instruction, keep the completion with the best mean of its numeric aspect ratings ("N/A" and
 * missing aspects ignored), never `overall_score` alone (it is partly repaired data, METHODS §4.2),
 * and binarize a chosen/rejected pair for preference training.
 *
 * Reads `meta.completions: [{response, model, ratings: {<aspect>: "1".."5" | "N/A"}, overall_score}]`
 * (the `ultrafeedback` adapter writes it). The kept row becomes `[prompt…, best completion]`; its meta
 * gains `best` (`index` 1-based, `model`, `rating`, `rated`), `overall_disagrees` and `pairs`
 * (`[{prompt, chosen, rejected, score_chosen, score_rejected}]`, read by the `preference` output).
 * Rows without `meta.completions` pass through untouched.
 *
 * Reasons: `no_completions` (an empty list), `unrated` (no completion has a numeric rating),
 * `below_min_rating` (the best mean is below `min_rating`).
 * Ties for the best mean go to the completion with more numeric ratings, then to the earlier one in
 * the record. Rejected: only completions rated strictly lower than the best; `random` draws one by
 * `md5(seed:id:index)`, `lowest` takes the lowest mean (ties: the earlier), `all` pairs the best with
 * each. Cost: one DuckDB pass over the completions.
 */
import { defineStep, joinSql, rawSql, sql } from '@oversight/core';
import { z } from 'zod';

/** UltraFeedback's four fine-grained aspects. */
const defaultAspects = ['instruction_following', 'honesty', 'truthfulness', 'helpfulness'];

const params = z.strictObject({
  aspects: z
    .array(z.string().min(1))
    .min(1)
    .default(defaultAspects)
    .describe(
      'Keys of `ratings` to average (default the four UltraFeedback aspects: instruction_following, honesty, truthfulness, helpfulness).',
    ),
  min_rating: z
    .number()
    .min(1)
    .max(5)
    .optional()
    .describe('Drop the instruction (`below_min_rating`) when its best mean rating is below this; a best of exactly `min_rating` is kept.'),
  rejected: z
    .enum(['random', 'lowest', 'all'])
    .default('random')
    .describe(
      'Which lower-rated completion becomes `rejected`: `random` (one drawn with `seed`, the ultrafeedback_binarized way), ' +
        '`lowest` (the worst), or `all` (one pair per lower-rated completion).',
    ),
  seed: z.number().int().default(0).describe('Seed of the `random` draw: same seed, same pairs.'),
});

/** The `select/best-rated` step (UltraFeedback best-of-N and binarized pairs). */
export const bestRatedSelect = defineStep({
  id: 'select/best-rated',
  version: 1,
  summary: 'Keep the best-rated completion per instruction (mean of fine-grained ratings) and a chosen/rejected pair.',
  description:
    'The mean of the numeric ratings of `aspects` ranks the completions of a row; "N/A" and missing aspects are left out of ' +
    'the mean, and a completion without any numeric rating or without a response is never chosen. A note counts the rows ' +
    'where `overall_score` would pick another completion (one with a strictly higher `overall_score` than the chosen one). ' +
    'Rejected completions are rated strictly lower than the chosen one, so a row whose other completions tie with the best ' +
    '(or are unrated) keeps no pair and is skipped by the `preference` output.',
  effect: 'rewrite',
  params,
  reasons: ['no_completions', 'unrated', 'below_min_rating'],
  run: async (context, options) => {
    const { db } = context;
    const rated = joinSql(
      options.aspects.map((aspect) => sql`TRY_CAST(json_extract_string(c, ${`$.ratings."${aspect.replaceAll('"', '\\"')}"`}) AS DOUBLE)`),
    );
    // One row per completion, with its mean rating and the number of numeric ratings behind it.
    const items = context.scratch('items');
    await db.run(sql`CREATE TEMP TABLE ${items} AS
      SELECT id, _ord, k + 1 AS position, c ->> 'response' AS response, c ->> 'model' AS model,
             TRY_CAST(c ->> 'overall_score' AS DOUBLE) AS overall,
             CASE WHEN c ->> 'response' IS NOT NULL THEN list_avg(list_filter(ratings, r -> r IS NOT NULL)) END AS mean,
             len(list_filter(ratings, r -> r IS NOT NULL)) AS rated
      FROM (SELECT *, [${rated}] AS ratings
            FROM (SELECT id, _ord, unnest(completions) AS c, unnest(range(len(completions))) AS k
                  FROM (SELECT id, _ord, CAST(json_extract(meta, '$.completions') AS JSON[]) AS completions
                        FROM ${context.input} WHERE json_type(meta, '$.completions') = 'ARRAY')))`);
    const best = context.scratch('best');
    await db.run(sql`CREATE TEMP TABLE ${best} AS
      SELECT id, position, response, model, overall, mean, rated, ties, max_overall FROM (
        SELECT *, row_number() OVER (PARTITION BY id ORDER BY mean DESC NULLS LAST, rated DESC, position) AS rank,
               count(*) FILTER (WHERE mean IS NOT NULL) OVER (PARTITION BY id, mean) AS ties,
               max(overall) OVER (PARTITION BY id) AS max_overall
        FROM ${items}) WHERE rank = 1 AND mean IS NOT NULL`);
    const minRating = options.min_rating ?? null;
    await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT i.id,
             CASE WHEN json_type(i.meta, '$.completions') IS DISTINCT FROM 'ARRAY' THEN true
                  WHEN json_array_length(i.meta, '$.completions') = 0 OR b.id IS NULL THEN false
                  ELSE ${minRating}::DOUBLE IS NULL OR b.mean >= ${minRating}::DOUBLE END AS keep,
             CASE WHEN json_type(i.meta, '$.completions') IS DISTINCT FROM 'ARRAY' THEN NULL
                  WHEN json_array_length(i.meta, '$.completions') = 0 THEN 'no_completions'
                  WHEN b.id IS NULL THEN 'unrated'
                  WHEN b.mean < ${minRating}::DOUBLE THEN 'below_min_rating' END AS reason,
             CASE WHEN json_type(i.meta, '$.completions') IS DISTINCT FROM 'ARRAY' THEN NULL
                  WHEN json_array_length(i.meta, '$.completions') = 0 THEN 'meta.completions is empty'
                  WHEN b.id IS NULL THEN 'no completion with a response and a numeric rating of ' || ${options.aspects.join(', ')}
                  WHEN b.mean < ${minRating}::DOUBLE THEN 'best mean rating ' || round(b.mean, 3) || ' < min_rating ' || ${minRating === null ? null : String(minRating)}
                       || ' (completion ' || b.position || ', ' || coalesce(b.model, 'unknown model') || ')' END AS detail
      FROM ${context.input} i LEFT JOIN ${best} b USING (id)`);
    // Rejected candidates: rated strictly lower than the best, ranked by the chosen rule.
    const order = {
      random: sql`md5(${String(options.seed)} || ':' || i.id || ':' || i.position)`,
      lowest: sql`i.mean, i.position`,
      all: sql`i.position`,
    }[options.rejected];
    const limit = options.rejected === 'all' ? sql`` : sql`WHERE pick = 1`;
    const prompt = rawSql(`CASE WHEN messages[-1].role = 'assistant' THEN messages[1:len(messages) - 1] ELSE messages END`);
    const pairs = context.scratch('pairs');
    await db.run(sql`CREATE TEMP TABLE ${pairs} AS
      SELECT id, list(json_object('prompt', to_json(prompt), 'chosen', chosen, 'rejected', rejected,
                                  'score_chosen', score_chosen, 'score_rejected', score_rejected) ORDER BY pick) AS pairs
      FROM (SELECT i.id, ${prompt} AS prompt, b.response AS chosen, i.response AS rejected, b.mean AS score_chosen, i.mean AS score_rejected,
                   row_number() OVER (PARTITION BY i.id ORDER BY ${order}) AS pick
            FROM ${items} i JOIN ${best} b USING (id) JOIN ${context.input} r USING (id)
            WHERE i.mean IS NOT NULL AND i.mean < b.mean) ${limit}
      GROUP BY id`);
    const kept = sql`(SELECT b.*, r.messages, ${prompt} AS prompt FROM ${best} b JOIN ${context.input} r USING (id)
      JOIN ${context.table('verdicts')} v USING (id) WHERE v.keep)`;
    await db.run(sql`CREATE TABLE ${context.table('messages')} AS
      SELECT id, prompt || [{'role': 'assistant', 'content': response}] AS messages FROM ${kept}`);
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT k.id, json_object(
               'best', json_object('index', k.position, 'model', k.model, 'rating', k.mean, 'rated', k.rated),
               'overall_disagrees', coalesce(k.max_overall > k.overall, false),
               'pairs', coalesce(to_json(p.pairs), '[]'::JSON)) AS labels
      FROM ${kept} k LEFT JOIN ${pairs} p USING (id)`);
    const stats = await db.one<{ selected: number; disagree: number; scored: number; unpaired: number; tied: number; outside: number }>(sql`
      SELECT count(*)::INTEGER AS selected,
             count(*) FILTER (WHERE max_overall > overall)::INTEGER AS disagree,
             count(*) FILTER (WHERE overall IS NOT NULL)::INTEGER AS scored,
             count(*) FILTER (WHERE id NOT IN (SELECT id FROM ${pairs}))::INTEGER AS unpaired,
             count(*) FILTER (WHERE ties > 1)::INTEGER AS tied,
             (SELECT count(*) FROM ${context.input} WHERE json_type(meta, '$.completions') IS DISTINCT FROM 'ARRAY')::INTEGER AS outside
      FROM ${kept}`);
    if (!stats) return;
    context.note(
      `overall_score disagrees with the fine-grained choice in ${stats.disagree} of ${stats.selected} selected row(s)` +
        ` (${stats.scored} with an overall_score on the chosen completion)`,
    );
    if (stats.tied) context.note(`${stats.tied} row(s) tied for the best mean: more numeric ratings, then the earlier completion, won`);
    if (stats.unpaired) context.note(`${stats.unpaired} selected row(s) without a pair (no completion rated strictly lower)`);
    if (stats.outside) context.note(`${stats.outside} row(s) without meta.completions passed through`);
  },
});
