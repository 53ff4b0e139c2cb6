/**
 * Numbers in math text, for tracing which fact a solution step relies on: the numbers a step uses,
 * the numbers it computes (GSM8K calculator annotations `<<48/2=24>>24`, or the number after `=`),
 * the unit word after each, and the numbers a problem states (digits, fractions, percentages and
 * number words such as "twice", "half", "twenty-five").
 */

/** One number written in a text. */
export interface Mention {
  /** Canonical value (`1,000.50` → `1000.5`). */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** The noun after the number (singular, lower-cased; `dollar` after `$`, `percent` for `%`), or null. */
  readonly unit: string | null;
  /** True when the text computes this number here (after `=` or a calculator annotation). */
  readonly result: boolean;
}

/** A solution step's text with its calculator annotations removed, and what they said. */
export interface Stripped {
  /** The text without `<<…>>` annotations. */
  readonly text: string;
  /** Offsets in `text` where an annotation was (its result is written right after). */
  readonly annotationEnds: ReadonlySet<number>;
  /** Canonical values of the numbers inside the annotations' expressions (inputs of the step). */
  readonly annotationInputs: readonly string[];
  /** Canonical values of the annotations' results. */
  readonly annotationResults: readonly string[];
}

/** Words that follow a number without naming what it counts. */
const NOT_UNITS = new Set([
  'and',
  'or',
  'of',
  'to',
  'per',
  'each',
  'times',
  'x',
  'is',
  'are',
  'was',
  'were',
  'in',
  'on',
  'at',
  'for',
  'from',
  'by',
  'more',
  'less',
  'fewer',
  'than',
  'the',
  'a',
  'an',
  'so',
  'then',
  'that',
  'which',
  'as',
  'with',
  'left',
  'total',
  'altogether',
  'plus',
  'minus',
  'divided',
  'multiplied',
  'equals',
]);

