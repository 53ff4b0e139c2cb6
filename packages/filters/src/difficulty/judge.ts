/**
 * The model judge of `difficulty/tier` (`by: judge`): a prompt asking for a 1–5 difficulty with a
 * one-sentence rationale on two fixed lines, and the parser of its answer. The rating scale is
 * anchored at both ends (1 = routine, 5 = competition level) so that answers from different runs
 * compare; the reference solution is shown to help the judge see what the problem takes, and the
 * prompt says to rate the problem, not the solution's writing.
 */

/** The default judge prompt; `{problem}` and `{solution}` are replaced by the row's texts. */
export const DIFFICULTY_JUDGE_PROMPT = `Rate how difficult the following math problem is for a strong high-school student, on a scale from 1 to 5:
1 = routine, one or two direct steps; 2 = a few standard steps; 3 = several steps or one idea to find;
4 = a non-obvious idea or careful case work; 5 = competition level, several non-obvious ideas.
Rate the problem itself; the reference solution is shown only to help you see what solving it takes.

Problem:
{problem}

Reference solution:
{solution}

Answer in exactly two lines:
Difficulty: <an integer from 1 to 5>
Rationale: <one sentence on what makes the problem easy or hard>`;

/** The system turn sent with every judge request. */
export const DIFFICULTY_JUDGE_SYSTEM =
  'You rate the difficulty of math problems for a training curriculum. You answer in the exact format asked for.';

/** A parsed judge answer: the score, or null with why not. */
export type JudgeVerdict = { score: number; rationale: string | null } | { score: null; error: string };

/** Longest rationale kept in `meta.judge`. */
const RATIONALE_CHARS = 500;

/** Fills the judge prompt; a row without a solution gets `(none given)` in its place. */
export function judgePrompt(template: string, problem: string, solution: string | null): string {
  const filled = solution === null || solution.trim() === '' ? '(none given)' : solution;
  // One pass, so a `{solution}` inside the problem text is left as written.
  return template.replace(/\{(problem|solution)\}/g, (_, name: string) => (name === 'problem' ? problem : filled));
}

/**
 * Reads `Difficulty: N` (also `Difficulty - N`, `**Difficulty:** N`, `N/5`) from the first line that
 * names the difficulty, else an answer that is only a digit 1–5; and the text after `Rationale:`.
 */
export function parseJudgeAnswer(answer: string): JudgeVerdict {
  const text = answer.trim();
  if (text === '') return { score: null, error: 'empty answer' };
  const rated = /\bdifficulty\b[\s*_:=\-–]*(?:is\s+|of\s+|rating\s*[:=]?\s*|level\s*[:=]?\s*)?\**\s*(\d+(?:\.\d+)?)(?:\s*\/\s*5)?/i.exec(
    text,
  );
  const bare = /^\**\s*(\d)\s*\**\.?$/.exec(text);
  const found = rated?.[1] ?? bare?.[1];
  if (found === undefined) return { score: null, error: 'no `Difficulty: 1–5` line in the answer' };
  const score = Number(found);
  if (!Number.isInteger(score) || score < 1 || score > 5)
    return { score: null, error: `difficulty ${found} is not an integer from 1 to 5` };
  const reason = /\brationale\b\s*\**\s*[:：]\s*\**\s*([\s\S]*)/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
  const rationale = reason ? (reason.length > RATIONALE_CHARS ? `${reason.slice(0, RATIONALE_CHARS - 1)}…` : reason) : null;
  return { score, rationale };
}
