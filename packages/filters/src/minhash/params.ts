/** Parameter pieces shared by `dedup/minhash` and `decontam/minhash`. */
import { z } from 'zod';
import type { ShingleConfig } from './engine.js';

export const shinglesSchema = z
  .union([
    z.strictObject({ words: z.int().min(1).max(64).describe('Shingles of this many consecutive normalized words.') }),
    z.strictObject({ chars: z.int().min(1).max(256).describe('Shingles of this many consecutive characters of the normalized text.') }),
  ])
  .describe(
    'How texts are cut into shingles, after normalization (case folded, accents and apostrophes removed, punctuation and ' +
      'every kind of quote or space made a single word break): `{ words: n }` or `{ chars: n }`.',
  );

export function shingleConfig(value: z.infer<typeof shinglesSchema>): ShingleConfig {
  return 'words' in value ? { kind: 'words', size: value.words } : { kind: 'chars', size: value.chars };
}

export function describeShingles(config: ShingleConfig): string {
  return `${config.size}-${config.kind === 'words' ? 'word' : 'char'} shingles`;
}
