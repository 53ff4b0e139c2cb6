/**
 * A loopback stand-in for the Hugging Face Hub, for tests only. It speaks the subset of the Hub's HTTP
 * protocol that `@huggingface/hub` uses to read datasets (repo info, tree listing, paths-info, file
 * resolution with ranges), so code under test runs the real client against data the test controls,
 * without touching the network. Every request is recorded so tests can assert what was (not) fetched.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file of a dataset repo. Binary contents (`Uint8Array`) are served as Git LFS files, text as plain Git blobs. */
export interface HubFile {
  path: string;
  content: string | Uint8Array;
}

/** One request the server received, in arrival order. */
export interface HubRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  authorization?: string;
}

/** Options of {@link HubServer.addDataset}. */
export interface AddDatasetOptions {
  /** Branch the files are committed to; default `main`. */
  revision?: string;
  /** A private repo answers 401 unless the request carries `Authorization: Bearer hf_test`. */
  private?: boolean;
}

/** A running loopback Hub. */
export interface HubServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`; pass it as `HF_ENDPOINT`. */
  url: string;
  /** Every request received so far; tests may truncate it. */
  requests: HubRequest[];
  /**
   * Commits `files` as the whole content of `repo` (`owner/name`) at `revision`, replacing what that
   * revision held. Returns the commit sha, which resolves as a revision too.
   */
  addDataset(repo: string, files: HubFile[], options?: AddDatasetOptions): string;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Options of {@link startHubServer}. */
export interface HubServerOptions {
  /** Entries per page of a tree listing, to exercise `Link` pagination; default 1000 like the Hub. */
  pageSize?: number;
}

/** The only token private repos accept. */
export const HUB_TEST_TOKEN = 'hf_test';

interface LfsPointer {
  oid: string;
  size: number;
  pointerSize: number;
}

interface StoredFile {
  path: string;
  bytes: Buffer;
  /** Git blob id of what Git stores: the file itself, or its LFS pointer. */
  oid: string;
  lfs: LfsPointer | undefined;
}

interface Snapshot {
  commit: string;
  date: string;
  files: Map<string, StoredFile>;
  directories: Set<string>;
}

interface StoredRepo {
  isPrivate: boolean;
  /** Keyed by branch name and by commit sha, so both resolve. */
  revisions: Map<string, Snapshot>;
}

interface TreeEntry {
  type: 'file' | 'directory';
  oid: string;
  size: number;
  path: string;
  lfs?: LfsPointer;
  lastCommit?: { id: string; title: string; date: string };
}

/** Starts a Hub on 127.0.0.1 with a random port. */
export async function startHubServer(options: HubServerOptions = {}): Promise<HubServer> {
  const repos = new Map<string, StoredRepo>();
  const requests: HubRequest[] = [];
  const pageSize = options.pageSize ?? 1000;
  let baseUrl = '';

  const server = createServer((request, response) => {
    requests.push(describeRequest(request));
    handleRequest({ repos, pageSize, baseUrl }, request, response).catch((error: unknown) => {
      sendError(response, 500, 'InternalError', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    requests,
    addDataset: (repo, files, datasetOptions = {}) => addDataset(repos, repo, files, datasetOptions),
    close: () => closeServer(server),
  };
}

function describeRequest(request: IncomingMessage): HubRequest {
  const described: HubRequest = { method: request.method ?? 'GET', url: request.url ?? '/' };
  if (request.headers.authorization !== undefined) {
    described.authorization = request.headers.authorization;
  }
  return described;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  // The client keeps connections alive; without this, close() waits for them to time out.
  server.closeAllConnections();
  await closed;
}

function addDataset(repos: Map<string, StoredRepo>, repo: string, files: HubFile[], options: AddDatasetOptions): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) {
    throw new Error(`hub-server: expected a repo id like owner/name, got "${repo}"`);
  }
  const revision = options.revision ?? 'main';
  const snapshot = createSnapshot(repo, revision, files);
  const stored = repos.get(repo) ?? { isPrivate: false, revisions: new Map<string, Snapshot>() };
  stored.isPrivate = options.private ?? stored.isPrivate;
  stored.revisions.set(revision, snapshot);
  stored.revisions.set(snapshot.commit, snapshot);
  repos.set(repo, stored);
  return snapshot.commit;
}

function createSnapshot(repo: string, revision: string, files: HubFile[]): Snapshot {
  const stored = files.map(storeFile).sort((left, right) => compareText(left.path, right.path));
  const commitHash = createHash('sha1').update(`${repo}\0${revision}\0`);
  for (const file of stored) {
    commitHash.update(`${file.path}\0${file.oid}\0`);
  }
  return {
    commit: commitHash.digest('hex'),
    date: new Date(0).toISOString(),
    files: new Map(stored.map((file) => [file.path, file])),
    directories: collectDirectories(stored.map((file) => file.path)),
  };
}

function storeFile(file: HubFile): StoredFile {
  const bytes = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
  if (typeof file.content === 'string') {
    return { path: file.path, bytes, oid: gitBlobId(bytes), lfs: undefined };
  }
  const pointer = lfsPointerText(bytes);
  return {
    path: file.path,
    bytes,
    oid: gitBlobId(Buffer.from(pointer)),
    lfs: { oid: sha256(bytes), size: bytes.length, pointerSize: Buffer.byteLength(pointer) },
  };
}

function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function lfsPointerText(bytes: Buffer): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`;
}

