/** An `hf:` source end to end: the CLI downloads from a Hub on 127.0.0.1 into HF_HOME, then works offline. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync, temporaryDirectory } from '../helpers/cli.js';
import { type HubServer, startHubServer } from '../helpers/hub-server.js';

let hub: HubServer;

beforeAll(async () => {
  hub = await startHubServer();
  const rows = (split: string, count: number) =>
    Array.from({ length: count }, (_, index) =>
      JSON.stringify({ question: `${split} question ${index}?`, answer: `Work.\n#### ${index * 1000}` }),
    ).join('\n');
  hub.addDataset('tiny-org/grade-school', [
    { path: 'main/train.jsonl', content: `${rows('train', 12)}\n` },
    { path: 'main/test.jsonl', content: `${rows('test', 4)}\n` },
  ]);
});

afterAll(async () => {
  await hub.close();
});

describe('hf: sources', () => {
  it('downloads a config/split into the HF cache, ingests it, and runs again offline from the cache', async () => {
    const dir = temporaryDirectory();
    const home = temporaryDirectory('oversight-hf-home-');
    writeFileSync(
      join(dir, 'r.yaml'),
      `version: 1
name: hub
sources:
  - { id: gsm, hf: tiny-org/grade-school, config: main, split: train, format: gsm8k }
heldout:
  - { id: gsm-test, hf: tiny-org/grade-school, config: main, split: test, format: gsm8k }
outputs:
  - { format: messages, path: out.jsonl, columns: [answer] }
`,
    );
    const env = { HF_ENDPOINT: hub.url, HF_HOME: home, HF_HUB_OFFLINE: undefined, HF_TOKEN: undefined };
    const online = await runCliAsync(['run', 'r.yaml', '--json'], { cwd: dir, env });
    expect(online.code, online.stderr).toBe(0);
    const result = JSON.parse(online.stdout);
    expect(result.sources[0]).toMatchObject({ id: 'gsm', read: 12, quarantined: 0 });
    expect(result.heldout[0]).toMatchObject({ id: 'gsm-test', rows: 4 });
    expect(result.outputs[0].rows).toBe(12);
    expect(existsSync(join(home, 'hub', 'datasets--tiny-org--grade-school'))).toBe(true);

    const offline = await runCliAsync(['run', 'r.yaml', '--json', '--db', join(dir, 'other.duckdb')], {
      cwd: dir,
      env: { ...env, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' },
    });
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout).sources[0]).toMatchObject({ read: 12 });
  });

  it('fails with a clear error for a repo the Hub does not have', async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, 'r.yaml'), 'version: 1\nname: hub\nsources:\n  - { id: x, hf: tiny-org/nothing-here, format: gsm8k }\n');
    const run = await runCliAsync(['run', 'r.yaml'], { cwd: dir, env: { HF_ENDPOINT: hub.url, HF_HOME: temporaryDirectory() } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/error\[source\/hf-not-found\].*tiny-org\/nothing-here/);
  });
});
