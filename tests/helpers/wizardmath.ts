/** Shared by the WizardMath recipe tests: the scripted model over GSM8K-format files, cassette I/O. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { type ModelServer, startModelServer } from './model-server.js';
import { type ScriptedMath, scriptedMath } from './scripted-math.js';

export const RECIPE = 'recipes/wizardmath.yaml';
export const DEMO_CASSETTE = join(ROOT, 'recipes/data/wizardmath/demo.cassette.jsonl');

/** `{question, answer}` rows of a GSM8K-format JSONL file, the gold being the text after `####`. */
export function gsm8kProblems(path: string, limit = Number.POSITIVE_INFINITY): Array<{ question: string; answer: string }> {
  const out: Array<{ question: string; answer: string }> = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (out.length >= limit) break;
    if (!line.trim()) continue;
    let row: { question?: unknown; answer?: unknown };
    try {
      row = JSON.parse(line) as { question?: unknown; answer?: unknown };
    } catch {
      continue;
    }
    if (typeof row.question !== 'string' || typeof row.answer !== 'string' || !row.answer.includes('####')) continue;
    out.push({ question: row.question, answer: (row.answer.split('####').at(-1) ?? '').trim().replaceAll(',', '') });
  }
  return out;
}

export async function scriptedServer(
  problems: ReadonlyArray<{ question: string; answer: string }>,
  faults?: Parameters<typeof startModelServer>[0]['faults'],
): Promise<{ server: ModelServer; model: ScriptedMath }> {
  const model = scriptedMath(problems);
  const server = await startModelServer({ respond: model.respond, ...(faults ? { faults } : {}) });
  return { server, model };
}

/** A cassette's lines sorted by key: the order answers arrived in depends on concurrency. */
export function sortedCassette(path: string): string {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  lines.sort((a, b) => {
    const keyA = (JSON.parse(a) as { key: string }).key;
    const keyB = (JSON.parse(b) as { key: string }).key;
    return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
  });
  return `${lines.join('\n')}\n`;
}

export function writeSortedCassette(from: string, to: string): void {
  writeFileSync(to, sortedCassette(from));
}
