/**
 * A scripted math "model" for the loopback server: a test double that answers the requests of
 * `sample/rejection` and `evolve/instruct` deterministically from the request's content alone (not
 * from arrival order, so concurrent and retried runs get the same answers).
 *
 * - Answer requests (the last user turn is a known problem): `n` step-by-step solutions ending in
 *   WizardMath's `The answer is: X`. Whether sample i is right is a pure function of the problem, i and
 *   the temperature (`sampleIsRight`), so a test can predict every keep and drop. At temperature 0 a
 *   problem gets the same (right or wrong) answer every time.
 * - Evolution requests: a harder problem (the original plus "…, then doubled") or an easier one
 *   (a one-step question about the original's answer); the new problem's answer is registered so that
 *   answer requests for it are scripted too. Every fifth evolution copies its input (rejected as
 *   `copied_input`).
 * - Anything else: "I cannot answer that." (no final answer).
 */
import type { ServedRequest } from './model-server.js';

const EVOLVE_MARK = 'You are helping to build a collection of math word problems';
const ORIGINAL = 'Original problem:\n';
const UPWARD = /harder version/;

export interface ScriptedMath {
  respond(request: ServedRequest): string | string[];
  /** Registered answer of a problem (given or evolved), or undefined. */
  answerOf(problem: string): string | undefined;
}

/** FNV-1a of a string, as an unsigned 32-bit number. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 0x01000193) >>> 0;
  return value;
}

/** Whether sample `index` of `problem` at `temperature` is right: 3 in 4 at temperature 0, 2 in 3 above. */
export function sampleIsRight(problem: string, index: number, temperature: number): boolean {
  const draw = hash(`${problem}\u0000${temperature === 0 ? 0 : index}`);
  return temperature === 0 ? draw % 4 !== 0 : draw % 3 !== 0;
}

/** Whether the evolution of `problem` of this kind copies its input instead of changing it. */
export function evolutionCopies(problem: string, kindText: string): boolean {
  return hash(`${problem}\u0000${kindText}`) % 5 === 0;
}

function numeric(answer: string): number | undefined {
  const value = Number(answer.replaceAll(',', ''));
  return Number.isFinite(value) ? value : undefined;
}

export function scriptedMath(problems: ReadonlyArray<{ question: string; answer: string }>): ScriptedMath {
  const answers = new Map<string, string>();
  for (const problem of problems) answers.set(problem.question.trim(), problem.answer.trim());

  const solve = (problem: string, n: number, temperature: number): string[] => {
    const gold = answers.get(problem.trim());
    if (gold === undefined) return Array.from({ length: n }, () => 'I cannot answer that.');
    return Array.from({ length: n }, (_, index) => {
      const right = sampleIsRight(problem, index, temperature);
      const value = numeric(gold);
      const given = right ? gold : value === undefined ? `${gold} + 1` : String(value + 1);
      return `Step 1: Read what the problem gives and what it asks.\nStep 2: Work out the quantity asked for: ${given}.\nThe answer is: ${given}`;
    });
  };

  const evolve = (prompt: string): string => {
    const at = prompt.indexOf(ORIGINAL);
    const parent = at === -1 ? '' : prompt.slice(at + ORIGINAL.length).trim();
    const upward = UPWARD.test(prompt);
    const task = prompt.slice(0, at);
    if (evolutionCopies(parent, task)) return parent;
    const gold = numeric(answers.get(parent) ?? '');
    if (gold === undefined) return 'I cannot rewrite this problem.';
    const tag = hash(task).toString(36).slice(0, 4);
    const evolved = upward
      ? `${parent.replace(/\?\s*$/, '')}, and then the result is doubled. What is the result after doubling? (variant ${tag})`
      : `A simpler question (variant ${tag}): a class collects ${gold} stickers and then gets 5 more stickers. How many stickers does the class have now?`;
    answers.set(evolved, String(upward ? gold * 2 : gold + 5));
    return evolved;
  };

  return {
    respond: (request) => {
      const last = request.messages.at(-1)?.content ?? '';
      if (last.startsWith(EVOLVE_MARK)) return evolve(last);
      return solve(last, request.n, request.temperature ?? 0);
    },
    answerOf: (problem) => answers.get(problem.trim()),
  };
}