function collectDirectories(paths: string[]): Set<string> {
  const directories = new Set<string>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      directories.add(segments.slice(0, depth).join('/'));
    }
  }
  return directories;
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Routing

interface ServerState {
  repos: Map<string, StoredRepo>;
  pageSize: number;
  baseUrl: string;
}

/** A request aimed at one dataset repo, after routing. */
interface RepoRequest {
  state: ServerState;
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** `owner/name`. */
  name: string;
  repo: StoredRepo;
}

async function handleRequest(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', state.baseUrl);
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  const route = matchRoute(segments);
  if (route === undefined) {
    sendError(response, 404, 'NotFound', `No route for ${request.method} ${url.pathname}`);
    return;
  }
  const repo = state.repos.get(route.repo);
  if (repo === undefined) {
    sendError(response, 404, 'RepoNotFound', `Repository not found: ${route.repo}`);
    return;
  }
  if (repo.isPrivate && request.headers.authorization !== `Bearer ${HUB_TEST_TOKEN}`) {
    sendError(response, 401, 'RepoNotFound', 'Invalid credentials in Authorization header');
    return;
  }
  await route.handle({ state, request, response, url, name: route.repo, repo });
}

interface Route {
  repo: string;
  handle: (context: RepoRequest) => Promise<void> | void;
}

/** Maps path segments to a handler; `rest` is the part after `owner/name`. */
function matchRoute(segments: string[]): Route | undefined {
  const [first, second, owner, name, ...rest] = segments;
  if (first === 'api' && second === 'datasets' && owner !== undefined && name !== undefined) {
    return matchApiRoute(`${owner}/${name}`, rest);
  }
  // File URLs have one segment less: /datasets/owner/name/resolve/rev/path
  const [kind, fileOwner, fileName, action, revision, ...path] = segments;
  if (kind === 'datasets' && fileOwner !== undefined && fileName !== undefined && revision !== undefined) {
    if ((action === 'resolve' || action === 'raw') && path.length > 0) {
      const raw = action === 'raw';
      return { repo: `${fileOwner}/${fileName}`, handle: (context) => serveFile(context, revision, path.join('/'), raw) };
    }
  }
  return undefined;
}

function matchApiRoute(repo: string, rest: string[]): Route | undefined {
  const [action, revision, ...path] = rest;
  if (action === undefined) {
    return { repo, handle: (context) => serveInfo(context, 'main') };
  }
  if (revision === undefined) {
    return undefined;
  }
  switch (action) {
    case 'revision':
      return { repo, handle: (context) => serveInfo(context, revision) };
    case 'tree':
      return { repo, handle: (context) => serveTree(context, revision, path.join('/')) };
    case 'paths-info':
      return { repo, handle: (context) => servePathsInfo(context, revision) };
    default:
      return undefined;
  }
}

