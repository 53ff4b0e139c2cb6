/**
 * Resolves a Hugging Face Hub dataset (repo, revision, config, split) to local files. Files are
 * downloaded with the official `@huggingface/hub` client into the standard HF cache layout, so they are
 * shared with Python tools (`datasets`, `huggingface_hub`), reused across runs, and readable offline
 * (`HF_HUB_OFFLINE=1`). Which files make up a config and split follows the Hub's own rules: the
 * `configs:` of the dataset card when there is one, else file-name conventions.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { datasetInfo, downloadFileToCacheDir, HubApiError, listFiles } from '@huggingface/hub';
import { parse as parseYaml } from 'yaml';
import { OversightError } from '../errors.js';

/** What to read from the Hub. */
export interface HfSourceRequest {
  /** Dataset repo id, `owner/name`. */
  repo: string;
  /** Branch, tag or commit sha; default `main`. */
  revision?: string;
  /** Dataset config (subset); default: the card's default config, or none. */
  config?: string;
  /** Split; default `train`. */
  split?: string;
}

/** One data file of a resolved source. */
export interface HfResolvedFile {
  /** Path in the repo. */
  path: string;
  /** Absolute path of the file in the HF cache snapshot. */
  local: string;
  /** Size in bytes. */
  size: number;
}

/** A dataset split pinned to a commit, with its files present in the local cache. */
export interface HfResolvedSource {
  repo: string;
  /** The revision asked for (default `main`). */
  revision: string;
  /** The 40-hex commit sha the revision pointed to. */
  commit: string;
  /** Sorted by path. */
  files: HfResolvedFile[];
}

/** Options of {@link resolveHfSource}. */
export interface HfResolveOptions {
  /** Environment to read `HF_*` settings from; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Called as data files download, with bytes done and bytes to download in all. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

type Environment = Record<string, string | undefined>;

const DEFAULT_ENDPOINT = 'https://huggingface.co';
const DEFAULT_REVISION = 'main';
const DEFAULT_SPLIT = 'train';
const DEFAULT_CONFIG_NAME = 'default';
const CARD_PATH = 'README.md';
const COMMIT_PATTERN = /^[0-9a-f]{40}$/;
const DATA_EXTENSIONS = ['.parquet', '.jsonl', '.json', '.csv'];
/** Split names common enough to tell a split in a file name from a config folder above it. */
const COMMON_SPLITS = ['train', 'training', 'test', 'testing', 'validation', 'valid', 'val', 'dev', 'eval', 'evaluation'];
const OFFLINE_HINT = 'HF_HUB_OFFLINE=1 uses the cache only';
const LISTED_AT_MOST = 10;
const DOWNLOAD_CONCURRENCY = 4;

/** The hub cache directory: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
export function hfCacheDir(env: Environment = process.env): string {
  const hubCache = nonEmpty(env.HF_HUB_CACHE);
  if (hubCache !== undefined) {
    return resolve(expandHome(hubCache));
  }
  const home = nonEmpty(env.HF_HOME);
  if (home !== undefined) {
    return resolve(expandHome(home), 'hub');
  }
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/**
 * Finds the files of a dataset split on the Hub, downloads those not yet in the HF cache, and returns
 * them pinned to the commit the revision points to. With `HF_HUB_OFFLINE=1` it reads the cache only.
 *
 * @throws OversightError `source/hf-not-found`, `source/hf-auth`, `source/hf-unreachable`,
 *   `source/hf-no-files`, `source/hf-offline-miss`, `source/hf-invalid-request`, `source/hf-failed`.
 */
export async function resolveHfSource(request: HfSourceRequest, options: HfResolveOptions = {}): Promise<HfResolvedSource> {
  const env = options.env ?? process.env;
  const target = readTarget(request);
  const settings = readSettings(env);
  return settings.offline ? resolveFromCache(target, settings) : resolveFromHub(target, settings, options.onProgress);
}

// ---------------------------------------------------------------------------------------------------------------
// Request and settings

/** A validated request with its defaults applied. */
interface Target {
  repo: string;
  revision: string;
  config: string | undefined;
  split: string;
}

interface Settings {
  endpoint: string;
  token: string | undefined;
  cacheDir: string;
  offline: boolean;
}

function readTarget(request: HfSourceRequest): Target {
  const target: Target = {
    repo: request.repo.trim(),
    revision: nonEmpty(request.revision) ?? DEFAULT_REVISION,
    config: nonEmpty(request.config),
    split: nonEmpty(request.split) ?? DEFAULT_SPLIT,
  };
  // Both end up in cache paths, so anything that could leave the cache directory is refused.
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(target.repo) || target.repo.split('/').some(isDotSegment)) {
    throw new OversightError(
      'source/hf-invalid-request',
      `Expected a Hugging Face dataset id like "owner/name", found "${request.repo}".`,
      { hint: 'Use the id shown on the dataset page, e.g. "HuggingFaceH4/no_robots".' },
    );
  }
  if (target.revision.split('/').some((segment) => segment === '' || isDotSegment(segment))) {
    throw new OversightError(
      'source/hf-invalid-request',
      `Expected a branch, tag or commit sha as revision of dataset ${target.repo}, found "${target.revision}".`,
    );
  }
  return target;
}

