/**
 * `select/sql` — keeps the rows matching a SQL predicate over the canonical columns, for what no
 * step covers yet. The predicate is checked against the canonical schema by `oversight check`.
 *
 * Reasons: `not_selected` (the predicate was false or NULL).
 * Cost: one DuckDB scan.
 */
import { defineStep, rawSql, sql } from '@oversight/core';
import { z } from 'zod';

const params = z.strictObject({
  where: z
    .string()
    .min(1)
    .describe(
      'DuckDB SQL predicate over `id`, `source`, `task`, `messages` (list of {role, content}), `answer` and `meta` (JSON), ' +
        "e.g. `task = 'math' AND len(messages) <= 4` or `meta->>'level' IN ('4', '5')`.",
    ),
});

export const sqlSelect = defineStep({
  id: 'select/sql',
  version: 1,
  summary: 'Keep rows matching a SQL predicate over the canonical columns.',
  description:
    'A power-user escape hatch: the predicate is DuckDB SQL evaluated per row; a NULL result counts as false. ' +
    'The recipe is trusted code: the predicate runs as written.',
  effect: 'drop',
  params,
  reasons: ['not_selected'],
  check: async (options, context) => {
    if (options.where.includes(';')) {
      return [{ path: ['where'], message: 'expected one SQL predicate, found `;`', hint: 'combine conditions with AND / OR' }];
    }
    try {
      await context.scratch.run(sql`SELECT count(*) FROM input WHERE (${rawSql(options.where)})`);
      return [];
    } catch (error) {
      const details = (error as { details?: { error?: string } }).details;
      const message = (details?.error ?? String(error)).split('\n')[0] ?? '';
      return [{ path: ['where'], message: `expected a SQL predicate over the canonical columns, found an error: ${message}` }];
    }
  },
  run: async (context, options) => {
    const predicate = sql`coalesce((${rawSql(options.where)}), false)`;
    await context.db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT id, ${predicate} AS keep,
             CASE WHEN NOT ${predicate} THEN 'not_selected' END AS reason,
             CASE WHEN NOT ${predicate} THEN ${`predicate is false: ${options.where}`} END AS detail
      FROM ${context.input}`);
  },
});
