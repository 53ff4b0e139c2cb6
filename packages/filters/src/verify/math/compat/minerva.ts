/**
 * The `minerva` compat grader: Minerva's answer check as lm-evaluation-harness implements it
 * (`lm_eval/tasks/minerva_math/utils.py`, metric `exact_match`):
 * 1. the answer is `(.*?)` in `Final Answer: The final answer is(.*?). I hope it is correct.`
 *    searched after appending `I hope it is correct.` (with no space before it, so a response must
 *    carry the closing sentence itself), stripped; `[invalidanswer]` when absent;
 * 2. Minerva's `normalize_final_answer` (Lewkowycz et al. 2022, appendix D) on it;
 * 3. the gold: the last `\boxed{}` (or `\boxed x`) of a solution if the string has one, else the
 *    string itself, normalized the same way (lm-eval stores it normalized; normalizing again leaves
 *    such golds unchanged);
 * 4. `is_equiv`: both must parse with SymPy's `parse_latex` (emulated) — a string it rejects is
 *    wrong even when identical to the gold (`40%` vs `40%`) — then `simplify(pred - gold) == 0`.
 */
import type { GradeReason, GradeResult, Grader } from '../types.js';
import { parseLatex } from './latex-parser.js';
import { normalizeFinalAnswer } from './minerva-normalize.js';
import { pyStrip } from './python-text.js';
import { sympyEqual } from './sympy-equal.js';

/** What lm-eval extracts when the response has no final-answer sentence. */
export const MINERVA_INVALID_ANSWER = '[invalidanswer]';

// Python's `.` is `[^\n]`; the two unescaped dots match any character.
const FINAL_ANSWER = /Final Answer: The final answer is([^\n]*?)[^\n] I hope it is correct[^\n]/u;

/** `get_unnormalized_answer`: the stripped answer, or `[invalidanswer]`. */
export function extractMinervaAnswer(response: string): string {
  const match = FINAL_ANSWER.exec(`${response}I hope it is correct.`);
  return match ? pyStrip(match[1]!) : MINERVA_INVALID_ANSWER;
}

/** lm-eval's `remove_boxed(last_boxed_only_string(solution))`; null where it returns None or asserts. */
export function minervaBoxedGold(solution: string): string | null {
  const start = solution.lastIndexOf('\\boxed');
  if (solution.includes('\\boxed ')) return solution.split('\\boxed ').at(-1)!.split('$')[0]!;
  let from = start;
  if (from < 0) from = solution.lastIndexOf('\\fbox');
  if (from < 0) return null;
  let depth = 0;
  for (let index = from; index < solution.length; index++) {
    const character = solution[index];
    if (character === '{') depth++;
    if (character === '}') {
      depth--;
      if (depth === 0) {
        const boxed = solution.slice(from, index + 1);
        return boxed.startsWith('\\boxed{') ? boxed.slice('\\boxed{'.length, -1) : null;
      }
    }
  }
  return null;
}

/** The `minerva` grader (see the module comment). */
export const minervaGrader: Grader = {
  name: 'minerva',
  summary: 'Minerva / lm-eval minerva_math: "The final answer is X. I hope it is correct.", Minerva normalization, SymPy equivalence.',
  grade(response: string, gold: string): GradeResult {
    const raw = extractMinervaAnswer(response);
    const extracted = raw === MINERVA_INVALID_ANSWER ? null : raw;
    const pred = normalizeFinalAnswer(raw);
    const goldAnswer = gold.includes('\\boxed') || gold.includes('\\fbox') ? minervaBoxedGold(gold) : gold;
    const normalizedGold = goldAnswer === null ? null : normalizeFinalAnswer(goldAnswer);
    const result = (correct: boolean, reason: GradeReason | null): GradeResult => ({
      correct,
      reason,
      extracted,
      pred: extracted === null ? null : pred,
      gold: normalizedGold,
    });
    if (normalizedGold === null || normalizedGold === '') return result(false, 'unparseable_gold');
    const predTree = parseLatex(pred);
    const goldTree = parseLatex(normalizedGold);
    if (predTree.ok && goldTree.ok && sympyEqual(predTree.node, goldTree.node)) return result(true, null);
    if (extracted === null || pred === '') return result(false, 'no_final_answer');
    if (!goldTree.ok) return result(false, 'unparseable_gold');
    if (!predTree.ok) return result(false, 'unparseable_answer');
    return result(false, 'answer_mismatch');
  },
};
