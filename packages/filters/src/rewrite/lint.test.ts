import { describe, expect, it } from 'vitest';
import { lintTarget } from './lint.js';

const abel = (...lines: string[]) => lines.join('\n');

const GOOD_ABEL = abel(
  '1. The problem states that a robe takes 2 bolts of blue fiber and half that much white fiber. We need to find out how many bolts it takes.',
  '2. By problem, the robe takes 2 / 2 = 1 bolt of white fiber.',
  '3. By problem and step 2, it takes 2 + 1 = 3 bolts in total.',
  '4. [Final solution] Thus, it takes 3 bolts in total. #### 3',
);

describe('lintTarget: abel', () => {
  it('accepts a well-formed target, Abel’s own trailing space and a `####` line of its own', () => {
    expect(lintTarget('abel', GOOD_ABEL)).toBeNull();
    expect(lintTarget('abel', `${GOOD_ABEL} \n`)).toBeNull();
    expect(lintTarget('abel', GOOD_ABEL.replace(' #### 3', '\n#### 3'))).toBeNull();
    // Blank lines between steps, "By steps 2, 3, and 4", "By the formula for …", "By the definition of …".
    expect(
      lintTarget(
        'abel',
        abel(
          '1. The problem states that a square has side 3. We need to find its area and more.',
          '',
          '2. By the formula for the area of a square, the area is 3^2 = 9.',
          '3. By the definition of a dozen (1 dozen = 12), a dozen squares have area 12 * 9 = 108.',
          '4. By steps 2 and 3, the total is 9 + 108 = 117.',
          '5. By steps 2, 3, and 4, we are done: 117.',
          '6. [Final solution] Thus, the answer is 117. #### 117',
        ),
      ),
    ).toBeNull();
  });

  it('empty and first_step', () => {
    expect(lintTarget('abel', ' \n\n ')).toEqual({ rule: 'empty', message: 'the target is empty' });
    expect(lintTarget('abel', 'Let us think.\n1. The problem states that x. We need to find y.\n2. [Final solution] #### 3')).toEqual({
      rule: 'first_step',
      message: 'expected step 1 (`1. The problem states that …`) on the first line, found “Let us think.”',
    });
  });

  it('numbering: a skipped or repeated step number', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('2. By problem', '3. By problem'))).toEqual({
      rule: 'numbering',
      message: 'step 3 follows step 1',
    });
    expect(lintTarget('abel', GOOD_ABEL.replace('3. By problem and', '2. By problem and'))?.message).toBe('step 2 follows step 2');
  });

  it('final_line: no `#### <answer>` on the last line', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace(' #### 3', ''))).toEqual({
      rule: 'final_line',
      message: 'no `#### <answer>` final line (found “4. [Final solution] Thus, it takes 3 bolts in total.”)',
    });
    expect(lintTarget('abel', GOOD_ABEL.replace(' #### 3', ' ####'))?.rule).toBe('final_line');
    expect(lintTarget('abel', `${GOOD_ABEL}\nHope this helps.`)?.rule).toBe('final_line');
  });

  it('stray_marker: `####` before the final line', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('= 1 bolt', '= 1 bolt #### 1'))).toEqual({
      rule: 'stray_marker',
      message: '`####` in step 2, before the final line',
    });
  });

  it('empty_step, too_few_steps and final_step', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('2. By problem, the robe takes 2 / 2 = 1 bolt of white fiber.', '2.'))).toEqual({
      rule: 'empty_step',
      message: 'step 2 is empty',
    });
    expect(lintTarget('abel', '1. The problem states that x = 3. We need to find x.\n2. [Final solution] Thus, x = 3. #### 3')).toEqual({
      rule: 'too_few_steps',
      message: 'abel needs at least 3 steps (restatement, derivation, final solution), found 2',
    });
    expect(lintTarget('abel', GOOD_ABEL.replace('[Final solution] Thus', 'Thus'))).toEqual({
      rule: 'final_step',
      message: 'the last step (4) does not start with `[Final solution]`, found “Thus, it takes 3 bolts in total. #### 3”',
    });
    expect(lintTarget('abel', GOOD_ABEL.replace('2. By problem,', '2. [Final solution] By problem,'))?.message).toBe(
      'step 2 says `[Final solution]` before the last step (4)',
    );
  });

  it('restatement: step 1 names the problem and the goal', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('The problem states that a', 'A'))?.message).toMatch(
      /^step 1 does not restate the problem \(`The problem states that …`\), found “A robe takes/,
    );
    expect(lintTarget('abel', GOOD_ABEL.replace('We need to find out', 'She wants to know'))).toBeNull();
    expect(lintTarget('abel', GOOD_ABEL.replace(' We need to find out how many bolts it takes.', ''))).toMatchObject({
      rule: 'restatement',
      message: expect.stringMatching(/^step 1 states no goal \(`We need to find out …`\)/),
    });
  });

  it('truncation: `Question` anywhere, where Abel’s evaluation cuts the response', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('2. By problem, the robe', '2. By problem (see Question 2), the robe'))).toEqual({
      rule: 'truncation',
      message: "step 2 says `Question`, where Abel's evaluation cuts the response (its `#### <answer>` would never be read)",
    });
  });

  it('dependency: every middle step says what it relies on', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('2. By problem, the robe', '2. The robe'))).toEqual({
      rule: 'dependency',
      message:
        'abel step 2 states no dependency (`By problem`, `By step j`, `By the definition of …`, `By the formula for …`), found “The robe takes 2 / 2 = 1 bolt of white fiber.”',
    });
  });

  it('forward_reference: a step cites itself or a later step, never a number after the citation', () => {
    expect(lintTarget('abel', GOOD_ABEL.replace('By problem and step 2', 'By steps 2 and 3'))).toEqual({
      rule: 'forward_reference',
      message: 'step 3 cites step 3, which does not come before it',
    });
    expect(lintTarget('abel', GOOD_ABEL.replace('By problem, the robe', 'By step 5, the robe'))?.message).toBe(
      'step 2 cites step 5, which does not come before it',
    );
    // Numbers after a citation are not cited steps: "step 2, 45,000", "step 2, 19, 29 and 39".
    expect(lintTarget('abel', GOOD_ABEL.replace('it takes 2 + 1', 'it takes 45,000 - 44,997 = 3, or 2 + 1'))).toBeNull();
    expect(lintTarget('abel', GOOD_ABEL.replace('By problem and step 2, it', 'By step 2, 19, 29 and 39 are prime and it'))).toBeNull();
    expect(lintTarget('abel', GOOD_ABEL.replace('By problem and step 2, it', 'By steps 1 and 2, 12 + 3 = 15 and it'))).toBeNull();
  });
});

