/**
 * The three step-by-step target styles and their formatters:
 * - `abel`: numbered steps; step 1 restates the problem and the goal; each later step opens with what
 *   it relies on ("By problem", "By steps 2 and 3", "By the definition of …"); the last step is
 *   `N. [Final solution] Thus, … #### <answer>` (Abel's outputs, METHODS.md §1.2);
 * - `wizardmath`: `Step k: …` lines, then `The answer is: <answer>` (WizardMath, METHODS.md §3.2);
 * - `ultrainteract`: `Step k: …` lines, a blank line, then `Answer:` and `\boxed{<answer>}` on the
 *   next line (UltraInteract's Math_CoT actions, METHODS.md §2.4–2.5).
 */
import type { ExtractorName } from '../verify/math/extract.js';

/** Style names, for the step's `style` parameter. */
export const STEP_STYLES = ['abel', 'wizardmath', 'ultrainteract'] as const;
/** One target style. */
export type StepStyle = (typeof STEP_STYLES)[number];

/** The strict grader's extractor that reads each style's final answer, and only there. */
export const STYLE_EXTRACTOR: Record<StepStyle, ExtractorName> = {
  abel: 'abel',
  wizardmath: 'wizardmath',
  ultrainteract: 'boxed',
};

/** A solution laid out as steps, ready to be written in a style. */
export interface TargetPlan {
  /** Abel's step 1 ("The problem states that … We need to find out …"); other styles ignore it. */
  readonly restatement: string;
  /** The derivation, one text per step; `cite` is Abel's opening ("By problem,"), others ignore it. */
  readonly steps: ReadonlyArray<{ readonly text: string; readonly cite?: string }>;
  /** Abel's closing sentence after "[Final solution] Thus, " (ends with a period). */
  readonly conclusion: string;
  /** The final answer as it must be written after the style's marker. */
  readonly answer: string;
}

/** Writes a plan in `style`. */
export function formatTarget(style: StepStyle, plan: TargetPlan): string {
  switch (style) {
    case 'abel': {
      const lines = [`1. ${plan.restatement}`];
      plan.steps.forEach((step, index) => {
        lines.push(`${index + 2}. ${step.cite ? `${step.cite} ${step.text}` : step.text}`);
      });
      lines.push(`${plan.steps.length + 2}. [Final solution] Thus, ${plan.conclusion} #### ${plan.answer}`);
      return lines.join('\n');
    }
    case 'wizardmath':
      return [...plan.steps.map((step, index) => `Step ${index + 1}: ${step.text}`), `The answer is: ${plan.answer}`].join('\n');
    case 'ultrainteract':
      return `${plan.steps.map((step, index) => `Step ${index + 1}: ${step.text}`).join('\n')}\n\nAnswer:\n\\boxed{${plan.answer}}`;
  }
}
