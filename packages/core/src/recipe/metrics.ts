/**
 * Metric names a recipe's `checks:` can assert on. The run computes their values (see
 * `runner/checks.ts`); `oversight check` rejects any other name before anything runs.
 *
 * - `rows` — rows written to the outputs (the mix);
 * - `read`, `quarantined`, `kept`, `dropped` — totals over all training sources;
 * - `source.<id>.read|quarantined|dropped|kept|mixed` — per source;
 * - `step.<id>.in|kept|dropped` and `step.<id>.dropped.<reason>` — per step;
 * - `contamination.<eval>` — rows of the mix that a decontamination step matched to the eval set
 *   (0 when every match was dropped), and `contamination.<eval>.found` — rows matched at all.
 */
export function metricNames(context: {
  sources: string[];
  steps: Array<{ id: string; reasons: readonly string[] }>;
  evals?: string[];
}): string[] {
  const names = ['rows', 'read', 'quarantined', 'kept', 'dropped'];
  for (const source of context.sources) {
    for (const field of ['read', 'quarantined', 'dropped', 'kept', 'mixed']) names.push(`source.${source}.${field}`);
  }
  for (const step of context.steps) {
    for (const field of ['in', 'kept', 'dropped']) names.push(`step.${step.id}.${field}`);
    for (const reason of step.reasons) names.push(`step.${step.id}.dropped.${reason}`);
  }
  for (const id of context.evals ?? []) names.push(`contamination.${id}`, `contamination.${id}.found`);
  return names;
}
