/** Recipe `checks:`: assertions on run metrics, for CI. */
import type { CheckSpec } from '../recipe/schema.js';
import type { CheckSummary, RunResult } from './result.js';

/** The value of every metric name of `recipe/metrics.ts` for a finished run. */
export function metricValues(result: RunResult): Map<string, number> {
  const values = new Map<string, number>();
  const sum = (pick: (source: RunResult['sources'][number]) => number) => result.sources.reduce((total, source) => total + pick(source), 0);
  values.set('rows', result.outputs.length > 0 ? (result.outputs[0]?.rows ?? 0) : (result.mix?.rows ?? sum((source) => source.kept)));
  values.set(
    'read',
    sum((source) => source.read),
  );
  values.set(
    'quarantined',
    sum((source) => source.quarantined),
  );
  values.set(
    'kept',
    sum((source) => source.kept),
  );
  values.set(
    'dropped',
    sum((source) => source.dropped),
  );
  for (const source of result.sources) {
    for (const field of ['read', 'quarantined', 'dropped', 'kept', 'mixed'] as const)
      values.set(`source.${source.id}.${field}`, source[field]);
  }
  for (const step of result.steps) {
    const dropped = Object.values(step.dropped).reduce((total, count) => total + count, 0);
    values.set(`step.${step.id}.in`, step.in);
    values.set(`step.${step.id}.kept`, step.kept);
    values.set(`step.${step.id}.dropped`, dropped);
    for (const [reason, count] of Object.entries(step.dropped)) values.set(`step.${step.id}.dropped.${reason}`, count);
  }
  for (const entry of result.contamination ?? []) {
    values.set(`contamination.${entry.eval}`, (values.get(`contamination.${entry.eval}`) ?? 0) + entry.mixed);
    values.set(`contamination.${entry.eval}.found`, (values.get(`contamination.${entry.eval}.found`) ?? 0) + entry.found);
  }
  return values;
}

/** Evaluates checks; a reason with no drops counts 0. */
export function evaluateChecks(checks: readonly CheckSpec[], result: RunResult): CheckSummary[] {
  const values = metricValues(result);
  return checks.map((check) => {
    const value = values.get(check.metric) ?? 0;
    const ok = (check.min === undefined || value >= check.min) && (check.max === undefined || value <= check.max);
    return {
      metric: check.metric,
      value,
      ok,
      ...(check.min !== undefined ? { min: check.min } : {}),
      ...(check.max !== undefined ? { max: check.max } : {}),
    };
  });
}