/** Finds the snapshot of a revision, answering 404 when there is none. `HEAD` means the default branch. */
function findSnapshot(context: RepoRequest, revision: string): Snapshot | undefined {
  const snapshot = context.repo.revisions.get(revision === 'HEAD' ? 'main' : revision);
  if (snapshot === undefined) {
    sendError(context.response, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
  }
  return snapshot;
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers

function serveInfo(context: RepoRequest, revision: string): void {
  const snapshot = findSnapshot(context, revision);
  if (snapshot === undefined) {
    return;
  }
  const name = context.name;
  sendJson(context.response, 200, {
    _id: snapshot.commit.slice(0, 24),
    id: name,
    author: name.split('/')[0],
    sha: snapshot.commit,
    private: context.repo.isPrivate,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: [],
    lastModified: snapshot.date,
    createdAt: snapshot.date,
    siblings: [...snapshot.files.keys()].map((path) => ({ rfilename: path })),
  });
}

function serveTree(context: RepoRequest, revision: string, folder: string): void {
  const snapshot = findSnapshot(context, revision);
  if (snapshot === undefined) {
    return;
  }
  if (folder !== '' && !snapshot.directories.has(folder)) {
    sendError(context.response, 404, 'EntryNotFound', `Directory not found: ${folder}`);
    return;
  }
  const recursive = isTrue(context.url.searchParams.get('recursive'));
  const expand = isTrue(context.url.searchParams.get('expand'));
  const entries = listEntries(snapshot, folder, recursive).map((path) => describeEntry(snapshot, path, expand));
  const start = Number(context.url.searchParams.get('cursor') ?? '0');
  const page = entries.slice(start, start + context.state.pageSize);
  const headers: Record<string, string> = {};
  if (start + context.state.pageSize < entries.length) {
    const next = new URL(context.url);
    next.searchParams.set('cursor', String(start + context.state.pageSize));
    headers.Link = `<${next.href}>; rel="next"`;
  }
  sendJson(context.response, 200, page, headers);
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

/** Paths of the files and directories under `folder`: all of them, or only its direct children. */
function listEntries(snapshot: Snapshot, folder: string, recursive: boolean): string[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const all = [...snapshot.directories, ...snapshot.files.keys()].sort(compareText);
  return all.filter((path) => {
    if (!path.startsWith(prefix)) {
      return false;
    }
    return recursive || !path.slice(prefix.length).includes('/');
  });
}

function describeEntry(snapshot: Snapshot, path: string, expand: boolean): TreeEntry {
  const file = snapshot.files.get(path);
  const entry: TreeEntry =
    file === undefined
      ? { type: 'directory', oid: gitBlobId(Buffer.from(`tree ${path}`)), size: 0, path }
      : { type: 'file', oid: file.oid, size: file.bytes.length, path };
  if (file?.lfs !== undefined) {
    entry.lfs = file.lfs;
  }
  if (expand) {
    entry.lastCommit = { id: snapshot.commit, title: 'Add dataset', date: snapshot.date };
  }
  return entry;
}

async function servePathsInfo(context: RepoRequest, revision: string): Promise<void> {
  const body = await readBody(context.request);
  const snapshot = findSnapshot(context, revision);
  if (snapshot === undefined) {
    return;
  }
  const query = parsePathsQuery(body);
  if (query === undefined) {
    sendError(context.response, 400, 'BadRequest', 'Expected a JSON body like {"paths": ["..."], "expand": true}');
    return;
  }
  const known = query.paths.filter((path) => snapshot.files.has(path) || snapshot.directories.has(path));
  sendJson(
    context.response,
    200,
    known.map((path) => describeEntry(snapshot, path, query.expand)),
  );
}

function parsePathsQuery(body: string): { paths: string[]; expand: boolean } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) {
      return undefined;
    }
    const { paths, expand } = parsed as { paths?: unknown; expand?: unknown };
    if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string')) {
      return undefined;
    }
    return { paths, expand: expand === true };
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Serves a file like `/resolve/` (the content) or `/raw/` (what Git stores: the LFS pointer for LFS files). */
function serveFile(context: RepoRequest, revision: string, path: string, raw: boolean): void {
  const snapshot = findSnapshot(context, revision);
  if (snapshot === undefined) {
    return;
  }
  const file = snapshot.files.get(path);
  if (file === undefined) {
    sendError(context.response, 404, 'EntryNotFound', `Entry not found: ${path}`);
    return;
  }
  const servesPointer = raw && file.lfs !== undefined;
  const bytes = servesPointer ? Buffer.from(lfsPointerText(file.bytes)) : file.bytes;
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: `"${file.lfs !== undefined && !servesPointer ? file.lfs.oid : file.oid}"`,
    'X-Repo-Commit': snapshot.commit,
  };
  if (file.lfs !== undefined && !servesPointer) {
    headers['X-Linked-ETag'] = `"${file.lfs.oid}"`;
    headers['X-Linked-Size'] = String(file.lfs.size);
  }
  sendBytes(context, bytes, headers);
}

/** Sends `bytes` whole, or the part a `Range: bytes=…` header asks for. */
function sendBytes(context: RepoRequest, bytes: Buffer, headers: Record<string, string>): void {
  const { request, response } = context;
  const rangeHeader = request.headers.range;
  const range = rangeHeader === undefined ? undefined : parseRange(rangeHeader, bytes.length);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${bytes.length}` }).end();
    return;
  }
  const part = range === undefined ? bytes : bytes.subarray(range.start, range.end + 1);
  const status = range === undefined ? 200 : 206;
  if (range !== undefined) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${bytes.length}`;
  }
  response.writeHead(status, { ...headers, 'Content-Length': String(part.length) });
  response.end(request.method === 'HEAD' ? undefined : part);
}

/** Parses a single `bytes=start-end`, `bytes=start-` or `bytes=-suffix` range; other forms are ignored (200). */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) {
    return undefined;
  }
  const first = match[1] ?? '';
  const last = match[2] ?? '';
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || start > end) {
    return 'unsatisfiable';
  }
  return { start, end };
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** Errors carry `X-Error-Code` like the Hub's, which clients use to tell a missing file from a missing repo. */
function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });
}
