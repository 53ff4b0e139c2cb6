/**
 * `dedup/exact` — drops rows whose chosen turns are identical after normalization (case-folded,
 * whitespace runs collapsed, trimmed) to a row kept before them.
 *
 * Reasons: `exact_duplicate` (detail: the id of the row kept in its place).
 * Cost: one MD5 per row and a hash partition in DuckDB; ~1M rows in a few seconds on 2 cores.
 * Method: exact-hash dedup as in datatrove's `ExactDedup` and data-juicer's `document_deduplicator`,
 * applied per conversation scope rather than to one text field.
 */
import { defineStep, sql } from '@oversight/core';
import { z } from 'zod';
import { conversationLength, scopeSchema, scopeText } from '../scope.js';

const params = z.strictObject({
  scope: scopeSchema.default('all'),
  keep: z
    .enum(['first', 'longest'])
    .default('first')
    .describe('Which row of a duplicate group stays: the `first` in input order, or the `longest` conversation (ties: first).'),
  normalize: z
    .boolean()
    .default(true)
    .describe('Compare case-folded text with whitespace runs collapsed; `false` compares the exact text.'),
});

export const exactDedup = defineStep({
  id: 'dedup/exact',
  version: 1,
  summary: 'Drop rows whose chosen turns repeat an earlier row exactly (after normalization).',
  description:
    'Hashes the text of the chosen scope (user turns, assistant turns, or every turn with its role) and keeps one row per hash. ' +
    'Rows whose scope is empty (e.g. no user turn) are never treated as duplicates. The detail of each dropped row names the id kept in its place.',
  effect: 'drop',
  params,
  reasons: ['exact_duplicate'],
  run: async (context, options) => {
    const text = scopeText(options.scope);
    const normalized = options.normalize ? sql`lower(trim(regexp_replace(${text}, '\s+', ' ', 'g')))` : text;
    const order = options.keep === 'longest' ? sql`size DESC, _ord, id` : sql`_ord, id`;
    await context.db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      WITH hashed AS (
        SELECT id, _ord, ${conversationLength()} AS size, CASE WHEN ${text} <> '' THEN md5(${normalized}) END AS hash
        FROM ${context.input}),
      ranked AS (
        SELECT id, row_number() OVER (PARTITION BY hash ORDER BY ${order}) AS rank,
               first_value(id) OVER (PARTITION BY hash ORDER BY ${order}) AS kept_id
        FROM hashed WHERE hash IS NOT NULL)
      SELECT h.id, coalesce(r.rank = 1, true) AS keep,
             CASE WHEN r.rank > 1 THEN 'exact_duplicate' END AS reason,
             CASE WHEN r.rank > 1 THEN 'duplicate of ' || r.kept_id END AS detail
      FROM hashed h LEFT JOIN ranked r USING (id)`);
  },
});
