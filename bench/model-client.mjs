// Model client overhead: requests/s through Oversight's client (hash, cache lookup, concurrency gate,
// retries bookkeeping, cache write on its own DuckDB connection) against a bare `fetch` loop, both at
// 64 requests in flight against the same loopback chat-completions server (run in a worker thread so
// it does not share the client's event loop). Also the cache-hit path: the same requests again, from a
// fresh client (DuckDB lookups) and from the same client (answers already in memory).
//
//   npm run bench:model-client -- --runs 5
//   node bench/model-client.mjs --requests 2000 --runs 3     (after `npx tsc -b`)
//
// Options: --requests N (5000), --runs N (5), --concurrency N (64), --json.
// Exit code: 0 whatever the speed; 1 when a run fails or answers differ between the two sides.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createModelClient, Database, ensureWorkspaceTables, modelSchema } from '../packages/core/dist/index.js';
import { benchCli, median, pad } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  process.stdout.write('usage: node bench/model-client.mjs [--requests N] [--runs N] [--concurrency N] [--json]\n');
  process.exit(0);
}
const { integer, say, fail, makeTempDir, cleanup } = benchCli('model-client', args);
const requests = integer('requests', 1);
const runs = integer('runs', 1);
const concurrency = integer('concurrency', 1);

/** The loopback server in a worker thread: its own event loop and, with 2 cores, its own core. */
async function startServer() {
  const source = `
    import { parentPort } from 'node:worker_threads';
    import { startLoopbackModel } from ${JSON.stringify(new URL('../packages/core/dist/index.js', import.meta.url).href)};
    const server = await startLoopbackModel({
      respond: (request) => 'The answer is: ' + (request.messages.at(-1).content.length % 97),
    });
    parentPort.postMessage(server.url);
    parentPort.on('message', async () => { await server.close(); parentPort.postMessage('closed'); });
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
  const url = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('message', resolve));
      await worker.terminate();
    },
  };
}

const prompt = (run, index) => [
  { role: 'system', content: 'Solve the problem step by step, then write "The answer is: X".' },
  {
    role: 'user',
    content: `Run ${run}, problem ${index}: a farmer has ${index} hens and each lays ${run + 2} eggs a day. How many eggs in a week?`,
  },
];

/** The obvious client: fetch, check the status, parse the JSON, take the first choice. */
async function bareLoop(url, run) {
  const answers = new Array(requests);
  let next = 0;
  const lane = async () => {
    while (next < requests) {
      const index = next++;
      const response = await fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'scripted', messages: prompt(run, index), temperature: 0, max_tokens: 256 }),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      const body = await response.json();
      answers[index] = body.choices[0].message.content;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return answers;
}

const spec = (url) => modelSchema.parse({ base_url: url, name: 'scripted', max_tokens: 256, concurrency });

async function main() {
  const server = await startServer();
  const rate = (ms) => (requests / ms) * 1000;
  const results = { bare: [], miss: [], hitFresh: [], hitWarm: [] };
  try {
    say(
      `model client: ${requests} requests per side, ${concurrency} in flight, ${runs} run(s), ${availableParallelism()} cores; server in a worker thread`,
    );
    for (let run = 0; run < runs; run++) {
      const dir = makeTempDir();
      const db = await Database.open(join(dir, 'bench.duckdb'));
      await ensureWorkspaceTables(db);
      const batch = Array.from({ length: requests }, (_, index) => ({ messages: prompt(run, index) }));
      // Alternate which side goes first, so warm-up favours neither.
      const order = run % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
      let bareAnswers;
      let oursAnswers;
      for (const side of order) {
        if (side === 'bare') {
          const began = performance.now();
          bareAnswers = await bareLoop(server.url, run);
          results.bare.push(performance.now() - began);
        } else {
          const client = await createModelClient({ spec: spec(server.url), db, recipeDir: dir });
          let began = performance.now();
          oursAnswers = (await client.completeAll(batch)).map((answer) => answer.choices[0].content);
          results.miss.push(performance.now() - began);
          began = performance.now();
          await client.completeAll(batch);
          results.hitWarm.push(performance.now() - began);
          await client.close();
          const fresh = await createModelClient({ spec: spec(server.url), db, recipeDir: dir });
          began = performance.now();
          const again = await fresh.completeAll(batch);
          results.hitFresh.push(performance.now() - began);
          if (fresh.usage().sent !== 0 || again.some((answer) => !answer.cached)) fail('the cache-hit pass sent requests');
          await fresh.close();
        }
      }
      if (JSON.stringify(bareAnswers) !== JSON.stringify(oursAnswers))
        fail(`run ${run + 1}: answers differ between bare fetch and the client`);
      say(
        `run ${run + 1}/${runs} (${order.join(' first, ')}): bare ${rate(results.bare.at(-1)).toFixed(0)}/s, ours ${rate(results.miss.at(-1)).toFixed(0)}/s, ` +
          `cache hits ${rate(results.hitFresh.at(-1)).toFixed(0)}/s (fresh client) ${rate(results.hitWarm.at(-1)).toFixed(0)}/s (same client)`,
      );
      db.close();
    }
  } finally {
    await server.close();
  }
  const med = Object.fromEntries(Object.entries(results).map(([key, values]) => [key, median(values)]));
  say('');
  say(`median of ${runs} run(s), ${requests} requests each`);
  say(`  bare fetch loop                   ${pad(rate(med.bare).toFixed(0), 8)} req/s`);
  say(
    `  ours, endpoint (cache misses)     ${pad(rate(med.miss).toFixed(0), 8)} req/s   ${(med.bare / med.miss).toFixed(2)}× bare throughput`,
  );
  say(
    `  ours, cache hits (fresh client)   ${pad(rate(med.hitFresh).toFixed(0), 8)} req/s   ${(med.bare / med.hitFresh).toFixed(1)}× faster than bare`,
  );
  say(
    `  ours, cache hits (same client)    ${pad(rate(med.hitWarm).toFixed(0), 8)} req/s   ${(med.bare / med.hitWarm).toFixed(1)}× faster than bare`,
  );
  say(`  client overhead per request: ${(((med.miss - med.bare) / requests) * 1000).toFixed(1)} µs (ours − bare, wall)`);
  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ requests, runs, concurrency, requestsPerSecond: Object.fromEntries(Object.entries(med).map(([key, ms]) => [key, rate(ms)])) }, null, 2)}\n`,
    );
  }
  cleanup();
}

main().catch((error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