const GOOD_WIZARD = 'Step 1: The robe takes 2 / 2 = 1 bolt of white fiber.\nStep 2: It takes 2 + 1 = 3 bolts.\nThe answer is: 3';

describe('lintTarget: wizardmath', () => {
  it('accepts `Step k:` lines and a final `The answer is:` line, continuation lines included', () => {
    expect(lintTarget('wizardmath', GOOD_WIZARD)).toBeNull();
    expect(lintTarget('wizardmath', 'Step 1: We solve\n$$x = 3$$\nThe answer is: 3.')).toBeNull();
  });

  it('first_step, numbering, empty_step', () => {
    expect(lintTarget('wizardmath', `Sure!\n${GOOD_WIZARD}`)).toEqual({
      rule: 'first_step',
      message: 'expected `Step 1: …` on the first line, found “Sure!”',
    });
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('Step 2', 'Step 3'))).toEqual({
      rule: 'numbering',
      message: 'step 3 follows step 1',
    });
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('Step 2: It takes 2 + 1 = 3 bolts.', 'Step 2:'))).toEqual({
      rule: 'empty_step',
      message: 'step 2 is empty',
    });
  });

  it('final_line and stray_marker', () => {
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('The answer is: 3', 'So the answer is 3.'))).toEqual({
      rule: 'final_line',
      message: 'no `The answer is: <answer>` final line (found “So the answer is 3.”)',
    });
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('The answer is: 3', 'The answer is:'))?.rule).toBe('final_line');
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('Step 2: It', 'Step 2: The answer is: 4. It'))).toEqual({
      rule: 'stray_marker',
      message: '`The answer is:` before the final line (line 2)',
    });
    expect(lintTarget('wizardmath', GOOD_WIZARD.replace('3 bolts.', '3 bolts. #### 3'))?.message).toBe(
      '`####` in a wizardmath target (the Abel/GSM8K marker)',
    );
  });
});

const GOOD_ULTRA = 'Step 1: The robe takes 2 / 2 = 1 bolt of white fiber.\nStep 2: It takes 2 + 1 = 3 bolts.\n\nAnswer:\n\\boxed{3}';

describe('lintTarget: ultrainteract', () => {
  it('accepts `Step k:` lines, `Answer:` and `\\boxed{}` alone on the last line; `# Step k:` in code continues the count', () => {
    expect(lintTarget('ultrainteract', GOOD_ULTRA)).toBeNull();
    expect(
      lintTarget('ultrainteract', 'Step 1: Plan.\n```python\n# Step 2: Compute\nprint(3)\n```\nAnswer:\n\\boxed{\\frac{1}{2}}'),
    ).toBeNull();
  });

  it('final_line: `Answer:` and the box on their own lines, the box balanced and not empty', () => {
    const expected = {
      rule: 'final_line',
      message: 'no `Answer:` line followed by `\\boxed{<answer>}` at the end (found “Answer: \\boxed{3}”)',
    };
    expect(lintTarget('ultrainteract', GOOD_ULTRA.replace('Answer:\n\\boxed{3}', 'Answer: \\boxed{3}'))).toEqual(expected);
    expect(lintTarget('ultrainteract', GOOD_ULTRA.replace('\\boxed{3}', '\\boxed{3'))?.rule).toBe('final_line');
    expect(lintTarget('ultrainteract', GOOD_ULTRA.replace('\\boxed{3}', '\\boxed{}'))?.rule).toBe('final_line');
    expect(lintTarget('ultrainteract', `${GOOD_ULTRA}\nDone.`)?.rule).toBe('final_line');
  });

  it('numbering, stray_marker', () => {
    expect(lintTarget('ultrainteract', GOOD_ULTRA.replace('Step 2', 'Step 1'))).toEqual({
      rule: 'numbering',
      message: 'step 1 follows step 1',
    });
    expect(lintTarget('ultrainteract', GOOD_ULTRA.replace('Step 2: It', 'Answer: 3\nStep 2: It'))?.message).toBe(
      '`Answer:` before the final answer (line 2)',
    );
  });
});
