/**
 * Rules mode: rewrites a GSM8K-style solution into a step style without a model. The solution is cut
 * into steps (lines, then sentences; a sentence without a number joins its neighbour), calculator
 * annotations are stripped or kept, and the final answer comes from `#### N` (else the last
 * `\boxed{}`, else the last number). For Abel, step 1 restates the problem, each step opens with
 * what its numbers rely on (`dependencies.ts`), and the closing step restates the last result with
 * its arithmetic collapsed ("Thus, Natalia sold 72 clips altogether in April and May. #### 72").
 */
import { justificationPhrase, traceDependencies } from './dependencies.js';
import { canonicalNumber, numberMentions, stripCalculator } from './numbers.js';
import { lowerFirst, problemText, restateProblem } from './problem.js';
import { type ParsedSolution, parseSolution } from './solution.js';
import { formatTarget, type StepStyle } from './styles.js';

/** What to do with GSM8K calculator annotations (`<<48/2=24>>`) in the target. */
export type CalculatorMode = 'keep' | 'strip';

/** A rules-mode rewrite, or why there is none. */
export type RulesRewrite =
  | {
      readonly ok: true;
      readonly target: string;
      readonly solution: ParsedSolution;
      /** Abel: steps whose numbers trace to nothing, so they cite the step before them. */
      readonly untraced: number;
    }
  | { readonly ok: false; readonly message: string };

/** Openers that only link a step to the one before; Abel's "By …," does that job instead. */
const CONNECTIVE = /^(?:so|then|thus|therefore|hence|and|now|also|next|finally|(?:that|this|which) means(?: that)?|that is)\b,?\s+/i;

/** `text` without leading linking words ("So then she …" → "she …"), unless nothing would be left. */
export function dropConnective(text: string): string {
  let current = text;
  for (;;) {
    const match = CONNECTIVE.exec(current);
    if (!match || match[0].length >= current.length) return current;
    current = current.slice(match[0].length);
  }
}

/** Ends a step with a period when it ends in a word, a number or a bracket. */
function sentenceEnd(text: string): string {
  return /[\w)%]$/.test(text) ? `${text}.` : text;
}

const NUMBERISH = /^[$(]*(?:\d[\d,]*(?:\.\d+)?|\.\d+)%?\)*$/;
const OPERATOR = /^[-+*/×÷^]$/;
const COMPACT = /^[$(]*(?:\d[\d,]*(?:\.\d+)?|\.\d+)%?\)*(?:[-+*/×÷x^][$(]*(?:\d[\d,]*(?:\.\d+)?|\.\d+)%?\)*)+$/;

/**
 * Removes the arithmetic before each `=` whose left side is all numbers and operators: "Natalia sold
 * 48+24 = 72 clips" → "Natalia sold 72 clips". An `=` with words on its left stays.
 */
export function collapseEquations(text: string): string {
  const tokens = text
    .replace(/\s*=\s*/g, ' = ')
    .split(/\s+/)
    .filter(Boolean);
  let index = 0;
  while (index < tokens.length) {
    if (tokens[index] !== '=') {
      index++;
      continue;
    }
    let start = index;
    for (let left = index - 1; left >= 0; left--) {
      const token = tokens[left] as string;
      const times = (token === 'x' || token === '×') && left > 0 && NUMBERISH.test(tokens[left - 1] as string);
      if (NUMBERISH.test(token) || OPERATOR.test(token) || COMPACT.test(token) || times || token === '(' || token === ')') {
        start = left;
      } else break;
    }
    if (start === index) {
      index++;
      continue;
    }
    tokens.splice(start, index - start + 1);
    index = start;
  }
  return tokens.join(' ');
}

/** The answer as written in a sentence: LaTeX goes between `$`. */
function spoken(answer: string): string {
  return /[\\^_{}]/.test(answer) && !answer.startsWith('$') ? `$${answer}$` : answer;
}

/** A trailing reason that only repeats the arithmetic: "… worth $64 because 64." */
const BARE_REASON = /,?\s+(?:because|since|as|so)\s+\$?\d[\d,]*(?:\.\d+)?%?[.!]?$/i;

/**
 * Abel's closing sentence: the last step with its arithmetic collapsed, when that leaves a plain
 * sentence (two words or more, no LaTeX) stating the answer; otherwise "the answer is X.".
 */
export function conclusionFor(lastStep: string | undefined, answer: string, context?: string): string {
  const fallback = `the answer is ${spoken(answer)}.`;
  if (!lastStep) return fallback;
  const collapsed = dropConnective(collapseEquations(stripCalculator(lastStep).text).replace(BARE_REASON, ''));
  const value = canonicalNumber(answer.replace(/^\$/, ''));
  const states = value !== null && numberMentions(collapsed).some((mention) => mention.value === value);
  const words = (collapsed.match(/[A-Za-z]{2,}/g) ?? []).length;
  // LaTeX is left alone (a `$` not before a number opens math): collapsing inside it could break it.
  if (!states || words < 2 || /[=\\]|\$(?!\s?\d|\.\d)/.test(collapsed) || collapsed.length > 300) return fallback;
  return sentenceEnd(lowerFirst(collapsed, context)).replace(/[!?]$/, '.');
}

/**
 * Rewrites `solution` (the last assistant turn) into `style`. `userTurn` is the prompt turn holding
 * the problem (Abel restates it and traces numbers back to it).
 */
export function rewriteByRules(style: StepStyle, userTurn: string, solution: string, calculator: CalculatorMode): RulesRewrite {
  const parsed = parseSolution(solution);
  if (parsed.answer === null) {
    return { ok: false, message: 'the solution states no final answer (no `#### N`, no `\\boxed{}`, no number)' };
  }
  const shown = (raw: string) => sentenceEnd((calculator === 'strip' ? stripCalculator(raw).text : raw).replace(/\s+/g, ' ').trim());
  const problem = problemText(userTurn);
  if (style !== 'abel') {
    const steps = parsed.steps.map((raw) => ({ text: shown(raw) }));
    const target = formatTarget(style, { restatement: '', steps, conclusion: '', answer: parsed.answer });
    return { ok: true, target, solution: parsed, untraced: 0 };
  }
  const justifications = traceDependencies(problem, parsed.steps, 2);
  const context = `${problem}\n${solution}`;
  const steps = parsed.steps.map((raw, index) => ({
    cite: justificationPhrase(justifications[index] as NonNullable<(typeof justifications)[number]>),
    text: lowerFirst(dropConnective(shown(raw)), context),
  }));
  const target = formatTarget('abel', {
    restatement: restateProblem(problem),
    steps,
    conclusion: conclusionFor(parsed.steps.at(-1), parsed.answer, context),
    answer: parsed.answer,
  });
  const untraced = justifications.filter((justification) => justification.basis === 'untraced').length;
  return { ok: true, target, solution: parsed, untraced };
}
