import { describe, expect, it } from 'vitest';
import { createStrictGrader } from '../verify/math/strict.js';
import { lintTarget } from './lint.js';
import { REWRITE_EXAMPLES, rewritePrompt, systemPrompt } from './prompts.js';
import { STEP_STYLES, STYLE_EXTRACTOR } from './styles.js';

const input = { problem: 'Ann has 3 cats. How many legs?', solution: 'They have 3 * 4 = <<3*4=12>>12 legs.\n#### 12', answer: '12' };

describe('rewrite prompts', () => {
  it('every worked example is a well-formed target of its style that keeps its answer, with or without annotations', () => {
    for (const style of STEP_STYLES) {
      const grader = createStrictGrader({ extract: [STYLE_EXTRACTOR[style]] });
      for (const calculator of ['keep', 'strip'] as const) {
        const messages = rewritePrompt(style, input, calculator);
        REWRITE_EXAMPLES.forEach((example, index) => {
          const shown = messages[2 + 2 * index]?.content ?? '';
          expect(lintTarget(style, shown), `${style} example ${index + 1} (${calculator})`).toBeNull();
          expect(grader.grade(shown, example.answer).correct, `${style} example ${index + 1}`).toBe(true);
          expect(shown.includes('<<'), `${style} example ${index + 1} annotations`).toBe(calculator === 'keep' && index < 2);
        });
      }
    }
  });

  it('system rules, three example pairs, then the row: problem, solution (annotations stripped) and final answer', () => {
    const messages = rewritePrompt('wizardmath', input, 'strip');
    expect(messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(messages.at(-1)?.content).toBe(
      'Problem:\nAnn has 3 cats. How many legs?\n\nReference solution:\nThey have 3 * 4 = 12 legs.\n#### 12\n\nFinal answer: 12',
    );
    expect(messages[1]?.content).toMatch(/^Problem:\nA baker makes 4 trays.*\n\nReference solution:\nShe makes 4 \* 12 = 48 muffins\./s);
    expect(rewritePrompt('abel', input, 'keep').at(-1)?.content).toContain('They have 3 * 4 = <<3*4=12>>12 legs.');
  });

  it('states each style’s rules and the calculator rule', () => {
    expect(systemPrompt('abel', 'strip')).toContain('"N. [Final solution] Thus, … #### <final answer>"');
    expect(systemPrompt('abel', 'strip')).toContain('"By problem, …"');
    expect(systemPrompt('wizardmath', 'strip')).toContain('"The answer is: <final answer>"');
    expect(systemPrompt('ultrainteract', 'strip')).toContain('"\\boxed{<final answer>}"');
    expect(systemPrompt('abel', 'strip')).toContain('without calculator annotations');
    expect(systemPrompt('abel', 'keep')).toContain('Keep the calculator annotations');
  });
});
