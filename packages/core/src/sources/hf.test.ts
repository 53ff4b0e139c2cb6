/**
 * Tests of the Hub dataset resolver against the loopback Hub of `tests/helpers/hub-server.ts`: the real
 * `@huggingface/hub` client does the HTTP, each test gets its own HF_HOME, and nothing reaches the network.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../../../../tests/helpers/hub-server.js';
import { OversightError } from '../errors.js';
import { type HfResolvedSource, hfCacheDir, resolveHfSource } from './hf.js';

const temporaryHomes: string[] = [];

/** A fresh, empty HF_HOME, removed after the run. */
function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'oversight-hf-'));
  temporaryHomes.push(home);
  return home;
}

function envFor(server: HubServer, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { HF_ENDPOINT: server.url, HF_HOME: home, ...extra };
}

/** The OversightError a promise rejects with; fails the test when it resolves or throws anything else. */
async function rejection(promise: Promise<unknown>): Promise<OversightError> {
  try {
    await promise;
  } catch (error) {
    if (OversightError.is(error)) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the promise to reject');
}

function paths(source: HfResolvedSource): string[] {
  return source.files.map((file) => file.path);
}

function countFileRequests(server: HubServer): number {
  return server.requests.filter((request) => request.url.includes('/resolve/')).length;
}

const jsonl = (...rows: object[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');

const CARD_WITH_CONFIGS = `---
license: mit
configs:
- config_name: chat
  default: true
  data_files:
  - split: train
    path: chat/part-*.jsonl
  - split: test
    path: [chat/eval.jsonl]
- config_name: code
  data_files: "code/**/*.jsonl"
---
# A dataset with configs
`;

let server: HubServer;
let cardCommit: string;
let conventionCommit: string;

beforeAll(async () => {
  server = await startHubServer({ pageSize: 3 });
  cardCommit = server.addDataset('acme/carded', [
    { path: 'README.md', content: CARD_WITH_CONFIGS },
    { path: 'chat/part-0.jsonl', content: jsonl({ id: 1 }) },
    { path: 'chat/part-1.jsonl', content: jsonl({ id: 2 }, { id: 3 }) },
    { path: 'chat/eval.jsonl', content: jsonl({ id: 4 }) },
    { path: 'code/python/a.jsonl', content: jsonl({ id: 5 }) },
    { path: 'code/rust/b.jsonl', content: jsonl({ id: 6 }) },
    { path: 'notes.txt', content: 'not data' },
  ]);
  conventionCommit = server.addDataset('acme/plain', [
    { path: 'README.md', content: '---\nlicense: mit\n---\n# No configs here\n' },
    { path: 'data/train-00000-of-00002.parquet', content: new Uint8Array([80, 65, 82, 49, 0, 1, 2, 255]) },
    { path: 'data/train-00001-of-00002.parquet', content: new Uint8Array([80, 65, 82, 49, 3, 4]) },
    { path: 'data/test.jsonl', content: jsonl({ id: 't' }) },
    { path: 'data/validation/part0.jsonl', content: jsonl({ id: 'v' }) },
    { path: 'en/train.jsonl', content: jsonl({ id: 'en-train' }) },
    { path: 'en/test.jsonl', content: jsonl({ id: 'en-test' }) },
    { path: 'data/fr/train-00000-of-00001.parquet', content: new Uint8Array([1, 2, 3]) },
    { path: 'data/fr/dev-00000-of-00001.parquet', content: new Uint8Array([4, 5, 6]) },
  ]);
  server.addDataset('acme/secret', [{ path: 'train.jsonl', content: jsonl({ id: 'secret' }) }], { private: true });
});

afterAll(async () => {
  await server.close();
  for (const home of temporaryHomes) {
    rmSync(home, { recursive: true, force: true });
  }
});

describe('hfCacheDir', () => {
  it('prefers HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub', () => {
    expect(hfCacheDir({ HF_HUB_CACHE: '/x/cache', HF_HOME: '/y' })).toBe('/x/cache');
    expect(hfCacheDir({ HF_HOME: '/y' })).toBe('/y/hub');
    expect(hfCacheDir({})).toMatch(/\.cache\/huggingface\/hub$/);
  });
});

describe('resolveHfSource: choosing files', () => {
  it('follows the configs: of the dataset card, default config and default split train', async () => {
    const source = await resolveHfSource({ repo: 'acme/carded' }, { env: envFor(server, freshHome()) });
    expect(source.commit).toBe(cardCommit);
    expect(source.revision).toBe('main');
    expect(paths(source)).toEqual(['chat/part-0.jsonl', 'chat/part-1.jsonl']);
  });

  it('maps a named config and split through the card, including ** globs and path lists', async () => {
    const env = envFor(server, freshHome());
    const code = await resolveHfSource({ repo: 'acme/carded', config: 'code' }, { env });
    expect(paths(code)).toEqual(['code/python/a.jsonl', 'code/rust/b.jsonl']);
    const test = await resolveHfSource({ repo: 'acme/carded', config: 'chat', split: 'test' }, { env });
    expect(paths(test)).toEqual(['chat/eval.jsonl']);
  });

  it('without a card config, picks split files in the root or data/, parquet shards included', async () => {
    const env = envFor(server, freshHome());
    const train = await resolveHfSource({ repo: 'acme/plain' }, { env });
    expect(paths(train)).toEqual(['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']);
    const test = await resolveHfSource({ repo: 'acme/plain', split: 'test' }, { env });
    expect(paths(test)).toEqual(['data/test.jsonl']);
    const validation = await resolveHfSource({ repo: 'acme/plain', split: 'validation' }, { env });
    expect(paths(validation)).toEqual(['data/validation/part0.jsonl']);
  });

  it('reads a config from <config>/ or data/<config>/ by convention', async () => {
    const env = envFor(server, freshHome());
    const english = await resolveHfSource({ repo: 'acme/plain', config: 'en', split: 'test' }, { env });
    expect(paths(english)).toEqual(['en/test.jsonl']);
    const french = await resolveHfSource({ repo: 'acme/plain', config: 'fr', split: 'dev' }, { env });
    expect(paths(french)).toEqual(['data/fr/dev-00000-of-00001.parquet']);
  });

  it('treats config "default" of a repo without card configs as the root', async () => {
    const source = await resolveHfSource({ repo: 'acme/plain', config: 'default', split: 'test' }, { env: envFor(server, freshHome()) });
    expect(paths(source)).toEqual(['data/test.jsonl']);
  });

  it('lists every page of a paginated tree', async () => {
    // The server pages by 3 entries and acme/plain has more than 12, so this only passes across pages.
    const before = server.requests.length;
    const source = await resolveHfSource({ repo: 'acme/plain', config: 'fr' }, { env: envFor(server, freshHome()) });
    expect(paths(source)).toEqual(['data/fr/train-00000-of-00001.parquet']);
    const pages = server.requests.slice(before).filter((request) => request.url.includes('/tree/'));
    expect(pages.length).toBeGreaterThan(3);
  });

  it('fails with source/hf-no-files listing the splits it saw', async () => {
    const error = await rejection(resolveHfSource({ repo: 'acme/plain', split: 'nonexistent' }, { env: envFor(server, freshHome()) }));
    expect(error.code).toBe('source/hf-no-files');
    for (const fragment of ['acme/plain', '"train"', '"test"', '"validation"', '"en"']) expect(error.message).toContain(fragment);
  });

  it('fails with source/hf-no-files listing the card splits, or its configs', async () => {
    const env = envFor(server, freshHome());
    const split = await rejection(resolveHfSource({ repo: 'acme/carded', split: 'validation' }, { env }));
    expect(split.code).toBe('source/hf-no-files');
    expect(split.message).toContain('"train", "test"');
    const config = await rejection(resolveHfSource({ repo: 'acme/carded', config: 'math' }, { env }));
    expect(config.code).toBe('source/hf-no-files');
    expect(config.message).toContain('"chat", "code"');
  });
});

describe('resolveHfSource: the cache', () => {
  it('downloads into <HF_HOME>/hub/datasets--owner--name/snapshots/<commit>/<path> with the right bytes', async () => {
    const home = freshHome();
    const source = await resolveHfSource({ repo: 'acme/plain' }, { env: envFor(server, home) });
    const folder = join(home, 'hub', 'datasets--acme--plain');
    const first = source.files[0];
    expect(first?.local).toBe(join(folder, 'snapshots', conventionCommit, 'data/train-00000-of-00002.parquet'));
    expect([...readFileSync(first?.local ?? '')]).toEqual([80, 65, 82, 49, 0, 1, 2, 255]);
    expect(first?.size).toBe(8);
    expect(readFileSync(join(folder, 'refs', 'main'), 'utf8')).toBe(conventionCommit);
  });

  it('downloads nothing again on a second resolve', async () => {
    const env = envFor(server, freshHome());
    const before = countFileRequests(server);
    const first = await resolveHfSource({ repo: 'acme/carded' }, { env });
    const afterFirst = countFileRequests(server);
    expect(afterFirst).toBeGreaterThan(before);
    const second = await resolveHfSource({ repo: 'acme/carded' }, { env });
    expect(countFileRequests(server)).toBe(afterFirst);
    expect(second).toEqual(first);
  });

  it('reports download progress in bytes, ending at the total', async () => {
    const calls: Array<[number, number]> = [];
    await resolveHfSource(
      { repo: 'acme/plain' },
      { env: envFor(server, freshHome()), onProgress: (done, total) => calls.push([done, total]) },
    );
    expect(calls[0]).toEqual([0, 14]);
    expect(calls.at(-1)).toEqual([14, 14]);
    expect(calls.length).toBeGreaterThan(2);
    const dones = calls.map(([done]) => done);
    expect(dones).toEqual([...dones].sort((left, right) => left - right));
  });

  it('follows a branch that moved, and points refs/main at the new commit', async () => {
    const ownServer = await startHubServer();
    const home = freshHome();
    const env = envFor(ownServer, home);
    try {
      const oldCommit = ownServer.addDataset('acme/moving', [{ path: 'train.jsonl', content: jsonl({ v: 1 }) }]);
      const before = await resolveHfSource({ repo: 'acme/moving' }, { env });
      const newCommit = ownServer.addDataset('acme/moving', [{ path: 'train.jsonl', content: jsonl({ v: 2 }) }]);
      const after = await resolveHfSource({ repo: 'acme/moving' }, { env });
      expect([before.commit, after.commit]).toEqual([oldCommit, newCommit]);
      expect(readFileSync(after.files[0]?.local ?? '', 'utf8')).toBe(jsonl({ v: 2 }));
      expect(readFileSync(before.files[0]?.local ?? '', 'utf8')).toBe(jsonl({ v: 1 }));
      const offline = await resolveHfSource({ repo: 'acme/moving' }, { env: { ...env, HF_HUB_OFFLINE: '1' } });
      expect(offline.commit).toBe(newCommit);
    } finally {
      await ownServer.close();
    }
  });

  it('resolves a commit sha as revision', async () => {
    const source = await resolveHfSource(
      { repo: 'acme/carded', revision: cardCommit, config: 'code' },
      { env: envFor(server, freshHome()) },
    );
    expect(source.revision).toBe(cardCommit);
    expect(source.commit).toBe(cardCommit);
    expect(paths(source)).toEqual(['code/python/a.jsonl', 'code/rust/b.jsonl']);
  });
});

describe('resolveHfSource: offline', () => {
  it('with HF_HUB_OFFLINE=1 reads a downloaded split from the cache while the Hub is down', async () => {
    const ownServer = await startHubServer();
    const commit = ownServer.addDataset('acme/offline', [
      { path: 'train.jsonl', content: jsonl({ id: 1 }) },
      { path: 'test.jsonl', content: jsonl({ id: 2 }) },
    ]);
    const home = freshHome();
    const online = await resolveHfSource({ repo: 'acme/offline' }, { env: envFor(ownServer, home) });
    await ownServer.close();

    const offlineEnv = envFor(ownServer, home, { HF_HUB_OFFLINE: '1' });
    const offline = await resolveHfSource({ repo: 'acme/offline' }, { env: offlineEnv });
    expect(offline).toEqual(online);
    expect(offline.commit).toBe(commit);
    expect(readFileSync(offline.files[0]?.local ?? '', 'utf8')).toBe(jsonl({ id: 1 }));

    const pinned = await resolveHfSource({ repo: 'acme/offline', revision: commit }, { env: offlineEnv });
    expect(paths(pinned)).toEqual(['train.jsonl']);

    const notDownloaded = await rejection(resolveHfSource({ repo: 'acme/offline', split: 'test' }, { env: offlineEnv }));
    expect(notDownloaded.code).toBe('source/hf-offline-miss');
  });

  it('with HF_HUB_OFFLINE=1 fails with source/hf-offline-miss for a repo not in the cache', async () => {
    const before = server.requests.length;
    const error = await rejection(
      resolveHfSource({ repo: 'acme/plain' }, { env: envFor(server, freshHome(), { HF_HUB_OFFLINE: 'true' }) }),
    );
    expect(error.code).toBe('source/hf-offline-miss');
    expect(error.message).toContain('acme/plain');
    expect(error.message).toContain('main');
    expect(error.hint).toBeDefined();
    expect(server.requests.length).toBe(before);
  });
});

describe('resolveHfSource: errors', () => {
  it('asks for HF_TOKEN on a private repo, and works with it without leaking it', async () => {
    const home = freshHome();
    const anonymous = await rejection(resolveHfSource({ repo: 'acme/secret' }, { env: envFor(server, home) }));
    expect(anonymous.code).toBe('source/hf-auth');
    expect(anonymous.hint).toContain('HF_TOKEN');

    const wrongToken = 'hf_wrong_but_well_formed';
    const refused = await rejection(resolveHfSource({ repo: 'acme/secret' }, { env: envFor(server, home, { HF_TOKEN: wrongToken }) }));
    expect(refused.code).toBe('source/hf-auth');
    const everything = `${refused.message} ${refused.hint} ${JSON.stringify(refused.details)} ${refused.stack}`;
    expect(everything).not.toContain(wrongToken);

    const badToken = 'not-a-token-secret';
    const malformed = await rejection(resolveHfSource({ repo: 'acme/secret' }, { env: envFor(server, home, { HF_TOKEN: badToken }) }));
    expect(malformed.code).toBe('source/hf-auth');
    expect(malformed.message).not.toContain(badToken);

    const source = await resolveHfSource({ repo: 'acme/secret' }, { env: envFor(server, home, { HF_TOKEN: 'hf_test' }) });
    expect(paths(source)).toEqual(['train.jsonl']);
    expect(readFileSync(source.files[0]?.local ?? '', 'utf8')).toBe(jsonl({ id: 'secret' }));
  });

  it('accepts HUGGING_FACE_HUB_TOKEN too', async () => {
    const env = envFor(server, freshHome(), { HUGGING_FACE_HUB_TOKEN: 'hf_test' });
    const source = await resolveHfSource({ repo: 'acme/secret' }, { env });
    expect(paths(source)).toEqual(['train.jsonl']);
  });

  it('fails with source/hf-not-found for an unknown repo or revision', async () => {
    const env = envFor(server, freshHome());
    const repo = await rejection(resolveHfSource({ repo: 'acme/missing' }, { env }));
    expect(repo.code).toBe('source/hf-not-found');
    expect(repo.message).toContain('acme/missing');
    const revision = await rejection(resolveHfSource({ repo: 'acme/plain', revision: 'v9' }, { env }));
    expect(revision.code).toBe('source/hf-not-found');
    expect(revision.message).toContain('v9');
  });

  it('fails with source/hf-unreachable naming the endpoint when the Hub does not answer', async () => {
    const gone = await startHubServer();
    await gone.close();
    const error = await rejection(resolveHfSource({ repo: 'acme/plain' }, { env: envFor(gone, freshHome()) }));
    expect(error.code).toBe('source/hf-unreachable');
    expect(error.message).toContain(gone.url);
    expect(error.hint).toBe('HF_HUB_OFFLINE=1 uses the cache only');
  });

  it('refuses repo ids that could escape the cache', async () => {
    const error = await rejection(resolveHfSource({ repo: '../etc' }, { env: envFor(server, freshHome()) }));
    expect(error.code).toBe('source/hf-invalid-request');
  });
});
