/**
 * Model mode's few-shot prompts, one per style: a system message with the style's rules, three
 * worked examples (our own problems: a multi-step count, a unit conversion the problem does not
 * state, a formula), then the row. Each example's source solution and target carry GSM8K calculator
 * annotations; `calculator: strip` removes them from both, `keep` leaves them and asks the model to
 * keep its own. WizardMath re-generated its SFT answers few-shot the same way (METHODS.md §3.1).
 */
import type { ChatMessage } from '@oversight/core';
import { stripCalculator } from './numbers.js';
import type { CalculatorMode } from './rules.js';
import type { StepStyle } from './styles.js';

/** One worked example: a problem, its source solution, its final answer and its target per style. */
export interface RewriteExample {
  readonly problem: string;
  readonly solution: string;
  readonly answer: string;
  readonly targets: Record<StepStyle, string>;
}

/** What the model is asked to rewrite. */
export interface RewriteInput {
  /** The problem, without its prompt template. */
  readonly problem: string;
  /** The source solution (the row's last assistant turn). */
  readonly solution: string;
  /** The gold final answer the target must keep. */
  readonly answer: string;
}

/** The worked examples, in the order they are shown. */
export const REWRITE_EXAMPLES: readonly RewriteExample[] = [
  {
    problem:
      'A baker makes 4 trays of muffins with 12 muffins on each tray. She sells 30 muffins in the morning and gives 6 muffins to her neighbors. How many muffins does she have left?',
    solution:
      'She makes 4 * 12 = <<4*12=48>>48 muffins.\nShe sells and gives away 30 + 6 = <<30+6=36>>36 muffins.\nShe has 48 - 36 = <<48-36=12>>12 muffins left.\n#### 12',
    answer: '12',
    targets: {
      abel: [
        '1. The problem states that a baker makes 4 trays of muffins with 12 muffins on each tray, sells 30 muffins in the morning and gives 6 muffins to her neighbors. We need to find out how many muffins she has left.',
        '2. By problem, she makes 4 trays of 12 muffins, which is 4 * 12 = <<4*12=48>>48 muffins.',
        '3. By problem, she sells 30 muffins and gives away 6 muffins, so 30 + 6 = <<30+6=36>>36 muffins are gone.',
        '4. By steps 2 and 3, she has 48 - 36 = <<48-36=12>>12 muffins left.',
        '5. [Final solution] Thus, the baker has 12 muffins left. #### 12',
      ].join('\n'),
      wizardmath: [
        'Step 1: The baker makes 4 trays with 12 muffins on each tray, so she makes 4 * 12 = <<4*12=48>>48 muffins.',
        'Step 2: She sells 30 muffins and gives away 6 muffins, so 30 + 6 = <<30+6=36>>36 muffins are gone.',
        'Step 3: She has 48 - 36 = <<48-36=12>>12 muffins left.',
        'The answer is: 12',
      ].join('\n'),
      ultrainteract: [
        'Step 1: First, find how many muffins the baker makes: 4 trays of 12 muffins is 4 * 12 = <<4*12=48>>48 muffins.',
        'Step 2: Next, find how many muffins are gone: she sells 30 and gives away 6, so 30 + 6 = <<30+6=36>>36 muffins.',
        'Step 3: Finally, subtract to find how many are left: 48 - 36 = <<48-36=12>>12 muffins.',
        '',
        'Answer:',
        '\\boxed{12}',
      ].join('\n'),
    },
  },
  {
    problem: 'A pump moves 15 liters of water every minute. How many liters of water does it move in 2 hours?',
    solution: '2 hours is 2 * 60 = <<2*60=120>>120 minutes.\nIt moves 15 * 120 = <<15*120=1800>>1800 liters.\n#### 1800',
    answer: '1800',
    targets: {
      abel: [
        '1. The problem states that a pump moves 15 liters of water every minute. We need to find out how many liters of water it moves in 2 hours.',
        '2. By problem and the definition of an hour (1 hour = 60 minutes), 2 hours is 2 * 60 = <<2*60=120>>120 minutes.',
        '3. By problem and step 2, the pump moves 15 liters in each of the 120 minutes, which is 15 * 120 = <<15*120=1800>>1800 liters.',
        '4. [Final solution] Thus, the pump moves 1800 liters of water in 2 hours. #### 1800',
      ].join('\n'),
      wizardmath: [
        'Step 1: One hour has 60 minutes, so 2 hours is 2 * 60 = <<2*60=120>>120 minutes.',
        'Step 2: The pump moves 15 liters every minute, so in 120 minutes it moves 15 * 120 = <<15*120=1800>>1800 liters.',
        'The answer is: 1800',
      ].join('\n'),
      ultrainteract: [
        'Step 1: The rate is given per minute, so convert the time to minutes: 1 hour is 60 minutes, so 2 hours is 2 * 60 = <<2*60=120>>120 minutes.',
        'Step 2: Multiply the rate by the time: 15 * 120 = <<15*120=1800>>1800 liters.',
        '',
        'Answer:',
        '\\boxed{1800}',
      ].join('\n'),
    },
  },
  {
    problem: 'A circle has a circumference of $10\\pi$ centimeters. What is its area, in square centimeters?',
    solution: 'The radius is $r = \\frac{10\\pi}{2\\pi} = 5$. The area is $\\pi r^2 = 25\\pi$, so the answer is $\\boxed{25\\pi}$.',
    answer: '25\\pi',
    targets: {
      abel: [
        '1. The problem states that a circle has a circumference of $10\\pi$ centimeters. We need to find out its area in square centimeters.',
        '2. By problem and the formula for the circumference of a circle ($C = 2\\pi r$), the radius is $r = \\frac{10\\pi}{2\\pi} = 5$ centimeters.',
        '3. By step 2 and the formula for the area of a circle ($A = \\pi r^2$), the area is $\\pi \\cdot 5^2 = 25\\pi$ square centimeters.',
        '4. [Final solution] Thus, the area of the circle is $25\\pi$ square centimeters. #### 25\\pi',
      ].join('\n'),
      wizardmath: [
        'Step 1: The circumference of a circle is $C = 2\\pi r$, so $2\\pi r = 10\\pi$ and the radius is $r = 5$.',
        'Step 2: The area of a circle is $A = \\pi r^2$, so the area is $\\pi \\cdot 5^2 = 25\\pi$.',
        'The answer is: 25\\pi',
      ].join('\n'),
      ultrainteract: [
        'Step 1: To find the area, we first need the radius, which the circumference gives: $C = 2\\pi r = 10\\pi$, so $r = 5$.',
        'Step 2: Then the area is $A = \\pi r^2 = \\pi \\cdot 5^2 = 25\\pi$.',
        '',
        'Answer:',
        '\\boxed{25\\pi}',
      ].join('\n'),
    },
  },
];

