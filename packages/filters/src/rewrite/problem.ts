/**
 * The problem behind a prompt turn, and Abel's first step: "The problem states that … We need to
 * find out …" (METHODS.md §1.2: 1314 of 1319 Abel-70B GSM8K answers open this way).
 */
import { flatten, splitSentences } from './sentences.js';

/** Prompt lines that belong to a template, not to the problem (Abel, WizardMath, UltraInteract). */
const TEMPLATE_LINES = [
  /^Let's think step by step\.?$/i,
  /^Solve the following math problem step-by-step\.?$/i,
  /^Simplify your answer as much as possible\.?$/i,
  /^Present your final answer as \\boxed\{Your Answer\}\.?$/i,
  /^Tool available:$/i,
  /^\[1\] Python interpreter$/i,
  /^When you send a message containing Python code to python, it will be executed in a stateful Jupyter notebook environment\.?$/i,
];

/**
 * The problem in a user turn, without the prompt template around it: Alpaca's `### Instruction:` …
 * `### Response:` (WizardMath), Abel's `Question:` … `Answer:`, and UltraInteract's instruction lines.
 */
export function problemText(userTurn: string): string {
  let text = userTurn;
  const instruction = /### Instruction:\s*\n([\s\S]*?)(?:\n\s*### (?:Input|Response):[\s\S]*)?$/.exec(text);
  if (instruction) text = instruction[1] as string;
  text = text.replace(/^\s*Question:\s*\n?/, '').replace(/\n\s*Answer:\s*(?:\n[\s\S]*)?$/, '');
  return text
    .split('\n')
    .filter((line) => !TEMPLATE_LINES.some((pattern) => pattern.test(line.trim())))
    .join('\n')
    .trim();
}

/** Words lower-cased when they stop opening a sentence; any other first word (a name, `I`) is kept. */
const LOWERABLE = new Set(
  (
    'a an the this that these those there here it its he she they we you his her their our your my one each every some any all ' +
    'most many several both either neither no in on at for from to of by with during after before when while if since as once ' +
    'out over under between among about across along around through until without within per because although though whereas ' +
    'how what which who whom whose where why is are was were do does did can could will would should shall may might must has ' +
    'have had find calculate compute determine evaluate simplify solve express give write show suppose assuming given then so ' +
    'thus therefore hence also next now first second third last finally together altogether overall initially originally total ' +
    'half twice only just another other such let using adding subtracting multiplying dividing combining working two three ' +
    'four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand'
  ).split(' '),
);

/**
 * `text` with its first word lower-cased when it is a function word, or (given `context`, the
 * problem and solution) a word the context writes in lower case and never capitalises mid-sentence;
 * names and `I` keep their capital.
 */
export function lowerFirst(text: string, context?: string): string {
  const match = /^([A-Z][a-z]*)\b/.exec(text);
  if (!match) return text;
  const word = match[1] as string;
  const lower = word.toLowerCase();
  if (LOWERABLE.has(lower)) return lower + text.slice(word.length);
  if (context === undefined || word.length < 2) return text;
  const common = new RegExp(`\\b${lower}\\b`).test(context);
  // A name is capitalised after a lower-case word or a comma, on the same line.
  const named = new RegExp(`[a-z,;:] +${word}\\b`).test(context);
  return common && !named ? lower + text.slice(word.length) : text;
}

const WH = /^(?:how|what|which|who|whom|whose|when|where|why)\b/i;
const AUXILIARY = /^(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had)\b/i;
const IMPERATIVE = /^(?:find|calculate|compute|determine|evaluate|simplify|solve|express|give|write|show|list|round)\b/i;
const CONDITION = /^(?:if|when|assuming|given|suppose|after|before|since|once|in|of|at|for|by|from|with|without|on)\b/i;

/** The goal clause: "how many clips did Natalia sell" / "calculate the total" / null for no goal. */
function goalClause(sentence: string): string | null {
  const body = sentence.replace(/[?.!]+$/, '').trim();
  if (WH.test(body)) return `find out ${lowerFirst(body)}`;
  if (IMPERATIVE.test(body)) return lowerFirst(body);
  // "If she reads half, how many pages …?" → "find out how many pages … if she reads half".
  const split = /^(.*?),\s*((?:how|what|which|who|whom|whose|where|why)\b.*)$/i.exec(body);
  if (split && CONDITION.test(split[1] as string)) return `find out ${lowerFirst(split[2] as string)} ${lowerFirst(split[1] as string)}`;
  // "Overall, how many …": a short lead-in adds nothing; a longer one is kept with the question.
  if (split && (split[1] as string).split(/\s+/).length <= 3) return `find out ${lowerFirst(split[2] as string)}`;
  if (split) return `answer the question: ${sentence.trim()}`;
  // "After 5 days how many monsters …?" (no comma): the same, split at the question word.
  const inner = /^(.*?)\s+((?:how|what|which|who|whom|whose|where|why)\b.*)$/i.exec(body);
  if (inner && CONDITION.test(inner[1] as string)) return `find out ${inner[2] as string} ${lowerFirst(inner[1] as string)}`;
  if (inner && sentence.trim().endsWith('?') && (inner[1] as string).split(/\s+/).length <= 3) return `find out ${inner[2] as string}`;
  if (inner && sentence.trim().endsWith('?')) return `answer the question: ${sentence.trim()}`;
  if (AUXILIARY.test(body)) return `answer the question: ${sentence.trim()}`;
  return null;
}

/**
 * Abel's step 1 for a problem: its statements ("The problem states that …") and its goal ("We need
 * to find out …"). A problem without a recognisable question is restated whole, with the goal "the
 * answer to the problem".
 */
export function restateProblem(problem: string): string {
  const sentences = splitSentences(flatten(problem));
  let goalIndex = -1;
  for (let index = sentences.length - 1; index >= 0 && goalIndex < 0; index--) {
    if ((sentences[index] as string).endsWith('?')) goalIndex = index;
  }
  for (let index = sentences.length - 1; index >= 0 && goalIndex < 0; index--) {
    if (goalClause(sentences[index] as string) !== null) goalIndex = index;
  }
  const goal = goalIndex >= 0 ? goalClause(sentences[goalIndex] as string) : null;
  const statements = sentences.filter((_, index) => index !== goalIndex || goal === null);
  const end = (text: string) => (/[.!?:]$/.test(text) ? text : `${text}.`);
  if (statements.length === 0) return end(`The problem asks us to ${goal ?? 'find the answer'}`);
  const need = goal ? `We need to ${goal}` : 'We need to find the answer to the problem';
  return `${end(`The problem states that ${lowerFirst(statements.join(' '), problem)}`)} ${end(need)}`;
}
