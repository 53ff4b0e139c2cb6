/**
 * The strict math grader: extract (configurable order) → normalize → parse → compare, with a reason
 * for every wrong verdict and none of the reference graders' known false positives (see
 * docs/grading.md). Pure, synchronous and total: an internal failure is a wrong verdict, never
 * "correct". Parsed golds are cached, since a data set grades many responses against few golds.
 */
import { type Answer, parseAnswer } from './answer.js';
import { compareAnswers, type EquivalenceStage } from './equivalence.js';
import { DEFAULT_EXTRACT_ORDER, type ExtractorName, extractAnswer, reduceGold } from './extract.js';
import { compactAnswer, normalizeAnswer } from './normalize.js';
import type { GradeResult, Grader } from './types.js';

/** Options of `createStrictGrader`. */
export interface StrictGraderOptions {
  /** Extractors to try, in order (default `DEFAULT_EXTRACT_ORDER`; add `whole` for bare answers). */
  readonly extract?: readonly ExtractorName[];
  /**
   * When true, a predicted fraction not in lowest terms (`\frac{2}{4}` for `\frac12`) is an
   * `answer_mismatch` (the PRM800K rule). Default false: fractions compare by value.
   */
  readonly requireReducedFractions?: boolean;
}

/** A strict verdict: the common result plus which extractor found the answer and which rule decided. */
export interface StrictGradeResult extends GradeResult {
  /** The extractor that found the answer; null when none did. */
  readonly extractor: ExtractorName | null;
  /** `exact` (same normalized text) or an equivalence stage; null when nothing was compared. */
  readonly stage: EquivalenceStage | 'exact' | 'error' | null;
}

/** The strict grader's interface: `grade` returns the richer `StrictGradeResult`. */
export interface StrictGrader extends Grader {
  grade(response: string, gold: string): StrictGradeResult;
  /** The extractor order this grader uses. */
  readonly extract: readonly ExtractorName[];
}

interface Prepared {
  readonly normalized: string;
  readonly compact: string;
  readonly answer: Answer;
}

/** Golds kept parsed; the cache is cleared when full (data sets repeat golds in runs, not at random). */
const GOLD_CACHE_SIZE = 20_000;

function prepare(text: string): Prepared {
  const normalized = normalizeAnswer(text);
  return { normalized, compact: compactAnswer(normalized), answer: parseAnswer(normalized) };
}

/** Builds a strict grader with the given extraction order and options. */
export function createStrictGrader(options: StrictGraderOptions = {}): StrictGrader {
  const order = options.extract && options.extract.length > 0 ? [...options.extract] : [...DEFAULT_EXTRACT_ORDER];
  const equivalence = { requireReducedFractions: options.requireReducedFractions ?? false };
  const golds = new Map<string, Prepared | null>();

  const goldOf = (gold: string): Prepared | null => {
    const cached = golds.get(gold);
    if (cached !== undefined) return cached;
    const reduced = reduceGold(gold);
    const prepared = reduced === null ? null : prepare(reduced);
    const usable = prepared && prepared.normalized !== '' ? prepared : null;
    if (golds.size >= GOLD_CACHE_SIZE) golds.clear();
    golds.set(gold, usable);
    return usable;
  };

  const grade = (response: string, gold: string): StrictGradeResult => {
    let extracted: string | null = null;
    let extractor: ExtractorName | null = null;
    let pred: string | null = null;
    let goldText: string | null = null;
    try {
      const expected = goldOf(typeof gold === 'string' ? gold : '');
      goldText = expected?.normalized ?? null;
      const found = extractAnswer(typeof response === 'string' ? response : '', order);
      if (found) {
        extracted = found.text;
        extractor = found.extractor;
      }
      const predicted = found ? prepare(found.text) : null;
      pred = predicted && predicted.normalized !== '' ? predicted.normalized : null;
      const wrong = (reason: GradeResult['reason'], stage: StrictGradeResult['stage'] = null): StrictGradeResult => ({
        correct: false,
        reason,
        extracted,
        pred,
        gold: goldText,
        extractor,
        stage,
      });
      if (!expected) return wrong('unparseable_gold');
      if (!predicted || pred === null) return wrong('no_final_answer');
      if (predicted.compact === expected.compact) {
        return { correct: true, reason: null, extracted, pred, gold: goldText, extractor, stage: 'exact' };
      }
      if (expected.answer.kind === 'raw') return wrong('unparseable_gold', 'text');
      if (predicted.answer.kind === 'raw') return wrong('unparseable_answer', 'text');
      const outcome = compareAnswers(predicted.answer, expected.answer, equivalence);
      if (outcome.equal) return { correct: true, reason: null, extracted, pred, gold: goldText, extractor, stage: outcome.stage };
      return wrong('answer_mismatch', outcome.stage);
    } catch {
      // A bug or an exhausted stack is a wrong verdict, never "correct" (WizardMath's hole).
      return { correct: false, reason: 'unparseable_answer', extracted, pred, gold: goldText, extractor, stage: 'error' };
    }
  };

  return {
    name: 'strict',
    summary: 'Strict: exact rationals, symbolic-by-sampling equivalence, ordered tuples, unordered sets; no lenient fallbacks.',
    extract: order,
    grade,
  };
}

/** The strict grader with default options. */
export const strictGrader: StrictGrader = createStrictGrader();
