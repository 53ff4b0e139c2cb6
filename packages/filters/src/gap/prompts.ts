/**
 * The prompts of `gap/fill` and the parsers of their answers:
 * - the topic classifier (`classify: model`): one topic from the taxonomy, answered `Topic: <name>`;
 * - the worked example: a new problem on a gap topic, solved in Abel's step grammar with every piece
 *   of topic knowledge stated where it is used ("By definition of …", "By the formula for …");
 * - the easier variant of a failed problem, solved the same way;
 * - the verifier: the candidate problem alone, answered k times (`#### <answer>` on the last line).
 * Candidates answer `Problem:` then `Solution:`; the parser takes the text between and after them.
 */
import type { ChatMessage } from '@oversight/core';
import type { Topic } from './taxonomy.js';

/** How every generated solution is written: Abel's step grammar (METHODS.md §1.2). */
const SOLUTION_RULES = `Then solve it step by step so that a student who does not yet know the facts it needs can learn them from the solution:
- number the steps 1., 2., 3., …; the first step restates what is asked ("The problem states that …");
- every step says what it relies on: "By problem, …" for facts given in the problem, "By steps 2 and 3, …" for earlier steps, and "By definition of …", "By the formula for …" or "By the property of …" for each fact of the topic, stated in full the first time it is used;
- the last step is "N. [Final solution] Thus, … #### <final answer>", with the final answer alone after ####.

Answer in exactly this form:
Problem: <the problem>
Solution:
1. The problem states that …`;

/** The system turn of generation requests. */
export const GENERATOR_SYSTEM =
  'You write math practice problems with worked solutions for a training set. You follow the requested format exactly.';

/** The system turn of verification requests. */
export const VERIFIER_SYSTEM =
  'Solve the problem. Think step by step, then give the final answer alone on the last line as `#### <answer>`.';

/** The system turn of classification requests. */
export const CLASSIFIER_SYSTEM = 'You sort math problems into topics. You answer with one topic name from the list given.';

function topicLine(topic: string, description: string | null): string {
  return description ? `"${topic}" (${description})` : `"${topic}"`;
}

/** A worked example on a gap topic; `examples` are training problems of the topic, shown as level anchors. */
export function workedExamplePrompt(topic: string, description: string | null, examples: readonly string[]): string {
  const anchors =
    examples.length > 0
      ? `\n\nIt should be about as hard as these problems from the training set:\n${examples.map((example, index) => `Example ${index + 1}: ${example}`).join('\n')}`
      : '';
  return `Write one new math problem on the topic ${topicLine(topic, description)} that a student can only solve by using the knowledge of this topic.${anchors}

${SOLUTION_RULES}`;
}

/** An easier variant of a problem the base model failed. */
export function variantPrompt(problem: string, topic: string, description: string | null): string {
  return `A student could not solve this problem on the topic ${topicLine(topic, description)}:

${problem}

Write one easier variant of it: keep the idea the student is missing, but make the problem smaller (fewer steps, simpler numbers). Do not copy the problem.

${SOLUTION_RULES}`;
}

/** The verifier's question, in Abel's prompt (METHODS.md §1.3). */
export function verifierMessages(problem: string): ChatMessage[] {
  return [
    { role: 'system', content: VERIFIER_SYSTEM },
    { role: 'user', content: `Question:\n${problem}\nAnswer:\nLet's think step by step.\n` },
  ];
}

/** The classifier's question: one topic of the list. */
export function classifierMessages(problem: string, topics: readonly Topic[]): ChatMessage[] {
  const list = topics.map((topic) => `- ${topic.name}${topic.description ? `: ${topic.description}` : ''}`).join('\n');
  return [
    { role: 'system', content: CLASSIFIER_SYSTEM },
    {
      role: 'user',
      content: `Which topic does this math problem belong to? Choose exactly one from the list.\n\nTopics:\n${list}\n\nProblem:\n${problem}\n\nAnswer with one line: Topic: <topic name from the list>`,
    },
  ];
}

/** The topic a classifier answer names: `Topic: <name>`, else the only topic name the answer contains; null otherwise. */
export function parseTopicAnswer(answer: string, topics: readonly Topic[]): string | null {
  const names = new Map(topics.map((topic) => [topic.name.toLowerCase(), topic.name]));
  const labelled = /\btopic\s*[:：]\s*\**\s*[`"']?([\w-]+)/i.exec(answer)?.[1]?.toLowerCase();
  if (labelled && names.has(labelled)) return names.get(labelled) ?? null;
  const lower = answer.toLowerCase();
  const mentioned = topics.filter((topic) => new RegExp(`(^|[^\\w-])${topic.name.toLowerCase()}($|[^\\w-])`).test(lower));
  return mentioned.length === 1 ? (mentioned[0]?.name ?? null) : null;
}

/** A generated candidate: its problem and solution, or why it cannot be read. */
export type ParsedCandidate =
  | { ok: true; problem: string; solution: string }
  | { ok: false; reason: 'refusal' | 'malformed'; detail: string };

const REFUSAL = /^\W*(?:i'm sorry|i am sorry|sorry|i can(?:'|no)t|i cannot|i won't|i will not|as an ai|unfortunately,? i)/i;

/** Reads `Problem: … Solution: …` from a generator answer. */
export function parseCandidate(answer: string): ParsedCandidate {
  const text = answer.trim();
  if (text === '') return { ok: false, reason: 'refusal', detail: 'the model gave an empty answer' };
  const problemAt = /^\W*problem\s*[:：]/im.exec(text);
  const solutionAt = /^\W*solution\s*[:：]/im.exec(text);
  if (!problemAt || !solutionAt || solutionAt.index < problemAt.index) {
    if (REFUSAL.test(text)) return { ok: false, reason: 'refusal', detail: `the model declined: ${quote(text)}` };
    const missing = [!problemAt ? '`Problem:`' : null, !solutionAt ? '`Solution:`' : null].filter(Boolean).join(' and ');
    return {
      ok: false,
      reason: 'malformed',
      detail: missing
        ? `expected \`Problem:\` then \`Solution:\`, found no ${missing}`
        : 'expected `Problem:` before `Solution:`, found them reversed',
    };
  }
  // Markdown bold around the labels (`**Problem:**`) leaves `**` after the colon.
  const problem = text
    .slice(problemAt.index + problemAt[0].length, solutionAt.index)
    .replace(/^[*_\s]+/, '')
    .trim();
  const solution = text
    .slice(solutionAt.index + solutionAt[0].length)
    .replace(/^[*_\s]+/, '')
    .trim();
  if (problem === '' || solution === '') {
    return { ok: false, reason: 'malformed', detail: `expected a non-empty ${problem === '' ? 'problem' : 'solution'}, found none` };
  }
  return { ok: true, problem, solution };
}

/** A step that states the knowledge it uses: "By definition of …", "By the formula for …", "By the property of …", … */
export const KNOWLEDGE_STEP = /\bby (?:the )?(?:definition|formula|property|properties|theorem|rule|identity|law|fact)\b/i;

/** Text shortened for a detail column: one line, at most 80 characters, quoted. */
export function quote(text: string, length = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return `“${flat.length > length ? `${flat.slice(0, length - 1)}…` : flat}”`;
}
