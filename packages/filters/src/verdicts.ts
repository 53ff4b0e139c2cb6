/** Verdicts of steps that decide row by row into a scratch table keyed by the input order. */
import { type SqlFragment, type StepContext, sql } from '@oversight/core';

/**
 * Writes the step's `verdicts` from `results (ord, reason, detail, …)`: one verdict per input row,
 * kept when its result has no reason. Input rows without a result (passed through) are kept.
 */
export async function verdictsFromResults(context: StepContext, results: SqlFragment): Promise<void> {
  await context.db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
    SELECT i.id, r.reason IS NULL AS keep, r.reason, r.detail
    FROM ${context.input} i LEFT JOIN ${results} r ON r.ord = i._ord`);
}
