/**
 * Sentence splitting for math solutions and problems: a sentence ends at `.`, `!` or `?` followed by
 * white space and a capital, a digit, `$`, a quote or a bracket — never inside a calculator
 * annotation (`<<48/2=24>>`), a LaTeX math span (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`) or after a common
 * title or abbreviation (`Mr.`, `Dr.`, `e.g.`, `vs.`).
 */

/** Abbreviations whose period does not end a sentence (lower-cased, without the period). */
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'prof', 'vs', 'e.g', 'i.e', 'approx', 'fig', 'eq']);

/** Spans that never contain a sentence boundary, as [start, end) offsets. */
function protectedSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const patterns = [/<<[^<>]*>>/g, /\$\$(?![\d<])[\s\S]*?\$\$/g, /\\\[[\s\S]*?\\\]/g, /\\\([\s\S]*?\\\)/g, /\[asy\][\s\S]*?\[\/asy\]/g];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) spans.push([match.index, match.index + match[0].length]);
  }
  // `$…$` is math when it holds LaTeX or no sentence break; "$5 each. The clocks cost $15" is money.
  // Annotations are blanked first, so `$<<2*5=10>>10. Then $x$` is read as money, then math.
  const plain = text.replace(/<<[^<>]*>>/g, (annotation) => ' '.repeat(annotation.length));
  const inline = /(?<!\\)\$(?!\$)((?:\\.|[^$\\])*?)\$/g;
  for (let match = inline.exec(plain); match; match = inline.exec(plain)) {
    const content = match[1] as string;
    if (/[\\^_{}]/.test(content) || !/[.!?]\s/.test(content)) spans.push([match.index, match.index + match[0].length]);
    // Money: its closing `$` may open the math that follows.
    else inline.lastIndex = match.index + match[0].length - 1;
  }
  return spans;
}

/** The text with every protected span blanked (UTF-16 units, so offsets still line up). */
function masked(text: string): string {
  const units = text.split('');
  for (const [start, end] of protectedSpans(text)) for (let index = start; index < end; index++) units[index] = '_';
  return units.join('');
}

/** The word before offset `end` (letters and inner periods), lower-cased. */
function wordBefore(text: string, end: number): string {
  let start = end;
  while (start > 0 && /[A-Za-z.]/.test(text[start - 1] as string)) start--;
  return text.slice(start, end).toLowerCase();
}

/**
 * Splits `text` into sentences, each trimmed, none empty. Line breaks are kept inside a sentence
 * (callers split lines first when lines matter).
 */
export function splitSentences(text: string): string[] {
  const mask = masked(text);
  const sentences: string[] = [];
  let start = 0;
  const boundary = /[.!?]+["'”’)\]]*(?=\s+["'“‘([$\dA-Z])/g;
  for (const match of mask.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (match[0].startsWith('.') && match[0].length === 1) {
      const word = wordBefore(mask, match.index);
      // `Mr. Smith`, `e.g. The`: the period belongs to the abbreviation.
      if (ABBREVIATIONS.has(word.replace(/\.$/, ''))) continue;
    }
    const sentence = text.slice(start, end).trim();
    if (sentence) sentences.push(sentence);
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}

/** Collapses runs of white space (line breaks included) to one space. */
export function flatten(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
