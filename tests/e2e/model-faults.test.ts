/**
 * End to end through the CLI, `recipes/wizardmath.yaml` against the scripted loopback model:
 * - under injected faults (429 with Retry-After, 500, 503, malformed JSON, JSON without choices,
 *   dropped connections, answers slower than the timeout) a run ends with the same output bytes as
 *   a clean run, and says how many retries it took;
 * - a run killed with SIGKILL mid-way keeps the answers it got: the re-run sends only the rest and
 *   writes the same bytes.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCliAsync, startCli, temporaryDirectory } from '../helpers/cli.js';
import type { Fault } from '../helpers/model-server.js';
import { gsm8kProblems, RECIPE, scriptedServer } from '../helpers/wizardmath.js';

const PROBLEMS = gsm8kProblems(join(ROOT, 'recipes/data/demo/grade-school.jsonl'));

/** A copy of the recipes with a short timeout, so that the slow-answer fault costs little. */
function workspace(): string {
  const dir = temporaryDirectory();
  cpSync(join(ROOT, 'recipes'), join(dir, 'recipes'), { recursive: true });
  const path = join(dir, RECIPE);
  writeFileSync(path, readFileSync(path, 'utf8').replace('  max_tokens: 1024\n', '  max_tokens: 1024\n  timeout_s: 0.5\n  retries: 8\n'));
  return dir;
}

interface RunJson {
  ok: boolean;
  model: { requests: number; cacheHits: number; sent: number; retries: number };
  steps: Array<{ id: string; kept: number }>;
}

async function run(dir: string, url: string): Promise<{ result: RunJson; output: string }> {
  const outcome = await runCliAsync(['run', RECIPE, '--json', '--no-progress'], { cwd: dir, env: { OVERSIGHT_MODEL_URL: url } });
  expect(outcome.code, outcome.stderr).toBe(0);
  return { result: JSON.parse(outcome.stdout) as RunJson, output: readFileSync(join(dir, 'out/wizardmath/train.jsonl'), 'utf8') };
}

const FAULTS: Fault[] = [
  { kind: 'status', status: 429, retryAfter: 0 },
  { kind: 'status', status: 500 },
  { kind: 'malformed', variant: 'json' },
  { kind: 'drop' },
  { kind: 'malformed', variant: 'shape' },
  { kind: 'delay', ms: 900 },
  { kind: 'status', status: 503 },
];

describe('model faults, end to end', () => {
  it('a run under injected faults writes the same bytes as a clean run', async () => {
    const clean = await scriptedServer(PROBLEMS);
    let reference: { result: RunJson; output: string };
    try {
      reference = await run(workspace(), clean.server.url);
    } finally {
      await clean.server.close();
    }
    expect(reference.result.model.retries).toBe(0);
    expect(reference.result.model.sent).toBe(reference.result.model.requests);

    // Every third HTTP request fails, cycling through the fault kinds.
    let injected = 0;
    const faulty = await scriptedServer(PROBLEMS, (number) => {
      if (number % 3 !== 0) return undefined;
      return FAULTS[injected++ % FAULTS.length];
    });
    try {
      const underFaults = await run(workspace(), faulty.server.url);
      expect(underFaults.output).toBe(reference.output);
      expect(underFaults.result.steps).toEqual(
        reference.result.steps.map((step) => expect.objectContaining({ id: step.id, kept: step.kept })),
      );
      expect(injected).toBeGreaterThanOrEqual(FAULTS.length);
      // Each injected fault cost one retry (a slow answer may also be retried once it times out).
      expect(underFaults.result.model.retries).toBe(injected);
      expect(underFaults.result.model.requests).toBe(reference.result.model.requests);
    } finally {
      await faulty.server.close();
    }
  });

  it('a run killed mid-way keeps every answer it got: the re-run sends only the rest', async () => {
    const dir = workspace();
    const ANSWERED = 12;
    // The first 12 requests are answered at once; later ones hang until the run is killed.
    let hanging = true;
    const { server } = await scriptedServer(PROBLEMS, (number) =>
      hanging && number > ANSWERED ? { kind: 'delay', ms: 20_000 } : undefined,
    );
    try {
      const child = startCli(['run', RECIPE, '--no-progress'], { cwd: dir, env: { OVERSIGHT_MODEL_URL: server.url } });
      const exited = new Promise((resolve) => child.on('close', resolve));
      while (server.received.length < ANSWERED) await new Promise((resolve) => setTimeout(resolve, 20));
      // Give the client time to read the answers (it commits them within milliseconds), then kill it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGKILL');
      await exited;
      expect(server.received).toHaveLength(ANSWERED);
      hanging = false;
      const resumed = await run(dir, server.url);
      const fresh = await run(workspace(), server.url);
      expect(resumed.output).toBe(fresh.output);
      // Every answer received before the kill was kept — in the model cache, or in the output of a step
      // that finished before the kill (the re-run skips it) — so the re-run asked for the rest only.
      expect(resumed.result.model.sent).toBe(fresh.result.model.sent - ANSWERED);
    } finally {
      await server.close();
    }
  });
});
