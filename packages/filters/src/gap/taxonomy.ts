/**
 * The topic taxonomy of `gap/fill`: a YAML file listing topics, each with a name, a description (used
 * in model prompts), keywords (the keyword classifier) and aliases (values of a row's topic field,
 * such as MATH's `type`, that mean this topic). Format (docs/gap-fill.md):
 *
 * ```yaml
 * version: 1
 * topics:
 *   - name: number_theory
 *     description: divisibility, primes, remainders and bases
 *     keywords: [prime, divisible, remainder, gcd, modulo]
 *     aliases: [Number Theory]
 * ```
 *
 * Keyword classification: a problem's text is lower-cased; a keyword matches where it occurs with no
 * letter or digit right before or after it (so `prime` does not match `primer`, and `\frac` matches
 * `\frac{1}{2}`), and a keyword starting with a letter never matches right after a backslash (`left`
 * is not found in `\left(`). The topic with the most distinct keywords matched wins; ties go to the one with more
 * occurrences, then to the one listed first. A text matching no keyword has no topic.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { OversightError } from '@oversight/core';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

const topicSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][\w-]*$/, 'a topic name: letters, digits, `_` and `-`'),
  description: z.string().min(1).optional(),
  keywords: z.array(z.string().trim().min(1)).min(1),
  aliases: z.array(z.string().min(1)).optional(),
});

const taxonomySchema = z.strictObject({
  version: z.literal(1),
  topics: z.array(topicSchema).min(1),
});

/** One topic of a taxonomy. */
export interface Topic {
  readonly name: string;
  readonly description: string | null;
  /** Lower-cased keywords. */
  readonly keywords: readonly string[];
  readonly aliases: readonly string[];
}

/** A loaded taxonomy: topics in file order, and the lookup of topic-field values. */
export interface Taxonomy {
  readonly file: string;
  readonly topics: readonly Topic[];
  /** The topic a topic-field value (name or alias, case-insensitive) stands for; null when none. */
  topicOf(value: string): string | null;
  /** The keyword classifier: the best-matching topic of a text, null when no keyword matches. */
  classify(text: string): string | null;
}

/** Reads and validates a taxonomy file (relative paths from `recipeDir`); errors say file:line:col. */
export function loadTaxonomy(path: string, recipeDir: string): Taxonomy {
  const file = isAbsolute(path) ? path : resolve(recipeDir, path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OversightError('step/bad-taxonomy', `cannot read taxonomy ${path}: ${(error as Error).message}`, {
      hint: 'the path is relative to the recipe file',
    });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const at = (offset: number) => {
    const position = lineCounter.linePos(offset);
    return `${path}:${position.line}:${position.col}`;
  };
  const yamlError = document.errors[0];
  if (yamlError) throw new OversightError('step/bad-taxonomy', `${at(yamlError.pos[0])}: ${yamlError.message.split('\n')[0]}`);
  const parsed = taxonomySchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const issuePath = (issue?.path ?? []).map((key) => (typeof key === 'symbol' ? String(key) : key));
    // The deepest node of the issue's path that exists, for the position.
    let node: unknown = null;
    for (let depth = issuePath.length; depth >= 0 && !isNode(node); depth--) node = document.getIn(issuePath.slice(0, depth), true);
    const offset = isNode(node) && node.range ? node.range[0] : 0;
    const where = issuePath.length > 0 ? ` at \`${issuePath.join('.')}\`` : '';
    throw new OversightError('step/bad-taxonomy', `${at(offset)}: ${issue?.message ?? 'invalid taxonomy'}${where}`, {
      hint: 'a taxonomy is `version: 1` and `topics:` with `name`, `keywords` and optional `description`, `aliases` (docs/gap-fill.md)',
    });
  }
  const seen = new Set<string>();
  parsed.data.topics.forEach((topic, index) => {
    if (seen.has(topic.name)) {
      const node = document.getIn(['topics', index, 'name'], true);
      const offset = isNode(node) && node.range ? node.range[0] : 0;
      throw new OversightError('step/bad-taxonomy', `${at(offset)}: expected distinct topic names, found \`${topic.name}\` twice`);
    }
    seen.add(topic.name);
  });
  const topics: Topic[] = parsed.data.topics.map((topic) => ({
    name: topic.name,
    description: topic.description ?? null,
    keywords: [...new Set(topic.keywords.map((keyword) => keyword.toLowerCase()))],
    aliases: topic.aliases ?? [],
  }));
  const lookup = new Map<string, string>();
  for (const topic of topics) {
    for (const key of [topic.name, ...topic.aliases]) {
      if (!lookup.has(key.toLowerCase())) lookup.set(key.toLowerCase(), topic.name);
    }
  }
  return {
    file: path,
    topics,
    topicOf: (value) => lookup.get(value.trim().toLowerCase()) ?? null,
    classify: (text) => classifyByKeywords(topics, text),
  };
}

const isWordChar = (code: number) => (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code > 127;

/** Occurrences of `keyword` in `text` (both lower-cased) with no letter or digit right around them. */
function occurrences(text: string, keyword: string): number {
  let count = 0;
  let from = 0;
  while (true) {
    const index = text.indexOf(keyword, from);
    if (index < 0) return count;
    const before = index > 0 ? text.charCodeAt(index - 1) : 32;
    const after = index + keyword.length < text.length ? text.charCodeAt(index + keyword.length) : 32;
    // A keyword that itself starts or ends with a non-word character (`\frac`, `%`) needs no boundary there.
    const startsWord = isWordChar(keyword.charCodeAt(0));
    const endsWord = isWordChar(keyword.charCodeAt(keyword.length - 1));
    // A word keyword right after a backslash is a LaTeX command (`left` in `\left(`), not the word.
    if ((!startsWord || (!isWordChar(before) && before !== 92)) && (!endsWord || !isWordChar(after))) count++;
    from = index + 1;
  }
}

/** The keyword classifier (see the file doc). */
export function classifyByKeywords(topics: readonly Topic[], text: string): string | null {
  const lower = text.toLowerCase();
  let best: { name: string; distinct: number; total: number } | null = null;
  for (const topic of topics) {
    let distinct = 0;
    let total = 0;
    for (const keyword of topic.keywords) {
      const found = occurrences(lower, keyword);
      if (found > 0) {
        distinct++;
        total += found;
      }
    }
    if (distinct === 0) continue;
    if (!best || distinct > best.distinct || (distinct === best.distinct && total > best.total))
      best = { name: topic.name, distinct, total };
  }
  return best?.name ?? null;
}
