/**
 * The graded eval file of `gap/fill` (`failures:`): one JSON object per line with the question, whether
 * the base model got it right, and optionally its topic — for instance `oversight grade --out` lines
 * joined with the questions they grade. A line that does not fit is an error with file:line, since the
 * file is a parameter of the recipe, not training data.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { OversightError } from '@oversight/core';

/** Where the fields are in each line. */
export interface FailuresSpec {
  path: string;
  prompt_field: string;
  correct_field: string;
  topic_field?: string | undefined;
}

/** One graded question. */
export interface GradedItem {
  line: number;
  prompt: string;
  correct: boolean;
  /** The line's topic field, when the spec names one and the line has it. */
  topic: string | null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  return `${Array.isArray(value) ? 'an array' : typeof value} ${JSON.stringify(value).slice(0, 40)}`;
}

/** Reads the graded eval file (relative paths from `recipeDir`). */
export function readFailures(spec: FailuresSpec, recipeDir: string): GradedItem[] {
  const file = isAbsolute(spec.path) ? spec.path : resolve(recipeDir, spec.path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OversightError('step/bad-file', `cannot read failures file ${spec.path}: ${(error as Error).message}`, {
      hint: 'the path is relative to the recipe file',
    });
  }
  const items: GradedItem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    const fail = (message: string): never => {
      throw new OversightError('step/bad-file', `${spec.path}:${line}: ${message}`);
    };
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (error) {
      fail(`expected a JSON object, found malformed JSON (${(error as Error).message})`);
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) fail(`expected a JSON object, found ${describe(record)}`);
    const fields = record as Record<string, unknown>;
    const prompt = fields[spec.prompt_field];
    if (typeof prompt !== 'string' || prompt.trim() === '')
      fail(`expected \`${spec.prompt_field}\` to be a question (a string), found ${describe(prompt)}`);
    const correct = fields[spec.correct_field];
    if (typeof correct !== 'boolean' && correct !== 0 && correct !== 1) {
      fail(`expected \`${spec.correct_field}\` to be true/false (or 1/0), found ${describe(correct)}`);
    }
    const topic = spec.topic_field === undefined ? undefined : fields[spec.topic_field];
    if (topic !== undefined && topic !== null && typeof topic !== 'string')
      fail(`expected \`${spec.topic_field}\` to be a string, found ${describe(topic)}`);
    items.push({
      line,
      prompt: prompt as string,
      correct: correct === true || correct === 1,
      topic: typeof topic === 'string' && topic.trim() !== '' ? topic : null,
    });
  });
  return items;
}
