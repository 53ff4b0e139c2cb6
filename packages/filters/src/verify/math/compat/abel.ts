/**
 * The `abel` compat grader: GAIR-NLP/abel's `evaluation/inference.py` (`test_answer`) with
 * `evaluation/math_normalization.py`, reproduced decision for decision so that Abel's published
 * accuracies re-derive from its stored outputs (docs/compat-graders.md). In order:
 * 1. cut the response at the first `Question` (a hallucinated next question);
 * 2. `re.findall("#### (.*)$", …)` without MULTILINE: only a `####` on the last line counts, and a
 *    response ending in two newlines after it has no answer; take the last match; if it contains
 *    `</s>`, drop its last four characters;
 * 3. Minerva's `normalize_final_answer` (plus Abel's `\%` → `%`) on the answer and on the gold;
 * 4. `check_sympy_equivalence(gold, pred)`: if SymPy's `parse_latex` rejects either string, exact
 *    string equality; otherwise `simplify(gold - pred) == 0` (emulated, see `latex-parser.ts` and
 *    `sympy-equal.ts`): `55.50` = `55.5`, `A,B` = `A`, `10.` ≠ `10` (it reads as 1).
 * One deliberate difference: an empty normalized gold is `unparseable_gold` (the reference would
 * match it against an empty answer).
 */
import type { GradeReason, GradeResult, Grader } from '../types.js';
import { parseLatex } from './latex-parser.js';
import { normalizeFinalAnswer } from './minerva-normalize.js';
import { codePoints } from './python-text.js';
import { sympyEqual } from './sympy-equal.js';

const MARKER = '#### ';

/**
 * Abel's answer extraction: the text after the first `#### ` on the response's last line (the line
 * before a single trailing newline), after cutting at `Question` and dropping a `</s>` tail; null
 * when there is none (Abel then grades the empty string).
 */
export function extractAbelAnswer(response: string): string | null {
  const questionAt = response.indexOf('Question');
  const text = questionAt >= 0 ? response.slice(0, questionAt) : response;
  // Without MULTILINE, `$` matches only at the end or before one final newline, and `.` stops at `\n`.
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lastLine = body.slice(body.lastIndexOf('\n') + 1);
  const markerAt = lastLine.indexOf(MARKER);
  if (markerAt < 0) return null;
  const answer = lastLine.slice(markerAt + MARKER.length);
  return answer.includes('</s>') ? codePoints(answer).slice(0, -4).join('') : answer;
}

/** Abel's `normalize_final_answer`: Minerva's, with `\%` → `%`. */
export function normalizeAbelAnswer(answer: string): string {
  return normalizeFinalAnswer(answer, { percentEscape: true });
}

/** Abel's `check_sympy_equivalence(gold, pred)` on normalized strings, and whether each side parsed. */
export function abelEquivalence(gold: string, pred: string): { equal: boolean; goldParsed: boolean; predParsed: boolean } {
  const goldTree = parseLatex(gold);
  const predTree = parseLatex(pred);
  if (!goldTree.ok || !predTree.ok) return { equal: gold === pred, goldParsed: goldTree.ok, predParsed: predTree.ok };
  return { equal: sympyEqual(goldTree.node, predTree.node), goldParsed: true, predParsed: true };
}

/** The `abel` grader (see the module comment). */
export const abelGrader: Grader = {
  name: 'abel',
  summary: "Abel's evaluator: last-line `#### answer`, Minerva normalization, SymPy parse_latex equivalence (quirks kept).",
  grade(response: string, gold: string): GradeResult {
    const extracted = extractAbelAnswer(response);
    const pred = normalizeAbelAnswer(extracted ?? '');
    const normalizedGold = normalizeAbelAnswer(gold);
    const result = (correct: boolean, reason: GradeReason | null): GradeResult => ({
      correct,
      reason,
      extracted,
      pred: extracted === null ? null : pred,
      gold: normalizedGold,
    });
    if (normalizedGold === '') return result(false, 'unparseable_gold');
    const equivalence = abelEquivalence(normalizedGold, pred);
    if (equivalence.equal) return result(true, null);
    if (extracted === null || pred === '') return result(false, 'no_final_answer');
    if (!equivalence.predParsed && equivalence.goldParsed) return result(false, 'unparseable_answer');
    return result(false, 'answer_mismatch');
  },
};
