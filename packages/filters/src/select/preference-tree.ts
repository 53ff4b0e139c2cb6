/**
 * `select/preference-tree` — SFT on the correct leaf actions of preference trees, with the
 * interaction history dropped (Eurus / UltraInteract, arXiv 2404.02078 §3: "discard interaction
 * history and train only on correct leaf nodes in each tree").
 *
 * A row is a tree node when its `meta.tree` is set (the `ultrainteract` adapter sets it; other
 * tree dumps can map `tree`, `turn`, `depth`, `correct`, `leaf` into meta with `fields:`). Rows
 * outside any tree (mixing partners such as UltraChat) pass through untouched.
 *
 * Reasons:
 * - `not_leaf`: an interaction-history node, one its trajectory went on from (`meta.leaf` false, or
 *   an action that is not correct at a turn before the tree's depth);
 * - `incorrect_action`: the action is not known to be correct (`meta.correct` false or missing);
 * - `duplicate_leaf`: the same instruction and action as an earlier kept row (e.g. one correct action
 *   paired with several rejected ones); its `meta.pairs` move to the kept copy, so the `preference`
 *   output loses no pair.
 * Kept tree rows become `[system…, instruction, action]` (the first user turn and the last assistant
 * turn) unless `history: keep`. Cost: a few DuckDB scans.
 */
import { defineStep, rawSql, sql } from '@oversight/core';
import { z } from 'zod';

const params = z.strictObject({
  history: z
    .enum(['drop', 'keep'])
    .default('drop')
    .describe(
      '`drop` (Eurus): a kept node becomes its instruction and its action; `keep`: the whole trajectory stays ' +
        '(failed actions and feedback before the correct one), the ablation Eurus found worse.',
    ),
});

/** SQL: the conversation a kept node trains on, history dropped. */
const leafOnly = rawSql(`list_filter(messages, m -> m.role = 'system')
  || [list_filter(messages, m -> m.role = 'user')[1], list_filter(messages, m -> m.role = 'assistant')[-1]]`);

