/**
 * The style lint: does a target follow its step style (`styles.ts`)? It returns the first broken
 * rule with a message that says what was expected and what was found, or null for a well-formed
 * target. The `rewrite/steps` step drops a target that fails it (`bad_step_format`).
 */
import { lastBoxed } from '@oversight/core';
import type { StepStyle } from './styles.js';

/** The rule a malformed target breaks. */
export type LintRule =
  /** The target is blank. */
  | 'empty'
  /** The first line is not step 1. */
  | 'first_step'
  /** A step number does not follow the one before it. */
  | 'numbering'
  /** A step has no text. */
  | 'empty_step'
  /** Abel: fewer than three steps (restatement, derivation, final solution). */
  | 'too_few_steps'
  /** Abel: step 1 does not restate the problem or name the goal. */
  | 'restatement'
  /** Abel: a middle step does not say what it relies on. */
  | 'dependency'
  /** Abel: a step cites itself or a later step. */
  | 'forward_reference'
  /** Abel: the last step is not `[Final solution] …`, or an earlier one is. */
  | 'final_step'
  /** The style's final-answer line is missing or empty. */
  | 'final_line'
  /** A final-answer marker appears before the final line, or another style's marker appears. */
  | 'stray_marker'
  /** Abel: the text says `Question`, where Abel's evaluation cuts the response (METHODS.md §1.5). */
  | 'truncation';

/** A broken rule and what was found. */
export interface LintProblem {
  readonly rule: LintRule;
  readonly message: string;
}

/** Longest piece of a line quoted in a message. */
const QUOTED = 60;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `“${flat.length > QUOTED ? `${flat.slice(0, QUOTED - 1)}…` : flat}”`;
}

const problem = (rule: LintRule, message: string): LintProblem => ({ rule, message });

/** Abel's justification openings (METHODS.md §1.2), anywhere in the step. */
const DEPENDENCY =
  /\bby (?:(?:the )?problem\b|steps? \d|(?:the )?definitions?\b|the (?:formula|property|properties|rule|law|theorem|fact|given|identity)\b|(?:observation|calculation|substitution|assumption|prime factorization|symmetry)\b)/i;
const GOAL = /\b(?:need to|needs to|asked to|asks|wants? to|find|determine|calculate|compute)\b/i;
/**
 * A step citation: "step 2" (one step, or "step 2 and 3"), "steps 2 and 3", "steps 2, 3, and 4". A
 * plural list ends at its "and N", so "By step 4, 19, 29 and 39 are prime" cites step 4 alone; a
 * number with a thousands separator ("step 2, 45,000") is never a step.
 */
const STEP_REFERENCE =
  /\bstep\s+(\d+(?![\d,.]?\d)(?:\s+and\s+\d+(?![\d,.]?\d))?)|\bsteps\s+(\d+(?![\d,.]?\d)(?:\s*,\s*\d+(?![\d,.]?\d))*\s*,?\s*and\s+\d+(?![\d,.]?\d)|\d+(?![\d,.]?\d))/gi;

interface ParsedStep {
  readonly number: number;
  /** The step's text: its first line after the number, and its continuation lines. */
  readonly text: string;
}

/** Lints an Abel target (`1. …` … `N. [Final solution] … #### <answer>`). */
function lintAbel(lines: readonly string[]): LintProblem | null {
  const first = lines[0] as string;
  if (!/^1\.(?:\s|$)/.test(first)) {
    return problem('first_step', `expected step 1 (\`1. The problem states that …\`) on the first line, found ${quote(first)}`);
  }
  const steps: Array<{ number: number; parts: string[] }> = [];
  for (const line of lines) {
    const numbered = /^(\d+)\.(?:\s+(.*))?$/.exec(line);
    if (numbered) {
      const number = Number(numbered[1]);
      const previous = steps.at(-1)?.number ?? 0;
      if (number !== previous + 1) return problem('numbering', `step ${number} follows step ${previous}`);
      steps.push({ number, parts: [numbered[2] ?? ''] });
    } else steps.at(-1)?.parts.push(line);
  }
  const parsed: ParsedStep[] = steps.map((step) => ({ number: step.number, text: step.parts.join('\n').trim() }));
  const empty = parsed.find((step) => step.text === '');
  if (empty) return problem('empty_step', `step ${empty.number} is empty`);
  const last = lines.at(-1) as string;
  const final = /(?:^|\s)####\s*(\S.*)?$/.exec(last);
  if (!final?.[1]?.trim()) return problem('final_line', `no \`#### <answer>\` final line (found ${quote(last)})`);
  const marker = parsed.findIndex((step) => step.text.includes('####'));
  const lastStep = parsed.at(-1) as ParsedStep;
  if (marker >= 0 && (parsed[marker] as ParsedStep).text.split('####').length > 2) {
    return problem('stray_marker', `\`####\` appears more than once in step ${(parsed[marker] as ParsedStep).number}`);
  }
  if (marker >= 0 && marker < parsed.length - 1) {
    return problem('stray_marker', `\`####\` in step ${(parsed[marker] as ParsedStep).number}, before the final line`);
  }
  const cut = parsed.find((step) => step.text.includes('Question'));
  if (cut) {
    return problem(
      'truncation',
      `step ${cut.number} says \`Question\`, where Abel's evaluation cuts the response (its \`#### <answer>\` would never be read)`,
    );
  }
  if (parsed.length < 3) {
    return problem('too_few_steps', `abel needs at least 3 steps (restatement, derivation, final solution), found ${parsed.length}`);
  }
  if (!lastStep.text.startsWith('[Final solution]')) {
    return problem(
      'final_step',
      `the last step (${lastStep.number}) does not start with \`[Final solution]\`, found ${quote(lastStep.text)}`,
    );
  }
  const early = parsed.slice(0, -1).find((step) => step.text.includes('[Final solution]'));
  if (early) return problem('final_step', `step ${early.number} says \`[Final solution]\` before the last step (${lastStep.number})`);
  const restatement = (parsed[0] as ParsedStep).text;
  if (!/\bproblem\b/i.test(restatement)) {
    return problem('restatement', `step 1 does not restate the problem (\`The problem states that …\`), found ${quote(restatement)}`);
  }
  if (!GOAL.test(restatement))
    return problem('restatement', `step 1 states no goal (\`We need to find out …\`), found ${quote(restatement)}`);
  for (const step of parsed.slice(1, -1)) {
    if (!DEPENDENCY.test(step.text)) {
      return problem(
        'dependency',
        `abel step ${step.number} states no dependency (\`By problem\`, \`By step j\`, \`By the definition of …\`, \`By the formula for …\`), found ${quote(step.text)}`,
      );
    }
  }
  for (const step of parsed.slice(1)) {
    for (const reference of step.text.matchAll(STEP_REFERENCE)) {
      for (const cited of (reference[1] ?? reference[2] ?? '').match(/\d+/g) ?? []) {
        if (Number(cited) >= step.number) {
          return problem('forward_reference', `step ${step.number} cites step ${cited}, which does not come before it`);
        }
      }
    }
  }
  return null;
}

