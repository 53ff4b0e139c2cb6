/**
 * How many rows each topic needs (`gap/fill`). With N tagged training rows, c_t rows of topic t, a
 * target share τ_t (the `target` shares normalised to sum 1) and the base model's failure rate f_t on
 * the topic (0 when unknown):
 *
 *     need_t = max(0, ⌈τ_t · N · (1 + β · f_t)⌉ − c_t)      (β = `failure_boost`, default 1)
 *
 * so a topic gets rows both when it is under-covered and when the model fails on it: a topic at its
 * target share with a 40% failure rate still gets 0.4 · τ_t · N more rows (β = 1). N is the training
 * set before the fill; the goal is to cover gaps, not to hit the target shares exactly afterwards
 * (the step's note prints both). `max_per_topic` caps a need.
 */

/** What the plan knows about one topic. */
export interface TopicCoverage {
  topic: string;
  /** Training rows tagged with the topic (c_t). */
  rows: number;
  /** c_t / N. */
  share: number;
  /** τ_t (0 for a topic outside an explicit target). */
  target: number;
  /** f_t, or null when nothing says how the model does on the topic. */
  failureRate: number | null;
  /** Rows the failure rate was measured on. */
  failureSamples: number;
  /** need_t. */
  need: number;
}

export interface PlanInput {
  /** Training rows per topic (untagged rows left out). */
  counts: ReadonlyMap<string, number>;
  /** Topics with a target share (before normalisation), in the order the table lists them. */
  target: ReadonlyArray<[string, number]>;
  /** Failure rate and sample count per topic. */
  failures: ReadonlyMap<string, { rate: number; samples: number }>;
  boost: number;
  maxPerTopic?: number | undefined;
}

/** Coverage and need per topic: target topics first (in target order), then other topics by name. */
export function planGaps(input: PlanInput): TopicCoverage[] {
  const total = [...input.counts.values()].reduce((acc, rows) => acc + rows, 0);
  const targetSum = input.target.reduce((acc, [, share]) => acc + share, 0);
  const targets = new Map(input.target.map(([topic, share]) => [topic, targetSum > 0 ? share / targetSum : 0]));
  const others = [...input.counts.keys()].filter((topic) => !targets.has(topic)).sort();
  return [...targets.keys(), ...others].map((topic) => {
    const rows = input.counts.get(topic) ?? 0;
    const target = targets.get(topic) ?? 0;
    const failure = input.failures.get(topic);
    const rate = failure?.rate ?? 0;
    // A tiny epsilon keeps 0.1 × 30 = 3.0000000000000004 from becoming 4.
    const goal = Math.ceil(target * total * (1 + input.boost * rate) - 1e-9);
    const uncapped = Math.max(0, goal - rows);
    return {
      topic,
      rows,
      share: total > 0 ? rows / total : 0,
      target,
      failureRate: failure ? failure.rate : null,
      failureSamples: failure?.samples ?? 0,
      need: input.maxPerTopic === undefined ? uncapped : Math.min(uncapped, input.maxPerTopic),
    };
  });
}