/** Each style's rules, as the system message states them. */
const STYLE_RULES: Record<StepStyle, readonly string[]> = {
  abel: [
    'Write numbered steps: "1. …", "2. …", one step per line.',
    'Step 1 restates the problem and the goal: "1. The problem states that … We need to find out …".',
    'Every later step begins by saying what it relies on: "By problem, …" for a fact the problem states; "By step 2, …" or "By steps 2 and 3, …" for results of earlier steps; "By the definition of …" or "By the formula for …" for knowledge the problem does not state (such as 1 hour = 60 minutes, or the area of a circle).',
    'The last step is "N. [Final solution] Thus, … #### <final answer>", with the final answer after "#### " on that same line.',
  ],
  wizardmath: [
    'Write one step per line as "Step 1: …", "Step 2: …", numbered from 1 without gaps.',
    'End with the line "The answer is: <final answer>" and nothing after it.',
  ],
  ultrainteract: [
    'Write one step per line as "Step 1: …", "Step 2: …", numbered from 1 without gaps.',
    'After the last step, leave an empty line, write the line "Answer:", and put "\\boxed{<final answer>}" alone on the next line, with nothing after it.',
  ],
};

/** The system message for `style`. */
export function systemPrompt(style: StepStyle, calculator: CalculatorMode): string {
  const rules = [
    ...STYLE_RULES[style],
    'Keep every calculation and every intermediate result of the reference solution; do not add, drop or change numbers.',
    'The final answer must be exactly the one given after "Final answer:".',
    calculator === 'keep'
      ? 'Keep the calculator annotations such as <<4*12=48>> right before the result they compute, as in the reference solution.'
      : 'Write calculations in plain text, without calculator annotations such as <<4*12=48>>.',
    'Write only the rewritten solution: no heading, nothing before the first step, nothing after the final answer.',
  ];
  return `You rewrite math solutions into a step-by-step format without changing their reasoning or their answer.\n\nRules:\n${rules
    .map((rule) => `- ${rule}`)
    .join('\n')}`;
}

/** The user message for one problem. */
export function userPrompt(input: RewriteInput): string {
  return `Problem:\n${input.problem.trim()}\n\nReference solution:\n${input.solution.trim()}\n\nFinal answer: ${input.answer.trim()}`;
}

/**
 * The chat messages asking the model to rewrite `input` in `style`: the system rules, the worked
 * examples as user/assistant turns, then the row. With `calculator: strip`, annotations are removed
 * from the examples and from the row's solution.
 */
export function rewritePrompt(style: StepStyle, input: RewriteInput, calculator: CalculatorMode): ChatMessage[] {
  const shown = (text: string) => (calculator === 'strip' ? stripCalculator(text).text : text);
  const messages: ChatMessage[] = [{ role: 'system', content: systemPrompt(style, calculator) }];
  for (const example of REWRITE_EXAMPLES) {
    messages.push({ role: 'user', content: userPrompt({ ...example, solution: shown(example.solution) }) });
    messages.push({ role: 'assistant', content: shown(example.targets[style]) });
  }
  messages.push({ role: 'user', content: userPrompt({ ...input, solution: shown(input.solution) }) });
  return messages;
}
