/**
 * Counts the reasoning steps of a solution, the `steps` signal of `difficulty/tier`. The rule, in
 * order (the first that applies decides):
 *
 * 1. Numbered steps: lines that open with `Step k` (`Step 3:`, `# Step 3:`, `**Step 3.**`) or with
 *    `k.` / `k)` and a space (Abel's `1. The problem states …`). The count is the number of such lines.
 * 2. Otherwise lines: non-empty lines, leaving out lines that only carry the final answer
 *    (`#### 18`, `The answer is: 18`, a lone `\boxed{18}`) or only a display-math fence (`$$`, `\[`, `\]`).
 * 3. Otherwise (one line of prose) sentences: pieces ending in `.`, `!` or `?` followed by a space or
 *    the end; a decimal point (`3.5`) does not end a sentence. A piece must hold a letter or a digit.
 *
 * An empty solution has no steps (the row has no `steps` signal).
 */

/** `Step 3:`, `# Step 3.`, `**Step 3**:`, `1.`, `2)` at the start of a line (markdown bold and headings allowed). */
const NUMBERED = /^\s*(?:#+\s*)?(?:\*\*|__)?\s*(?:step\s+\d+\b|\d{1,3}[.)](?=\s))/i;
/** A line that is only a final-answer marker or a display-math fence. */
const ANSWER_ONLY = /^\s*(?:#{4}\s*\S.*|the answer is:?\s*.*|\$*\\boxed\{.*\}\$*\.?|\$\$|\\\[|\\\])\s*$/i;
/** A sentence end: `.`, `!` or `?` (possibly closed by a quote or bracket) followed by whitespace or the end. */
const SENTENCE_END = /[.!?]["')\]]*(?=\s|$)/g;

/** Steps of a solution by the rule above; 0 when the text is empty. */
export function countSolutionSteps(text: string): number {
  const lines = text.split(/\r?\n/);
  const numbered = lines.filter((line) => NUMBERED.test(line)).length;
  if (numbered > 0) return numbered;
  const content = lines.filter((line) => line.trim() !== '' && !ANSWER_ONLY.test(line));
  if (content.length > 1) return content.length;
  const paragraph = content[0] ?? '';
  let count = 0;
  let start = 0;
  for (const match of paragraph.matchAll(SENTENCE_END)) {
    const end = (match.index ?? 0) + match[0].length;
    if (/[\p{L}\p{N}]/u.test(paragraph.slice(start, end))) count++;
    start = end;
  }
  if (/[\p{L}\p{N}]/u.test(paragraph.slice(start))) count++;
  return count;
}