/** The `Step k:` numbering shared by WizardMath and UltraInteract (`# Step k:` inside code blocks). */
function lintStepLines(lines: readonly string[], style: StepStyle): LintProblem | null {
  const first = lines[0] as string;
  if (!/^Step 1\s*:/.test(first)) return problem('first_step', `expected \`Step 1: …\` on the first line, found ${quote(first)}`);
  let previous = 0;
  let inCode = false;
  let current: { number: number; text: string } | null = null;
  const check = (step: { number: number; text: string } | null): LintProblem | null =>
    step && step.text.trim() === '' ? problem('empty_step', `step ${step.number} is empty`) : null;
  for (const line of lines) {
    if (line.trimStart().startsWith('```')) {
      inCode = !inCode;
      if (current) current.text += line;
      continue;
    }
    const numbered = inCode ? /^\s*#\s*Step\s+(\d+)\s*:(.*)$/.exec(line) : /^Step\s+(\d+)\s*:(.*)$/.exec(line);
    if (numbered) {
      const failure = check(current);
      if (failure) return failure;
      const number = Number(numbered[1]);
      if (number !== previous + 1) return problem('numbering', `step ${number} follows step ${previous}`);
      previous = number;
      current = { number, text: numbered[2] ?? '' };
    } else if (current && !isFinalLine(style, line)) current.text += line;
  }
  return check(current);
}

function isFinalLine(style: StepStyle, line: string): boolean {
  return style === 'wizardmath' ? /^The answer is:/i.test(line) : /^Answer:\s*$/.test(line) || /^\\boxed\{/.test(line);
}

/** Lints a WizardMath target (`Step k: …` lines, then `The answer is: <answer>`). */
function lintWizardMath(lines: readonly string[]): LintProblem | null {
  const last = lines.at(-1) as string;
  const final = /^The answer is:\s*(\S.*)?$/.exec(last);
  if (!final?.[1]) return problem('final_line', `no \`The answer is: <answer>\` final line (found ${quote(last)})`);
  const early = lines.slice(0, -1).findIndex((line) => /the answer is:/i.test(line));
  if (early >= 0) return problem('stray_marker', `\`The answer is:\` before the final line (line ${early + 1})`);
  if (lines.some((line) => line.includes('####'))) return problem('stray_marker', '`####` in a wizardmath target (the Abel/GSM8K marker)');
  return lintStepLines(lines, 'wizardmath');
}

/** Lints an UltraInteract target (`Step k: …` lines, then `Answer:` and `\boxed{<answer>}`). */
function lintUltraInteract(lines: readonly string[]): LintProblem | null {
  const last = lines.at(-1) as string;
  const before = lines.at(-2);
  const boxed = lastBoxed(last);
  const closing = boxed !== undefined && last.trim() === `\\boxed{${boxed}}` && boxed.trim() !== '';
  if (!closing || before === undefined || !/^Answer:\s*$/.test(before)) {
    return problem('final_line', `no \`Answer:\` line followed by \`\\boxed{<answer>}\` at the end (found ${quote(last)})`);
  }
  const early = lines.slice(0, -2).findIndex((line) => /^\s*Answer\s*:/i.test(line));
  if (early >= 0) return problem('stray_marker', `\`Answer:\` before the final answer (line ${early + 1})`);
  if (lines.some((line) => line.includes('####')))
    return problem('stray_marker', '`####` in an ultrainteract target (the Abel/GSM8K marker)');
  return lintStepLines(lines, 'ultrainteract');
}

/**
 * Checks `target` against `style`; null when well-formed, else the first broken rule. Blank lines
 * and trailing spaces are ignored; line numbers in messages count non-blank lines.
 */
export function lintTarget(style: StepStyle, target: string): LintProblem | null {
  const lines = target
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length === 0) return problem('empty', 'the target is empty');
  switch (style) {
    case 'abel':
      return lintAbel(lines);
    case 'wizardmath':
      return lintWizardMath(lines);
    case 'ultrainteract':
      return lintUltraInteract(lines);
  }
}
