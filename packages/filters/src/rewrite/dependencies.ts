/**
 * Which facts each solution step relies on, from its numbers: a number the problem states is "By
 * problem", a number first computed in step j is "By step j", a unit fact the problem does not state
 * (60 minutes in an hour) is "By the definition of an hour (1 hour = 60 minutes)". Abel's targets
 * cite these before each step (METHODS.md §1.2: "By problem", "By steps 2 and 3", "By definition").
 */
import { type Definition, definitionFor } from './definitions.js';
import { type Mention, numberMentions, type ProblemNumbers, problemNumbers, stripCalculator } from './numbers.js';
import { flatten, splitSentences } from './sentences.js';

/** What one step relies on. */
export interface Justification {
  /** The step uses a number the problem states. */
  readonly problem: boolean;
  /** Earlier steps whose results it uses (target numbering), ascending. */
  readonly steps: readonly number[];
  /** Unit facts it uses. */
  readonly definitions: readonly Definition[];
  /**
   * How the justification was found: `numbers` (traced), `previous` (a step without numbers of its
   * own continues the one before it), `untraced` (its numbers come from nowhere traceable).
   */
  readonly basis: 'numbers' | 'previous' | 'untraced';
}

interface Producer {
  readonly step: number;
  readonly unit: string | null;
  /** Content words of the producing step, for telling apart two sources of one number. */
  readonly words: ReadonlySet<string>;
}

/** Values never traced: too common to say where a fact comes from. */
const TRIVIAL = new Set(['0', '1']);

/** Words too common to tell two sentences apart. */
const COMMON = new Set(
  (
    'the and will was were has have had each for with that this she he they her his their them its are is how many much what ' +
    'total more less than then from into per all also there which who does did can would could should been being after before ' +
    'every one two three four five six seven eight nine ten some any other another only just about over under out each same ' +
    'number amount times time cost costs costing price total left remaining'
  ).split(' '),
);

/** Lower-cased content words of a text (three letters or more, common words left out). */
function contentWords(text: string): Set<string> {
  const words = new Set<string>();
  for (const word of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    const stem = word.length > 4 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
    if (!COMMON.has(stem) && !COMMON.has(word)) words.add(stem);
  }
  return words;
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string> | undefined): number {
  if (!b) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared;
}

/** Value → content words of the problem sentences that state it. */
function statedContexts(problem: string): Map<string, Set<string>> {
  const contexts = new Map<string, Set<string>>();
  for (const sentence of splitSentences(flatten(problem))) {
    const words = contentWords(sentence);
    for (const value of problemNumbers(sentence).keys()) {
      const known = contexts.get(value);
      if (known) for (const word of words) known.add(word);
      else contexts.set(value, new Set(words));
    }
  }
  return contexts;
}

/** The step's own mentions plus the inputs hidden in its calculator annotations. */
function stepNumbers(raw: string): { mentions: Mention[]; results: Set<string>; text: string } {
  const stripped = stripCalculator(raw);
  const mentions = numberMentions(stripped.text, stripped.annotationEnds);
  const results = new Set<string>(stripped.annotationResults);
  for (const mention of mentions) if (mention.result) results.add(mention.value);
  // Inputs only the annotation shows (`<<100*0.8=80>>80`): no unit, not a result of this step.
  for (const value of stripped.annotationInputs) {
    if (!mentions.some((mention) => mention.value === value)) {
      mentions.push({ value, start: -1, end: -1, unit: null, result: false });
    }
  }
  return { mentions, results, text: stripped.text };
}

/**
 * Traces the justification of each step (`steps` as written, annotations included). `firstNumber`
 * is the target number of `steps[0]` (2 for Abel, whose step 1 restates the problem).
 */
