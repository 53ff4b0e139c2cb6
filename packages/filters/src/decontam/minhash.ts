/**
 * `decontam/minhash` — drops (or flags) training rows that are near-duplicates of an eval item: the
 * MinHash LSH engine of `dedup/minhash`, pointed at the eval sets, at a lower threshold and with
 * shorter shingles than dedup, to catch lightly paraphrased benchmark questions that share no long
 * n-gram. Every candidate is confirmed on its exact shingle-set Jaccard.
 */
import { defineStep, utf8Text } from '@oversight/core';
import { z } from 'zod';
import { VERIFIED_WEIGHTS } from '../dedup/minhash.js';
import {
  bandKeys,
  curvePoints,
  jaccard,
  type MinHashConfig,
  optimalBands,
  ShingleScratch,
  shingleHashes,
  shingleSet,
  signShingles,
} from '../minhash/engine.js';
import { describeShingles, shingleConfig, shinglesSchema } from '../minhash/params.js';
import type { SignResult } from '../parallel/tasks.js';
import { normalizeText } from '../text/normalize.js';
import {
  actionSchema,
  againstReferences,
  againstSchema,
  type EvalItem,
  loadEvalItems,
  type Match,
  scanTraining,
  summarizeMatches,
  writeEvidence,
} from './common.js';

const params = z.strictObject({
  against: againstSchema,
  scope: z
    .enum(['prompt', 'answer', 'all'])
    .default('prompt')
    .describe('Eval text compared: its `prompt` (user turns), its `answer` (assistant turns), or `all` (both, in order).'),
  search: z
    .enum(['user', 'assistant', 'all'])
    .default('user')
    .describe('Training turns compared with it: `user`, `assistant` or `all` (in order).'),
  threshold: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.5)
    .describe('Exact Jaccard of shingle sets at and above which a row is a near-duplicate of an eval item.'),
  num_perm: z.int().min(8).max(1024).default(128).describe('MinHash values per text.'),
  shingles: shinglesSchema.default({ words: 2 }),
  seed: z.int().min(0).default(1).describe('Hash seed.'),
  action: actionSchema,
});

export const minhashDecontam = defineStep({
  id: 'decontam/minhash',
  version: 1,
  summary: 'Drop or flag rows that are near-duplicates (MinHash, exact Jaccard) of an eval item: light paraphrases.',
  description:
    'Signs every eval item (held-out sets, or `against:` ids) and every training row with the MinHash engine of `dedup/minhash` ' +
    '(word-pair shingles and threshold 0.5 by default, far looser than dedup: a question with a word changed every 7 words shares no 8-gram ' +
    'but keeps over half its word pairs), ' +
    'finds candidates through LSH bands derived from the threshold, and confirms each on the exact Jaccard of the shingle sets. ' +
    'Matches (eval item, Jaccard) go to `matches` and the run’s contamination report. Threads: OVERSIGHT_WORKERS.',
  effect: 'drop',
  params,
  reasons: ['contaminated'],
  datasets: (options, known) => againstReferences(options.against, known),
  run: async (context, options) => {
    // Every candidate is confirmed on its exact Jaccard, so misses weigh more than false candidates.
    const choice = optimalBands(options.threshold, options.num_perm, VERIFIED_WEIGHTS.falsePositive, VERIFIED_WEIGHTS.falseNegative);
    const config: MinHashConfig = {
      shingles: shingleConfig(options.shingles),
      numPerm: options.num_perm,
      bands: choice.bands,
      rows: choice.rows,
      seed: options.seed,
    };
    const points = curvePoints(options.threshold, config.bands, config.rows)
      .map((point) => `${point.similarity.toFixed(2)}→${point.probability.toFixed(3)}`)
      .join(', ');
    const items = await loadEvalItems(context, context.datasets);
    const text = (item: EvalItem) =>
      options.scope === 'prompt' ? item.prompt : options.scope === 'answer' ? item.answer : `${item.prompt}\u001e${item.answer}`;
    // The eval side: band buckets and exact shingle sets, on this thread (eval sets are small).
    const scratch = new ShingleScratch();
    const signature = new Uint32Array(config.numPerm);
    const filled = new Uint8Array(config.numPerm);
    const keys = new Float64Array(config.bands);
    const buckets = Array.from({ length: config.bands }, () => new Map<number, number[]>());
    const sets: Uint32Array[] = [];
    for (const [index, item] of items.entries()) {
      sets.push(shingleSet(text(item), config.shingles, scratch));
      const count = shingleHashes(text(item), config.shingles, scratch);
      if (!signShingles(scratch.shingles.values, count, config.numPerm, config.seed, signature, filled)) continue;
      bandKeys(signature, config.bands, config.rows, keys, 0);
      for (let band = 0; band < config.bands; band++) {
        const bucket = buckets[band] as Map<number, number[]>;
        const key = keys[band] as number;
        const list = bucket.get(key);
        if (list) list.push(index);
        else bucket.set(key, [index]);
      }
    }
    context.note(
      `${items.length} eval item(s) from ${context.datasets.join(', ') || 'no eval set'}; ${config.bands} bands × ${config.rows} rows for threshold ${options.threshold}, ${describeShingles(config.shingles)}; P(candidate | Jaccard): ${points}`,
    );
    const matches: Match[] = [];
    let candidates = 0;
    if (items.length > 0 && context.inputRows > 0) {
      await scanTraining<SignResult>(context, options.search, {
        task: (texts) => ({ kind: 'sign', texts, config, withSignatures: false }),
        consume: (batch, result) => {
          for (let row = 0; row < batch.ords.length; row++) {
            if (!result.valid[row]) continue;
            const found = new Set<number>();
            for (let band = 0; band < config.bands; band++) {
              const list = buckets[band]?.get(result.keys[row * config.bands + band] as number);
              if (list) for (const item of list) found.add(item);
            }
            if (found.size === 0) continue;
            candidates += found.size;
            const own = shingleSet(utf8Text(batch.texts, row), config.shingles, scratch);
            for (const index of [...found].sort((a, b) => a - b)) {
              const similarity = jaccard(own, sets[index] as Uint32Array);
              if (similarity < options.threshold) continue;
              const item = items[index] as EvalItem;
              matches.push({
                ord: Number(batch.ords[row]),
                eval: item.eval,
                item: item.id,
                scope: `${options.scope}~${options.search}`,
                shown: [normalizeText(text(item)).slice(0, 240)],
                matched: 1,
                similarity,
              });
            }
          }
        },
      });
    }
    await writeEvidence(context, matches, {
      action: options.action,
      minMatches: 1,
      describe: (match) =>
        `near-duplicate of ${match.eval}:${match.item} (Jaccard ${(match.similarity ?? 0).toFixed(3)}): “${match.shown[0]?.slice(0, 120) ?? ''}”`,
    });
    context.note(
      `${candidates} candidate pair(s), ${matches.length} confirmed; ${await summarizeMatches(context.db, context.table('matches'))}`,
    );
    context.progress(1);
  },
});