/** Canonical form of a written number: commas dropped, trailing zeros gone; null when not finite. */
export function canonicalNumber(text: string): string | null {
  const cleaned = text.replaceAll(',', '');
  if (!/^\d*\.?\d+$|^\d+\.$/.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isFinite(value) ? String(value) : null;
}

/** A number as a canonical value string (for derived values such as `80%` → `0.8`). */
function canonicalValue(value: number): string | null {
  if (!Number.isFinite(value)) return null;
  return String(Number(value.toPrecision(12)));
}

/** Removes GSM8K calculator annotations (`<<expr=result>>`), keeping what they computed. */
export function stripCalculator(raw: string): Stripped {
  const annotationEnds = new Set<number>();
  const annotationInputs: string[] = [];
  const annotationResults: string[] = [];
  let text = '';
  let last = 0;
  for (const match of raw.matchAll(/<<([^<>]*)>>/g)) {
    text += raw.slice(last, match.index);
    annotationEnds.add(text.length);
    last = match.index + match[0].length;
    const body = match[1] as string;
    const equals = body.lastIndexOf('=');
    const expression = equals < 0 ? body : body.slice(0, equals);
    for (const number of expression.matchAll(/\d[\d,]*(?:\.\d+)?|\.\d+/g)) {
      const value = canonicalNumber(number[0]);
      if (value !== null) annotationInputs.push(value);
    }
    if (equals >= 0) {
      const value = canonicalNumber(
        body
          .slice(equals + 1)
          .trim()
          .replace(/^-/, ''),
      );
      if (value !== null) annotationResults.push(value);
    }
  }
  text += raw.slice(last);
  return { text, annotationEnds, annotationInputs, annotationResults };
}

/** Singular lower-cased noun, or null for a word that names no unit. */
function unitWord(word: string): string | null {
  const lower = word.toLowerCase();
  if (NOT_UNITS.has(lower)) return null;
  if (lower.length > 3 && lower.endsWith('ies')) return `${lower.slice(0, -3)}y`;
  if (lower.length > 3 && lower.endsWith('s') && !lower.endsWith('ss')) return lower.slice(0, -1);
  return lower;
}

/** The text as analysed: `12x5` and `12×5` read as products (same length, so offsets hold). */
function analysable(text: string): string {
  return text.replace(/(\d)\s?[x×](?=\s?\d)/g, (whole) => whole.replace(/[x×]/, '*'));
}

const NUMBER = /(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)|(?<![\w.\d])\.\d+/g;

/**
 * Every number in `text` (annotations already stripped), with its unit and whether it is computed
 * here: right after a removed annotation, or after `=` and not followed by an operator (so the `3`
 * of `= 3 + 4 = 7` is an input and the `7` a result).
 */
export function numberMentions(text: string, annotationEnds: ReadonlySet<number> = new Set()): Mention[] {
  const analysed = analysable(text);
  const mentions: Mention[] = [];
  for (const match of analysed.matchAll(NUMBER)) {
    const value = canonicalNumber(match[0]);
    if (value === null) continue;
    const start = match.index;
    const end = start + match[0].length;
    const before = analysed.slice(0, start);
    const after = analysed.slice(end);
    const dollar = /\$\s?$/.test(before);
    const annotated = annotationEnds.has(start) || (dollar && annotationEnds.has(before.replace(/\$\s?$/, '').length));
    const afterEquals = /=\s*[$(]?\s*$/.test(before);
    const operatorNext = /^\s*%?\)?\s*[-+*/×÷^=]/.test(after) || /^\s*(?:times|plus|minus|divided|multiplied)\b/.test(after);
    let unit: string | null = null;
    if (/^\s*%/.test(after) || /^\s*percent\b/i.test(after)) unit = 'percent';
    else if (dollar) unit = 'dollar';
    else {
      const word = /^\s*-?\s*([A-Za-z]+)/.exec(after);
      unit = word ? unitWord(word[1] as string) : null;
    }
    mentions.push({ value, start, end, unit, result: annotated || (afterEquals && !operatorNext) });
  }
  return mentions;
}

const ONES: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = { hundred: 100, thousand: 1000, million: 1_000_000 };
/** Words that state a number without digits ("twice as many" is a 2, "half" a 2 and a 0.5). */
const MULTIPLIERS: Record<string, number[]> = {
  half: [2, 0.5],
  halves: [2, 0.5],
  halved: [2, 0.5],
  twice: [2],
  double: [2],
  doubles: [2],
  doubled: [2],
  triple: [3],
  triples: [3],
  tripled: [3],
  thrice: [3],
  quadruple: [4],
  quadrupled: [4],
  third: [3],
  thirds: [3],
  quarter: [4, 0.25],
  quarters: [4, 0.25],
  fourth: [4],
  fourths: [4],
  fifth: [5],
  fifths: [5],
  tenth: [10],
  tenths: [10],
};

/** Numbers a problem states: value → the unit words written after it (empty when none). */
export type ProblemNumbers = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The numbers a problem states: digits (with `80%` also as `0.8`, `3/4` also as `0.75`), number
 * words (`twenty-five`, `a hundred`) and multiplier words (`twice`, `half`, `triple`, `quarter`).
 */
export function problemNumbers(problem: string): ProblemNumbers {
  const numbers = new Map<string, Set<string>>();
  const add = (value: string | null, unit: string | null) => {
    if (value === null) return;
    let units = numbers.get(value);
    if (!units) {
      units = new Set();
      numbers.set(value, units);
    }
    if (unit) units.add(unit);
  };
  const { text } = stripCalculator(problem);
  for (const mention of numberMentions(text)) {
    add(mention.value, mention.unit);
    if (mention.unit === 'percent') add(canonicalValue(Number(mention.value) / 100), null);
  }
  for (const fraction of text.matchAll(/(?<![\w.])(\d+)\s*\/\s*(\d+)(?![\w.])/g)) {
    const denominator = Number(fraction[2]);
    if (denominator !== 0) add(canonicalValue(Number(fraction[1]) / denominator), null);
  }
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    const next = words[index + 1];
    const unit = next ? unitWord(next) : null;
    if (word in MULTIPLIERS) for (const value of MULTIPLIERS[word] as number[]) add(canonicalValue(value), null);
    let value: number | undefined;
    if (word in TENS) {
      value = TENS[word] as number;
      if (next && next in ONES && (ONES[next] as number) < 10) value += ONES[next] as number;
    } else if (word in ONES) value = ONES[word];
    else if (word in SCALES && (index === 0 || words[index - 1] === 'a')) value = SCALES[word];
    if (value === undefined) continue;
    add(canonicalValue(value), unit);
    const scale = next ? SCALES[next] : undefined;
    if (scale !== undefined) add(canonicalValue(value * scale), words[index + 2] ? unitWord(words[index + 2] as string) : null);
  }
  return numbers;
}
