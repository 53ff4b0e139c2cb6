/**
 * The evolution prompts of `evolve/instruct`, written for this toolkit in the spirit of WizardMath's
 * Math Evol-Instruct (METHODS.md §3.1): upward evolution makes a problem harder (add a constraint,
 * make it concrete, require more reasoning; the three methods of Evol-Instruct's depth prompts),
 * downward evolution makes it easier (revise it to a lower difficulty, or write a new, easier problem
 * on another topic). WizardMath's own math prompts are unreleased; these are not copies of them.
 */
import type { ChatMessage } from '@oversight/core';

/** Every evolution, upward ones first. */
export const EVOLUTION_KINDS = ['add_constraints', 'concretize', 'increase_reasoning', 'simplify', 'new_easier'] as const;
/** One evolution. */
export type EvolutionKind = (typeof EVOLUTION_KINDS)[number];

/** Upward (harder) evolutions. */
export const UPWARD_KINDS: readonly EvolutionKind[] = ['add_constraints', 'concretize', 'increase_reasoning'];
/** Downward (easier) evolutions. */
export const DOWNWARD_KINDS: readonly EvolutionKind[] = ['simplify', 'new_easier'];

/** Names a recipe's `kinds` may use: an evolution, or a direction standing for its evolutions. */
export const KIND_NAMES = [...EVOLUTION_KINDS, 'upward', 'downward'] as const;
/** One entry of `kinds`. */
export type KindName = (typeof KIND_NAMES)[number];

/** `kinds` with the directions expanded, each evolution once, in the order first named. */
export function expandKinds(names: readonly KindName[]): EvolutionKind[] {
  const kinds: EvolutionKind[] = [];
  for (const name of names) {
    const expanded = name === 'upward' ? UPWARD_KINDS : name === 'downward' ? DOWNWARD_KINDS : [name];
    for (const kind of expanded) if (!kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

/** The direction of an evolution. */
export function directionOf(kind: EvolutionKind): 'upward' | 'downward' {
  return UPWARD_KINDS.includes(kind) ? 'upward' : 'downward';
}

const RULES = `Rules for the new problem:
- It is complete and self-contained: someone who never saw the original problem can solve it.
- It has exactly one correct final answer, a number or a short mathematical expression.
- Its facts are consistent and realistic: nothing contradicts anything else and no needed quantity is missing.
- It does not mention the original problem or say that it was changed.

Reply with the new problem only: no solution, no answer, no title and no comments.`;

const UPWARD_METHODS: Record<string, string> = {
  add_constraints: 'adding one more condition, requirement or quantity that the solver has to take into account',
  concretize:
    'making it more concrete: replace general or round quantities with specific ones (exact numbers, named items, precise units or rates), so that more has to be worked out',
  increase_reasoning:
    'making it need more steps of reasoning, for instance by asking for a quantity that can only be found from the original result through one or two further calculations',
};

const TASKS: Record<EvolutionKind, string> = {
  add_constraints: upward('add_constraints'),
  concretize: upward('concretize'),
  increase_reasoning: upward('increase_reasoning'),
  simplify:
    'Below is a math problem. Write an easier version of the same problem: keep its setting and its topic, but make it need ' +
    'fewer steps, use smaller or rounder numbers, or leave out one condition. The new problem should be no longer than the original.',
  new_easier:
    'Below is a math problem. Use it only as inspiration: write a new math problem on a different topic or in a different ' +
    'situation that is clearly easier to solve, one a student who finds the original too hard could still work out.',
};

function upward(kind: string): string {
  return (
    `Below is a math problem. Write a harder version of it by ${UPWARD_METHODS[kind]}. ` +
    'Keep it close to the original in length: add at most about 30 words.'
  );
}

/** The evolution prompt for `problem`, as one user message. */
export function evolutionPrompt(kind: EvolutionKind, problem: string): string {
  return `You are helping to build a collection of math word problems of graded difficulty.\n\n${TASKS[kind]}\n\n${RULES}\n\nOriginal problem:\n${problem}`;
}

/** The request messages of one evolution. */
export function evolutionMessages(kind: EvolutionKind, problem: string): ChatMessage[] {
  return [{ role: 'user', content: evolutionPrompt(kind, problem) }];
}

/**
 * The kinds tried on one parent in one round: all of `kinds` when `perRow` covers them, else `perRow`
 * consecutive kinds starting at an offset drawn from the parent id and the round, so that parents
 * (and rounds) spread over the kinds rather than all taking the first ones.
 */
export function kindsFor(parentId: string, round: number, kinds: readonly EvolutionKind[], perRow: number | undefined): EvolutionKind[] {
  if (perRow === undefined || perRow >= kinds.length) return [...kinds];
  const start = stableIndex(`${parentId}\u001f${round}`, kinds.length);
  const chosen: EvolutionKind[] = [];
  for (let offset = 0; offset < perRow; offset++) chosen.push(kinds[(start + offset) % kinds.length] as EvolutionKind);
  return chosen;
}

/** FNV-1a of `text` modulo `size`: stable across runs and platforms. */
function stableIndex(text: string, size: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % size;
}