/** The `select/preference-tree` step (Eurus SFT on correct leaves). */
export const preferenceTreeSelect = defineStep({
  id: 'select/preference-tree',
  version: 1,
  summary: 'Keep the correct leaf actions of preference trees (Eurus SFT), interaction history dropped.',
  description:
    'Reads `meta.tree`, `meta.correct`, `meta.leaf`, `meta.turn` and `meta.depth` (set by the `ultrainteract` adapter). ' +
    'A node is a leaf when `meta.leaf` says so; without it, a correct action is a leaf (in UltraInteract a correct action ' +
    'ends its trajectory) and an incorrect one is a leaf only at the last turn (`turn >= depth`). Duplicates are found on ' +
    'the conversation as kept (instruction + action), first in input order wins. Rows without `meta.tree` pass through.',
  effect: 'rewrite',
  params,
  reasons: ['not_leaf', 'incorrect_action', 'duplicate_leaf'],
  run: async (context, options) => {
    const { db } = context;
    const nodes = context.scratch('nodes');
    const conversation = options.history === 'drop' ? sql`CASE WHEN has_user THEN ${leafOnly} ELSE messages END` : sql`messages`;
    await db.run(sql`CREATE TEMP TABLE ${nodes} AS
      SELECT *, CASE WHEN tree IS NULL THEN NULL
                     WHEN leaf_label IS NOT NULL AND NOT leaf_label THEN 'not_leaf'
                     WHEN leaf_label IS NULL AND correct IS NOT TRUE AND turn < depth THEN 'not_leaf'
                     WHEN correct IS NOT TRUE THEN 'incorrect_action' END AS reason
      FROM (SELECT id, _ord, messages, json_extract_string(meta, '$.tree') AS tree,
                   TRY_CAST(json_extract_string(meta, '$.correct') AS BOOLEAN) AS correct,
                   TRY_CAST(json_extract_string(meta, '$.leaf') AS BOOLEAN) AS leaf_label,
                   TRY_CAST(json_extract_string(meta, '$.turn') AS INTEGER) AS turn,
                   TRY_CAST(json_extract_string(meta, '$.depth') AS INTEGER) AS depth,
                   CASE WHEN json_type(meta, '$.pairs') = 'ARRAY' THEN CAST(json_extract(meta, '$.pairs') AS JSON[]) END AS pairs,
                   list_contains(list_transform(messages, m -> m.role), 'user') AS has_user
            FROM ${context.input})`);
    // Candidates (tree nodes that are correct leaves) grouped by the conversation they keep.
    const candidates = context.scratch('candidates');
    await db.run(sql`CREATE TEMP TABLE ${candidates} AS
      SELECT id, _ord, pairs, kept,
             first_value(id) OVER (PARTITION BY md5(to_json(kept)::VARCHAR) ORDER BY _ord) AS first_id
      FROM (SELECT id, _ord, pairs, ${conversation} AS kept FROM ${nodes} WHERE tree IS NOT NULL AND reason IS NULL)`);
    await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT n.id, n.reason IS NULL AND (c.id IS NULL OR c.first_id = n.id) AS keep,
             coalesce(n.reason, CASE WHEN c.first_id <> n.id THEN 'duplicate_leaf' END) AS reason,
             CASE WHEN n.reason = 'not_leaf' AND n.leaf_label IS NOT NULL THEN 'meta.leaf is false: the trajectory went on from this node'
                  WHEN n.reason = 'not_leaf' THEN 'incorrect action at turn ' || n.turn || ' of ' || n.depth || ': the trajectory went on from it (interaction history)'
                  WHEN n.reason = 'incorrect_action' AND n.correct IS NULL THEN 'no correctness label (meta.correct)'
                  WHEN n.reason = 'incorrect_action' THEN 'meta.correct is false'
                  WHEN c.first_id <> n.id THEN 'same instruction and action as row ' || c.first_id END AS detail
      FROM ${nodes} n LEFT JOIN ${candidates} c USING (id)`);
    await db.run(sql`CREATE TABLE ${context.table('messages')} AS
      SELECT c.id, c.kept AS messages FROM ${candidates} c JOIN ${nodes} n USING (id)
      WHERE c.first_id = c.id AND len(c.kept) <> len(n.messages)`);
    // A dropped duplicate's pairs go to the kept copy (each distinct pair once, in input order).
    await db.run(sql`CREATE TABLE ${context.table('labels')} AS
      SELECT first_id AS id, json_object('pairs', to_json(list(pair ORDER BY _ord, k))) AS labels
      FROM (SELECT *, row_number() OVER (PARTITION BY first_id, pair::VARCHAR ORDER BY _ord, k) AS occurrence
            FROM (SELECT first_id, _ord, unnest(pairs) AS pair, unnest(range(len(pairs))) AS k
                  FROM ${candidates} WHERE first_id IN (SELECT first_id FROM ${candidates} GROUP BY first_id HAVING count(*) > 1)))
      WHERE occurrence = 1 GROUP BY first_id`);
    const stats = await db.one<{ outside: number; rewritten: number; removed: number; moved: number }>(sql`
      SELECT (SELECT count(*) FROM ${nodes} WHERE tree IS NULL)::INTEGER AS outside,
             (SELECT count(*) FROM ${context.table('messages')})::INTEGER AS rewritten,
             (SELECT coalesce(sum(len(n.messages) - len(r.messages)), 0) FROM ${context.table('messages')} r JOIN ${nodes} n USING (id))::INTEGER AS removed,
             (SELECT coalesce(sum(len(pairs)), 0) FROM ${candidates} WHERE first_id <> id)::INTEGER AS moved`);
    if (stats?.outside) context.note(`${stats.outside} row(s) outside any preference tree (no meta.tree) passed through`);
    if (stats?.rewritten) context.note(`interaction history dropped from ${stats.rewritten} row(s) (${stats.removed} turn(s) removed)`);
    if (stats?.moved) context.note(`${stats.moved} pair(s) of dropped duplicate leaves kept on the first copy`);
  },
});