export function traceDependencies(problem: string, steps: readonly string[], firstNumber: number): Justification[] {
  const stated: ProblemNumbers = problemNumbers(problem);
  const statedWords = statedContexts(problem);
  const problemContext = problem.toLowerCase();
  const producers = new Map<string, Producer[]>();
  const justifications: Justification[] = [];
  let earlierText = '';
  steps.forEach((raw, index) => {
    const number = firstNumber + index;
    const { mentions, results, text } = stepNumbers(raw);
    const words = contentWords(text);
    // Unit words may come from the problem or any step so far ("An hour has …", then "A day has 24 …").
    const context = `${text.toLowerCase()}\n${problemContext}\n${earlierText}`;
    let problemUsed = false;
    const cited = new Set<number>();
    const definitions: Definition[] = [];
    const introduced: Mention[] = [];
    let inputs = 0;
    for (const mention of mentions) {
      // 0 and 1 ("1 hour", "1 bag") say nothing about where a step's facts come from.
      if (mention.result || results.has(mention.value) || TRIVIAL.has(mention.value)) continue;
      inputs++;
      const earlier = producers.get(mention.value) ?? [];
      const units = stated.get(mention.value);
      const unitMatchesStep = mention.unit !== null && earlier.some((producer) => producer.unit === mention.unit);
      const unitMatchesProblem = mention.unit !== null && units?.has(mention.unit) === true;
      if (units && unitMatchesProblem && !unitMatchesStep) {
        problemUsed = true;
        continue;
      }
      if (earlier.length > 0) {
        const chosen = (unitMatchesStep ? earlier.find((producer) => producer.unit === mention.unit) : earlier[0]) as Producer;
        // Stated and computed alike ("$15 each" and "= $15"): the source that shares more words wins.
        if (
          units &&
          unitMatchesStep === unitMatchesProblem &&
          overlap(words, statedWords.get(mention.value)) > overlap(words, chosen.words)
        ) {
          problemUsed = true;
          continue;
        }
        cited.add(chosen.step);
        continue;
      }
      if (units) {
        problemUsed = true;
        continue;
      }
      const fact = definitionFor(mention.value, context);
      if (fact) {
        if (!definitions.includes(fact)) definitions.push(fact);
        continue;
      }
      introduced.push(mention);
    }
    // A number that comes from nowhere is this step's own finding (mental arithmetic, a restated fact).
    for (const mention of [...introduced, ...mentions.filter((mention) => mention.result && !TRIVIAL.has(mention.value))]) {
      const list = producers.get(mention.value) ?? [];
      if (!list.some((producer) => producer.step === number)) list.push({ step: number, unit: mention.unit, words });
      producers.set(mention.value, list);
    }
    for (const value of results) {
      if (TRIVIAL.has(value)) continue;
      const list = producers.get(value) ?? [];
      if (!list.some((producer) => producer.step === number)) list.push({ step: number, unit: null, words });
      producers.set(value, list);
    }
    earlierText += `${text.toLowerCase()}\n`;
    if (problemUsed || cited.size > 0 || definitions.length > 0) {
      justifications.push({ problem: problemUsed, steps: [...cited].sort((a, b) => a - b), definitions, basis: 'numbers' });
    } else {
      // Nothing traced: the step continues the one before it (or reads the problem, when it is first).
      const basis = inputs === 0 ? 'previous' : 'untraced';
      justifications.push(
        index === 0
          ? { problem: true, steps: [], definitions: [], basis }
          : { problem: false, steps: [number - 1], definitions: [], basis },
      );
    }
  });
  return justifications;
}

/** `2` → "step 2"; `[2, 3]` → "steps 2 and 3"; `[2, 3, 4]` → "steps 2, 3, and 4" (Abel's wording). */
function stepList(steps: readonly number[]): string {
  if (steps.length === 1) return `step ${steps[0]}`;
  return `steps ${series(steps.map(String))}`;
}

/** "a", "a and b", "a, b, and c". */
function series(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
}

/**
 * The opening of a step: "By problem", "By steps 2 and 3", "By problem and step 2", "By the
 * definition of an hour (1 hour = 60 minutes)", with Abel's comma after it.
 */
export function justificationPhrase(justification: Justification): string {
  const items: string[] = [];
  if (justification.problem) items.push('problem');
  if (justification.steps.length > 0) items.push(stepList(justification.steps));
  for (const fact of justification.definitions) items.push(`the definition of ${fact.name} (${fact.fact})`);
  return `By ${series(items)},`;
}
