import { describe, expect, it } from 'vitest';
import { countSolutionSteps } from './steps.js';

describe('countSolutionSteps', () => {
  it('counts numbered lines (Abel `k.`) when there are any', () => {
    const abel =
      '1. The problem states that a robe takes 2 bolts. We need to find out how many.\n' +
      '2. By problem, the robe takes 2 bolts of blue fiber.\n' +
      '3. By step 2, it takes 2/2 = 1 bolt of white fiber.\n' +
      '4. [Final solution] Thus, it takes 3 bolts in total. #### 3';
    expect(countSolutionSteps(abel)).toBe(4);
  });

  it('counts `Step k:` lines, markdown headings and bold included, and ignores unnumbered lines between them', () => {
    const text = 'Let us solve it.\nStep 1: add.\nmore text\n# Step 2: subtract.\n**Step 3.** done\n2) also numbered';
    expect(countSolutionSteps(text)).toBe(4);
  });

  it('counts non-empty lines without numbering, leaving out final-answer-only lines and display fences', () => {
    const gsm8k = 'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\n\nShe makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18';
    expect(countSolutionSteps(gsm8k)).toBe(2);
    expect(countSolutionSteps('We have\n$$\nx = 2\n$$\nThe answer is: 2')).toBe(2);
  });

  it('counts sentences in a one-line answer; a decimal point does not end a sentence', () => {
    expect(countSolutionSteps('The price is 3.5 dollars. Two of them cost 7 dollars! So the answer is 7.')).toBe(3);
    expect(countSolutionSteps('x = 2')).toBe(1);
  });

  it('gives 0 for an empty text or one made only of punctuation', () => {
    expect(countSolutionSteps('')).toBe(0);
    expect(countSolutionSteps('  \n ... ')).toBe(0);
  });

  it('does not take a decimal at the start of a line for a numbered step', () => {
    expect(countSolutionSteps('2.5 + 1 = 3.5\n3.5 * 2 = 7')).toBe(2);
  });
});
