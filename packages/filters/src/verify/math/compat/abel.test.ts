import { describe, expect, it } from 'vitest';
import { mathGraders } from '../registry.js';
import { abelGrader, extractAbelAnswer } from './abel.js';

/** An Abel-style response ending in `#### answer`. */
const response = (answer: string) => `1. The problem states that …\n2. [Final solution] Thus, … #### ${answer}`;
const judge = (answer: string, gold: string) => abelGrader.grade(response(answer), gold).correct;

describe('abel grader: extraction (inference.py test_answer)', () => {
  it('takes the text after `#### ` on the last line, a single trailing newline allowed', () => {
    expect(extractAbelAnswer('Step.\n#### 18')).toBe('18');
    expect(extractAbelAnswer('Step.\n#### 18\n')).toBe('18');
    expect(extractAbelAnswer('#### 3 #### 4')).toBe('3 #### 4');
  });

  it('quirk: `####` followed by two newlines is missed (no MULTILINE, `$` only before one final newline)', () => {
    expect(extractAbelAnswer('Step.\n#### 18\n\n')).toBeNull();
    expect(abelGrader.grade('Step.\n#### 18\n\n', '18')).toMatchObject({ correct: false, reason: 'no_final_answer', pred: null });
  });

  it('quirk: a `####` on an earlier line does not count', () => {
    expect(extractAbelAnswer('#### 18\nSo that is it.')).toBeNull();
  });

  it('cuts the response at the first `Question` (a hallucinated next question)', () => {
    expect(extractAbelAnswer('#### 5 Question: what is 2+2?\n#### 4')).toBe('5 ');
  });

  it('quirk: `</s>` anywhere in the answer drops its last four characters', () => {
    expect(extractAbelAnswer('#### 42</s>')).toBe('42');
    expect(extractAbelAnswer('#### 4</s>2')).toBe('4<');
  });
});

describe('abel grader: verdicts (check_sympy_equivalence)', () => {
  it('quirk: `55.50` equals `55.5` (SymPy Floats)', () => {
    expect(abelGrader.grade(response('55.50'), '55.5')).toEqual({
      correct: true,
      reason: null,
      extracted: '55.50',
      pred: '55.50',
      gold: '55.5',
    });
  });

  it('quirk: `A,B` equals `A` (parse_latex stops at the comma)', () => {
    expect(judge('A,B', 'A')).toBe(true);
    expect(judge('C,D', 'D')).toBe(false);
  });

  it('quirk: `10.` is not `10` — SymPy reads a number before a dangling `.` as 1', () => {
    expect(judge('10.', '10')).toBe(false);
    expect(judge('10.', '1')).toBe(true);
    expect(judge('528.', '10')).toBe(true);
  });

  it('quirk: when either side fails to parse, plain string equality decides (`40%`)', () => {
    expect(judge('40%', '40%')).toBe(true);
    expect(abelGrader.grade(response('40%'), '40')).toMatchObject({ correct: false, reason: 'unparseable_answer', pred: '40%' });
  });

  it('quirk: `12:00` is 12 divided by 0, which equals nothing else', () => {
    expect(judge('12:00', '2')).toBe(false);
  });

  it('normalizes both sides: units, `$`, thousands commas, text after the last `=`', () => {
    expect(judge('$18', '18')).toBe(true);
    expect(judge('18 dollars', '18')).toBe(true);
    expect(judge('1,000', '1000')).toBe(true);
    expect(judge('x = 5', '5')).toBe(true);
  });

  it('compares values exactly: fractions, reordered sums, but never a rounded decimal', () => {
    expect(judge('\\frac{1}{2}', '0.5')).toBe(true);
    expect(judge('1+x', 'x+1')).toBe(true);
    expect(judge('0.333', '\\frac{1}{3}')).toBe(false);
    expect(judge('19', '18')).toBe(false);
  });

  it('answer_mismatch, no_final_answer and the empty-gold case', () => {
    expect(abelGrader.grade(response('19'), '18')).toMatchObject({ correct: false, reason: 'answer_mismatch', pred: '19', gold: '18' });
    expect(abelGrader.grade('No marker here.', '18')).toEqual({
      correct: false,
      reason: 'no_final_answer',
      extracted: null,
      pred: null,
      gold: '18',
    });
    expect(abelGrader.grade(response(''), '')).toMatchObject({ correct: false, reason: 'unparseable_gold' });
  });

  it('is registered as `abel`', () => {
    expect(mathGraders.abel).toBe(abelGrader);
  });
});