function isDotSegment(segment: string): boolean {
  return segment === '.' || segment === '..';
}

function readSettings(env: Environment): Settings {
  const token = nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  const offline = ['1', 'true', 'yes', 'on'].includes((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase());
  // Offline, the token is never sent, so a malformed one must not stop a run that could succeed.
  if (!offline && token !== undefined && !token.startsWith('hf_')) {
    // The client would reject it with a bare TypeError; say which variable is wrong, never its value.
    throw new OversightError(
      'source/hf-auth',
      'Expected HF_TOKEN (or HUGGING_FACE_HUB_TOKEN) to be a Hugging Face access token starting with "hf_", found a value that does not.',
      { hint: 'Create a read token at https://huggingface.co/settings/tokens and set HF_TOKEN to it.' },
    );
  }
  return {
    endpoint: (nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, ''),
    token,
    cacheDir: hfCacheDir(env),
    offline,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** `datasets--owner--name`, the folder the HF cache keeps a dataset repo in. */
function repoFolder(settings: Settings, repo: string): string {
  return join(settings.cacheDir, ['datasets', ...repo.split('/')].join('--'));
}

function describeTarget(target: Target): string {
  return `dataset ${target.repo} at revision ${target.revision}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Online resolution

async function resolveFromHub(target: Target, settings: Settings, onProgress: HfResolveOptions['onProgress']): Promise<HfResolvedSource> {
  const commit = await fetchCommit(target, settings);
  const sizes = await listRepoFiles(target, commit, settings);
  const card = sizes.has(CARD_PATH) ? await downloadCard(target, commit, settings) : undefined;
  const selection = selectDataFiles([...sizes.keys()], card, target);
  if (selection.paths.length === 0) {
    throw noFilesError(target, commit, selection.available);
  }
  const files = await downloadFiles(target, commit, settings, selection.paths, sizes, onProgress);
  // Written last so that offline mode never trusts a snapshot whose download did not finish.
  await writeRef(settings, target, commit);
  return { repo: target.repo, revision: target.revision, commit, files };
}

/** Client options shared by every call: endpoint, token, and a fetch that tells network failures apart. */
function clientOptions(settings: Settings, fetchFunction: typeof fetch) {
  return {
    hubUrl: settings.endpoint,
    fetch: fetchFunction,
    ...(settings.token === undefined ? {} : { accessToken: settings.token }),
  };
}

async function fetchCommit(target: Target, settings: Settings): Promise<string> {
  const info = await callHub(target, settings, 'look up', undefined, () =>
    datasetInfo({
      ...clientOptions(settings, hubFetch()),
      name: target.repo,
      revision: target.revision,
      additionalFields: ['sha'],
    }),
  );
  if (typeof info.sha !== 'string' || !COMMIT_PATTERN.test(info.sha)) {
    throw new OversightError(
      'source/hf-failed',
      `Expected the Hub at ${settings.endpoint} to give a 40-hex commit sha for ${describeTarget(target)}, found ${JSON.stringify(info.sha)}.`,
    );
  }
  return info.sha;
}

/** Sizes of the repo's files by path, listed at the commit so that a moving branch cannot mix two states. */
async function listRepoFiles(target: Target, commit: string, settings: Settings): Promise<Map<string, number>> {
  return callHub(target, settings, 'list the files of', undefined, async () => {
    const sizes = new Map<string, number>();
    const entries = listFiles({
      ...clientOptions(settings, hubFetch()),
      repo: { type: 'dataset', name: target.repo },
      revision: commit,
      recursive: true,
    });
    for await (const entry of entries) {
      if (entry.type === 'file') {
        sizes.set(entry.path, entry.size);
      }
    }
    return sizes;
  });
}

async function downloadCard(target: Target, commit: string, settings: Settings): Promise<string> {
  const local = await downloadToCache(target, commit, settings, CARD_PATH, hubFetch());
  return readFile(local, 'utf8');
}

/** Downloads one file into the cache snapshot of `commit` (a no-op when it is already there) and returns its path. */
function downloadToCache(target: Target, commit: string, settings: Settings, path: string, fetchFunction: typeof fetch): Promise<string> {
  return callHub(target, settings, 'download', path, () =>
    downloadFileToCacheDir({
      ...clientOptions(settings, fetchFunction),
      repo: { type: 'dataset', name: target.repo },
      path,
      // A commit sha (not the branch) makes the client look in the snapshot before asking the Hub anything.
      revision: commit,
      cacheDir: settings.cacheDir,
    }),
  );
}

async function downloadFiles(
  target: Target,
  commit: string,
  settings: Settings,
  paths: string[],
  sizes: Map<string, number>,
  onProgress: HfResolveOptions['onProgress'],
): Promise<HfResolvedFile[]> {
  const snapshot = join(repoFolder(settings, target.repo), 'snapshots', commit);
  const missing = await filterAsync(paths, async (path) => !(await isReadableFile(join(snapshot, path))));
  const progress = new DownloadProgress(sum(missing.map((path) => sizes.get(path) ?? 0)), onProgress);
  const files = await mapConcurrently(paths, DOWNLOAD_CONCURRENCY, async (path): Promise<HfResolvedFile> => {
    const size = sizes.get(path) ?? 0;
    const file: FileCounter = { bytes: 0 };
    const local = await downloadToCache(target, commit, settings, path, hubFetch({ progress, file }));
    progress.finish(file, missing.includes(path) ? size : 0);
    return { path, local: resolve(local), size };
  });
  return files.sort((left, right) => compareText(left.path, right.path));
}

/** Points `refs/<revision>` at the commit, as the HF tools do, so offline runs can find the snapshot. */
async function writeRef(settings: Settings, target: Target, commit: string): Promise<void> {
  if (target.revision === commit) {
    return;
  }
  const refPath = join(repoFolder(settings, target.repo), 'refs', target.revision);
  await mkdir(dirname(refPath), { recursive: true });
  await writeFile(refPath, commit);
}

// ---------------------------------------------------------------------------------------------------------------
// Progress

/** Bytes of one file's download seen so far. */
interface FileCounter {
  bytes: number;
}

/** Sums bytes over concurrent downloads and reports them, never going backwards or past the total. */
class DownloadProgress {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly report: HfResolveOptions['onProgress'],
  ) {
    if (total > 0) {
      this.report?.(0, total);
    }
  }

  /** Counts streamed bytes of one file. */
  add(counter: FileCounter, bytes: number): void {
    counter.bytes += bytes;
    this.advance(bytes);
  }

  /** Settles a finished file: a blob already in the cache streams nothing but still counts as done. */
  finish(counter: FileCounter, expected: number): void {
    this.advance(Math.max(0, expected - counter.bytes));
  }

  private advance(bytes: number): void {
    if (this.report === undefined || this.total === 0 || bytes === 0) {
      return;
    }
    this.done = Math.min(this.total, this.done + bytes);
    this.report(this.done, this.total);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to the Hub, and its errors

/** Where the bytes of one file's download are counted. */
interface Tracking {
  progress: DownloadProgress;
  file: FileCounter;
}

/** Marks a request that never got an answer, as opposed to an HTTP error status. */
class NetworkFailure extends Error {}

/**
 * A fetch for the client that turns connection failures into {@link NetworkFailure} and, given a
 * counter, counts the body bytes of full file downloads (not the 1-byte `Range: bytes=0-0` probes).
 */
function hubFetch(tracking?: Tracking): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      throw new NetworkFailure(describeCause(error), { cause: error });
    }
    return tracking !== undefined && isFullDownload(input, init, response) ? countBody(response, tracking) : response;
  };
}

function isFullDownload(input: string | URL | Request, init: RequestInit | undefined, response: Response): boolean {
  const url = input instanceof Request ? input.url : String(input);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const ranged = new Headers(init?.headers).has('range');
  return method === 'GET' && !ranged && url.includes('/resolve/') && response.ok && response.body !== null;
}

/** The same response, with its body counted as it streams into the cache. */
function countBody(response: Response, tracking: Tracking): Response {
  const body = response.body;
  if (body === null) {
    return response;
  }
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        tracking.progress.add(tracking.file, chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/** Runs one client call and turns whatever it throws into an {@link OversightError} that says where. */
async function callHub<T>(
  target: Target,
  settings: Settings,
  action: string,
  path: string | undefined,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toOversightError(error, { target, settings, action, path });
  }
}

interface ErrorContext {
  target: Target;
  settings: Settings;
  /** What was being done, as a verb phrase: "download", "list the files of". */
  action: string;
  path: string | undefined;
}

function toOversightError(error: unknown, context: ErrorContext): OversightError {
  if (OversightError.is(error)) {
    return error;
  }
  const { target, settings } = context;
  const where = `${describeTarget(target)}${context.path === undefined ? '' : `, file ${context.path}`}`;
  const details = { repo: target.repo, revision: target.revision, endpoint: settings.endpoint, path: context.path };
  const reason = redact(errorMessage(error), settings.token);
  if (error instanceof NetworkFailure) {
    return new OversightError(
      'source/hf-unreachable',
      `Expected to reach the Hugging Face Hub at ${settings.endpoint} to ${context.action} ${where}, but the request failed (${reason}).`,
      { cause: error, hint: OFFLINE_HINT, details },
    );
  }
  if (error instanceof HubApiError) {
    return httpError(error.statusCode, reason, where, context, details);
  }
  return new OversightError('source/hf-failed', `Could not ${context.action} ${where} from ${settings.endpoint}: ${reason}`, {
    cause: error,
    details,
  });
}

function httpError(status: number, reason: string, where: string, context: ErrorContext, details: Record<string, unknown>): OversightError {
  const { settings } = context;
  const answered = `the Hub at ${settings.endpoint} answered ${status} (${reason})`;
  if (status === 404) {
    return new OversightError('source/hf-not-found', `Expected ${where} to exist, but ${answered}.`, {
      hint: 'Check the dataset id and revision; a private dataset also needs HF_TOKEN.',
      details,
    });
  }
  if (status === 401 || status === 403) {
    const sent = settings.token === undefined ? 'without a token' : 'with the token from HF_TOKEN';
    return new OversightError(
      'source/hf-auth',
      `Expected to be allowed to ${context.action} ${where} (asked ${sent}), but ${answered}. The dataset may be private or gated, or may not exist.`,
      { hint: 'Set HF_TOKEN to a token that can read this dataset (https://huggingface.co/settings/tokens).', details },
    );
  }
  if (status === 429 || status >= 500) {
    return new OversightError('source/hf-unreachable', `Expected to ${context.action} ${where}, but ${answered}.`, {
      hint: OFFLINE_HINT,
      details,
    });
  }
  return new OversightError('source/hf-failed', `Expected to ${context.action} ${where}, but ${answered}.`, {
    details,
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Tokens must never reach a message, even if some layer echoed one back. */
function redact(text: string, token: string | undefined): string {
  return token === undefined ? text : text.split(token).join('hf_***');
}

// ---------------------------------------------------------------------------------------------------------------
// Offline resolution

async function resolveFromCache(target: Target, settings: Settings): Promise<HfResolvedSource> {
  const folder = repoFolder(settings, target.repo);
  const commit = COMMIT_PATTERN.test(target.revision) ? target.revision : await readRef(folder, target.revision);
  const snapshot = commit === undefined ? undefined : join(folder, 'snapshots', commit);
  const cached = snapshot === undefined ? undefined : await listSnapshot(snapshot);
  if (commit === undefined || snapshot === undefined || cached === undefined) {
    const missing = commit === undefined ? `refs/${target.revision}` : `snapshots/${commit}`;
    throw offlineMissError(target, `found no ${missing} in ${folder}`);
  }
  const card = cached.has(CARD_PATH) ? await readFile(join(snapshot, CARD_PATH), 'utf8') : undefined;
  const selection = selectDataFiles([...cached.keys()], card, target);
  if (selection.paths.length === 0) {
    throw offlineMissError(target, `found none among the cached files of commit ${commit}. ${selection.available}`);
  }
  const files = selection.paths.map((path) => ({ path, local: join(snapshot, path), size: cached.get(path) ?? 0 }));
  return { repo: target.repo, revision: target.revision, commit, files };
}

function offlineMissError(target: Target, found: string): OversightError {
  const wanted = target.config === undefined ? `split ${target.split}` : `config ${target.config}, split ${target.split}`;
  return new OversightError(
    'source/hf-offline-miss',
    `HF_HUB_OFFLINE is set, so only the cache was read: expected ${describeTarget(target)} (${wanted}) in the cache, ${found}.`,
    {
      hint: 'Run once without HF_HUB_OFFLINE to download it, or point HF_HOME / HF_HUB_CACHE at a cache that has it.',
      details: { repo: target.repo, revision: target.revision },
    },
  );
}

async function readRef(folder: string, revision: string): Promise<string | undefined> {
  try {
    const commit = (await readFile(join(folder, 'refs', revision), 'utf8')).trim();
    return COMMIT_PATTERN.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Sizes of the files in a snapshot by repo path; undefined when the snapshot is not there. */
async function listSnapshot(snapshot: string): Promise<Map<string, number> | undefined> {
  let names: string[];
  try {
    names = await readdir(snapshot, { recursive: true });
  } catch {
    return undefined;
  }
  const sizes = new Map<string, number>();
  for (const name of names) {
    // Snapshot entries are symlinks into blobs/; stat follows them, and skips dangling ones.
    const info = await stat(join(snapshot, name)).catch(() => undefined);
    if (info?.isFile()) {
      sizes.set(name.split('\\').join('/'), info.size);
    }
  }
  return sizes;
}

async function isReadableFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true;
}

// ---------------------------------------------------------------------------------------------------------------
// Which files make up a config and split

/** The matching files, sorted, and when there are none, what there was instead (for the error message). */
interface Selection {
  paths: string[];
  available: string;
}

interface CardConfig {
  name: string;
  isDefault: boolean;
  splits: Map<string, string[]>;
}

function selectDataFiles(paths: string[], card: string | undefined, target: Target): Selection {
  const configs = card === undefined ? [] : readCardConfigs(card);
  const selection = configs.length > 0 ? selectByCard(paths, configs, target) : selectByConvention(paths, target);
  return { paths: [...selection.paths].sort(compareText), available: selection.available };
}

function noFilesError(target: Target, commit: string, available: string): OversightError {
  const config = target.config === undefined ? '' : ` of config ${target.config}`;
  return new OversightError(
    'source/hf-no-files',
    `Expected data files for split ${target.split}${config} in ${describeTarget(target)} (commit ${commit}), found none. ${available}`,
    {
      hint: 'Pick a config and split listed above, or declare them under configs: in the dataset card (README.md).',
      details: { repo: target.repo, revision: target.revision, commit, config: target.config, split: target.split },
    },
  );
}

// The dataset card -----------------------------------------------------------------------------------------------

/** The `configs:` of the card's YAML front matter; empty when there are none or the YAML does not parse. */
function readCardConfigs(card: string): CardConfig[] {
  const frontMatter = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(card)?.[1];
  if (frontMatter === undefined) {
    return [];
  }
  let metadata: unknown;
  try {
    metadata = parseYaml(frontMatter);
  } catch {
    // A card whose YAML is broken says nothing reliable about configs; the conventions still apply.
    return [];
  }
  const configs = isRecord(metadata) ? metadata.configs : undefined;
  return Array.isArray(configs) ? configs.flatMap(readCardConfig) : [];
}

function readCardConfig(value: unknown): CardConfig[] {
  if (!isRecord(value)) {
    return [];
  }
  const name = typeof value.config_name === 'string' ? value.config_name : DEFAULT_CONFIG_NAME;
  return [{ name, isDefault: value.default === true, splits: readDataFiles(value.data_files) }];
}

/** `data_files` as split → glob patterns. It may be a pattern, a list of patterns (split `train`), a list of `{split, path}` or a split → pattern map. */
function readDataFiles(value: unknown): Map<string, string[]> {
  const splits = new Map<string, string[]>();
  const add = (split: string, patterns: unknown) => {
    splits.set(split, [...(splits.get(split) ?? []), ...toPatterns(patterns)]);
  };
  if (typeof value === 'string') {
    add(DEFAULT_SPLIT, value);
  } else if (Array.isArray(value)) {
    for (const item of value) {
      if (isRecord(item)) {
        add(typeof item.split === 'string' ? item.split : DEFAULT_SPLIT, item.path);
      } else {
        add(DEFAULT_SPLIT, item);
      }
    }
  } else if (isRecord(value)) {
    for (const [split, patterns] of Object.entries(value)) {
      add(split, patterns);
    }
  }
  return splits;
}

function toPatterns(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((pattern): pattern is string => typeof pattern === 'string' && pattern !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function selectByCard(paths: string[], configs: CardConfig[], target: Target): Selection {
  const names = configs.map((config) => config.name);
  const config = chooseCardConfig(configs, target.config);
  if (config === undefined) {
    const asked = target.config === undefined ? 'no config was given and none is marked default' : `no config ${target.config}`;
    return { paths: [], available: `The dataset card declares configs ${listed(names)}, ${asked}.` };
  }
  const patterns = config.splits.get(target.split);
  if (patterns === undefined) {
    const splits = [...config.splits.keys()];
    return { paths: [], available: `Config ${config.name} of the dataset card has splits ${listed(splits)}.` };
  }
  const matchers = patterns.map(globToRegExp);
  const matched = paths.filter((path) => matchers.some((matcher) => matcher.test(path)));
  const dataFiles = paths.filter(isDataFile);
  return {
    paths: matched,
    available: `The dataset card maps it to ${listed(patterns)}, which matched none of the ${paths.length} files; data files seen: ${listed(dataFiles)}.`,
  };
}

/** The asked config; else the one marked default, the only one, or the one named `default`. */
function chooseCardConfig(configs: CardConfig[], asked: string | undefined): CardConfig | undefined {
  if (asked !== undefined) {
    return configs.find((config) => config.name === asked);
  }
  return (
    configs.find((config) => config.isDefault) ??
    (configs.length === 1 ? configs[0] : undefined) ??
    configs.find((config) => config.name === DEFAULT_CONFIG_NAME)
  );
}

// Conventions ----------------------------------------------------------------------------------------------------

/**
 * Without a card: data files under `<config>/` or `data/<config>/` (the repo root or `data/` without a
 * config) whose name carries the split (`train.jsonl`, `train-00000-of-00002.parquet`, `my-train_0.csv`)
 * or that sit in a directory named after it (`data/train/0.parquet`).
 */
function selectByConvention(paths: string[], target: Target): Selection {
  // Tools name the one implicit config of a card-less repo `default`; it lives at the root, not in default/.
  const config = target.config === DEFAULT_CONFIG_NAME ? undefined : target.config;
  const dataFiles = paths.filter(isDataFile);
  const inScope = dataFiles.flatMap((path) => {
    const rest = scopedRest(path, config);
    return rest === undefined ? [] : [{ path, rest }];
  });
  return {
    paths: inScope.filter((file) => matchesSplit(file.rest, target.split)).map((file) => file.path),
    available: describeConventionLayout(
      dataFiles,
      inScope.map((file) => file.rest),
      config,
    ),
  };
}

/** The part of `path` below the config's folder (or the root / `data/`), or undefined when it lies elsewhere. */
function scopedRest(path: string, config: string | undefined): string | undefined {
  const prefixes = config === undefined ? ['data/', ''] : [`data/${config}/`, `${config}/`];
  for (const prefix of prefixes) {
    if (path.startsWith(prefix)) {
      const rest = path.slice(prefix.length);
      // Without a config, data/ counts as the root; the root prefix must not see data/ files a second time.
      if (!(prefix === '' && config === undefined && rest.startsWith('data/'))) {
        return rest;
      }
    }
  }
  return undefined;
}

function matchesSplit(rest: string, split: string): boolean {
  const segments = rest.split('/');
  if (segments.length > 1) {
    return segments[0] === split;
  }
  const pattern = new RegExp(`(?:^|[-._ 0-9])${escapeRegExp(split)}(?:$|[-._ 0-9])`);
  return pattern.test(stem(rest));
}

/** Lists split-like names, candidate config folders and some data files, to show what could have been asked. */
function describeConventionLayout(dataFiles: string[], inScope: string[], config: string | undefined): string {
  const splits = unique(inScope.flatMap(guessSplit));
  const folders = unique(dataFiles.flatMap(configFolderOf));
  const scope = config === undefined ? 'the repo root and data/' : `${config}/ and data/${config}/`;
  const parts = [`Splits seen in ${scope}: ${listed(splits)}.`];
  if (folders.length > 0) {
    parts.push(`Folders with data files (possible configs): ${listed(folders)}.`);
  }
  parts.push(`Data files seen (${dataFiles.length}): ${listed(dataFiles)}.`);
  return parts.join(' ');
}

/** The split a file seems to belong to: its folder (`train/0.parquet`) or the first word of its name. */
function guessSplit(rest: string): string[] {
  const segments = rest.split('/');
  const name = stem(rest);
  const word = /^[A-Za-z]+/.exec(name)?.[0] ?? name;
  if (segments.length === 1) {
    return [word];
  }
  // In en/train.jsonl the name carries the split, so en/ is a config folder rather than a split folder.
  return COMMON_SPLITS.includes(word.toLowerCase()) ? [] : segments.slice(0, 1);
}

/** `en` for `en/train.jsonl` and `data/en/train.jsonl`. */
function configFolderOf(path: string): string[] {
  const segments = path.split('/');
  if (segments[0] === 'data') {
    return segments.length > 2 && segments[1] !== undefined ? [segments[1]] : [];
  }
  return segments.length > 1 && segments[0] !== undefined ? [segments[0]] : [];
}

function isDataFile(path: string): boolean {
  const lower = path.toLowerCase();
  return DATA_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** The file name without its data extension. */
function stem(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const extension = DATA_EXTENSIONS.find((candidate) => base.toLowerCase().endsWith(candidate));
  return extension === undefined ? base : base.slice(0, -extension.length);
}

// Globs ----------------------------------------------------------------------------------------------------------

/**
 * Turns a `data_files` glob into an anchored regular expression over repo paths: `*` and `?` stay in
 * one folder, `**` crosses folders (`**\/` also matches no folder), `[...]` and `{a,b}` work as in shells.
 */
function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${globSource(pattern.replace(/^\.\//, ''))}$`);
}

function globSource(pattern: string): string {
  let source = '';
  let index = 0;
  while (index < pattern.length) {
    const [piece, length] = globPiece(pattern, index);
    source += piece;
    index += length;
  }
  return source;
}

/** The regular expression for the glob token at `index`, and how many characters it spans. */
function globPiece(pattern: string, index: number): [string, number] {
  const char = pattern[index] ?? '';
  if (pattern.startsWith('**/', index)) {
    return ['(?:.*/)?', 3];
  }
  if (pattern.startsWith('**', index)) {
    return ['.*', 2];
  }
  if (char === '*') {
    return ['[^/]*', 1];
  }
  if (char === '?') {
    return ['[^/]', 1];
  }
  if (char === '[') {
    const close = pattern.indexOf(']', index + 2);
    if (close !== -1) {
      const body = pattern
        .slice(index + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\');
      return [`[${body}]`, close - index + 1];
    }
  }
  if (char === '{') {
    const close = pattern.indexOf('}', index);
    if (close !== -1) {
      const alternatives = pattern
        .slice(index + 1, close)
        .split(',')
        .map(globSource);
      return [`(?:${alternatives.join('|')})`, close - index + 1];
    }
  }
  return [escapeRegExp(char), 1];
}

// Small helpers --------------------------------------------------------------------------------------------------

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort(compareText);
}

/** At most {@link LISTED_AT_MOST} items, quoted, with a count of the rest. */
function listed(values: string[]): string {
  if (values.length === 0) {
    return '(none)';
  }
  const shown = values.slice(0, LISTED_AT_MOST).map((value) => JSON.stringify(value));
  const more = values.length > LISTED_AT_MOST ? ` and ${values.length - LISTED_AT_MOST} more` : '';
  return `${shown.join(', ')}${more}`;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

async function filterAsync<T>(items: T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept = await Promise.all(items.map(keep));
  return items.filter((_, index) => kept[index] === true);
}

/** Maps with at most `limit` calls in flight; stops starting new ones after a failure. */
async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
