/**
 * How a sandboxed program is started: which isolation this machine offers (Linux namespaces as
 * root, namespaces in an unprivileged user namespace, or none at all) and the exact command line
 * for each. Pure: finding binaries is the only thing it does to the machine; `sandbox.ts` probes
 * the plans by running them. See docs/sandbox.md for what each plan does and does not isolate.
 */
import { accessSync, constants, lstatSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SETUP_SCRIPT } from './setup-script.js';

/** What a step asks for: the best isolation available (`auto`), namespaces or an error, or none. */
export type IsolationRequest = 'auto' | 'namespaces' | 'none';

/** The uid an untrusted program runs as under the `root` variant (`nobody` on most systems). */
export const SANDBOX_UID = 65534;

/** Binaries a plan runs, as absolute paths. */
export interface SandboxBinaries {
  sh: string;
  env: string;
  unshare: string;
  setpriv: string;
  prlimit: string;
}

/**
 * One way to start programs.
 * - `namespaces`/`root`: we are uid 0; new PID, mount, network, IPC and UTS namespaces; the program
 *   runs as uid 65534 with no capabilities.
 * - `namespaces`/`rootless`: we are not root; the same namespaces inside a new user namespace whose
 *   root is our own uid; the program keeps our uid but loses every capability.
 * - `none`: a process group, rlimits and a temporary directory, nothing else.
 */
export interface IsolationPlan {
  readonly mode: 'namespaces' | 'none';
  readonly variant: 'root' | 'rootless' | null;
  /**
   * Whether the program gets its own (nested, unprivileged) user namespace, which makes the kernel
   * count its processes against RLIMIT_NPROC per sandbox rather than per uid across all sandboxes,
   * and in which creating further user namespaces is forbidden.
   */
  readonly nestedUserNamespace: boolean;
  readonly binaries: Partial<SandboxBinaries>;
}

/** Resource limits of one run. */
export interface SandboxLimits {
  /** CPU seconds (RLIMIT_CPU, rounded up to whole seconds; SIGXCPU then SIGKILL one second later). */
  cpuSeconds: number;
  /** Wall-clock seconds, sandbox setup included; the whole process tree is killed when it runs out. */
  wallSeconds: number;
  /** Private writable memory in MiB (RLIMIT_DATA; also RLIMIT_AS where the runtime allows it). */
  memoryMb: number;
  /** Address space in MiB (RLIMIT_AS); undefined leaves it unlimited (V8 reserves gigabytes up front). */
  addressSpaceMb?: number | undefined;
  /** Bytes of stdout plus stderr, in KiB, before the run is killed. */
  outputKb: number;
  /** Processes and threads (RLIMIT_NPROC). */
  processes: number;
  /** Size of the private `/tmp` in KiB, and the largest file the program may write (RLIMIT_FSIZE). */
  tmpKb: number;
}

/** The command that starts one run. */
export interface SandboxCommand {
  file: string;
  args: string[];
  /** Working directory of the spawned process. */
  cwd: string;
  /** The namespaces plans report `ready` on fd 3 once setup is done. */
  statusChannel: boolean;
}

/** The environment of every sandboxed program: nothing inherited. */
export const PROGRAM_ENVIRONMENT: Readonly<Record<string, string>> = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/tmp',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  PYTHONHASHSEED: '0',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONIOENCODING: 'utf-8',
};

/** The environment of the setup script and the wrappers (the program's is set again by `env -i`). */
export const SETUP_ENVIRONMENT: Readonly<Record<string, string>> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

const SEARCH_DIRECTORIES = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** Whether `path` is a regular file we may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute paths of an executable on PATH, then in the usual system directories, in order, without duplicates. */
export function findBinaries(name: string, path = process.env.PATH ?? ''): string[] {
  const directories = [...path.split(':').filter((directory) => directory.startsWith('/')), ...SEARCH_DIRECTORIES];
  return [...new Set(directories.map((directory) => join(directory, name)))].filter(isExecutableFile);
}

/** The first of `findBinaries`, or undefined. */
export function findBinary(name: string, path = process.env.PATH ?? ''): string | undefined {
  return findBinaries(name, path)[0];
}

/** The plans worth probing for a request, best first, and why others are out. */
export function isolationPlans(
  request: IsolationRequest,
  lookup: (name: string) => string | undefined = findBinary,
): { plans: IsolationPlan[]; unavailable: string[] } {
  const none: IsolationPlan = {
    mode: 'none',
    variant: null,
    nestedUserNamespace: false,
    binaries: { sh: lookup('sh') ?? '/bin/sh', env: lookup('env') ?? '/usr/bin/env' },
  };
  if (request === 'none') return { plans: [none], unavailable: [] };
  const unavailable: string[] = [];
  if (process.platform !== 'linux') unavailable.push(`namespaces need Linux, this is ${process.platform}`);
  const binaries: Partial<SandboxBinaries> = {};
  for (const name of ['sh', 'env', 'unshare', 'setpriv', 'prlimit'] as const) {
    const found = lookup(name);
    if (found) binaries[name] = found;
    else unavailable.push(`\`${name}\` not found (util-linux provides unshare, setpriv and prlimit)`);
  }
  if (unavailable.length > 0) return { plans: [], unavailable };
  const variant = process.getuid?.() === 0 ? 'root' : 'rootless';
  return {
    plans: [
      { mode: 'namespaces', variant, nestedUserNamespace: true, binaries },
      { mode: 'namespaces', variant, nestedUserNamespace: false, binaries },
    ],
    unavailable,
  };
}

/** Directories hidden behind empty read-only mounts: the invoking user's home and `/run` (sockets). */
export function hiddenDirectories(): string[] {
  const hidden = ['/run'];
  // Usually a link to /run, already hidden; a real directory gets its own mount.
  if (isRealDirectory('/var/run')) hidden.push('/var/run');
  const home = homedir();
  if (home && home !== '/' && !hidden.includes(home)) hidden.unshift(home);
  return hidden;
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `prlimit` options for the limits. */
function prlimitOptions(limits: SandboxLimits): string[] {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const options = [
    `--cpu=${cpu}:${cpu + 1}`,
    `--data=${limits.memoryMb * 1024 * 1024}`,
    `--fsize=${limits.tmpKb * 1024}`,
    `--nproc=${limits.processes}`,
    '--core=0',
    '--nofile=256',
  ];
  if (limits.addressSpaceMb !== undefined) options.push(`--as=${limits.addressSpaceMb * 1024 * 1024}`);
  return options;
}

/** `ulimit` commands for the limits, for the `none` plan's `sh -c` wrapper (KiB units). */
function ulimitCommands(limits: SandboxLimits): string {
  const cpu = Math.max(1, Math.ceil(limits.cpuSeconds));
  const commands = [`ulimit -t ${cpu}`, `ulimit -d ${limits.memoryMb * 1024}`, `ulimit -f ${limits.tmpKb}`, 'ulimit -c 0'];
  if (limits.addressSpaceMb !== undefined) commands.push(`ulimit -v ${limits.addressSpaceMb * 1024}`);
  return commands.join('; ');
}

/**
 * The command line that runs `program` (argv, relative to the program's working directory) under
 * `plan`, with the files of `workDirectory` available in its working directory.
 */
export function sandboxCommand(
  plan: IsolationPlan,
  workDirectory: string,
  program: readonly string[],
  limits: SandboxLimits,
): SandboxCommand {
  const binaries = plan.binaries as SandboxBinaries;
  const environment = Object.entries(PROGRAM_ENVIRONMENT).map(([key, value]) => `${key}=${value}`);
  const clean = [binaries.env, '-i', ...environment, ...program];
  if (plan.mode === 'none') {
    return {
      file: binaries.sh,
      args: ['-c', `${ulimitCommands(limits)}; exec "$@"`, 'oversight-sandbox', ...clean],
      cwd: workDirectory,
      statusChannel: false,
    };
  }
  const limited = [binaries.prlimit, ...prlimitOptions(limits), '--', ...clean];
  const dropCapabilities = [binaries.setpriv, '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--'];
  // The nested user namespace maps its root to the program's uid; that root forbids further user
  // namespaces (a program with its own could mount a tmpfs outside every rlimit), then drops every
  // capability for good before the limits and the program.
  const nested = [
    binaries.unshare,
    '--user',
    '--map-root-user',
    '--',
    binaries.sh,
    '-c',
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"',
    'oversight-nested',
    ...dropCapabilities,
    ...limited,
  ];
  let dropped: string[];
  if (plan.variant === 'root') {
    const identity = [binaries.setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', ...dropCapabilities.slice(1)];
    dropped = [...identity, ...(plan.nestedUserNamespace ? nested : limited)];
  } else {
    // Mapping uid 0 of the outer namespace needs CAP_SETFCAP there, so the nested namespace is made
    // before capabilities are dropped (inside it, they are).
    dropped = plan.nestedUserNamespace ? nested : [...dropCapabilities, ...limited];
  }
  const userNamespace = plan.variant === 'rootless' ? ['--user', '--map-root-user'] : [];
  const owner = plan.variant === 'root' ? String(SANDBOX_UID) : '';
  const strict = plan.variant === 'root' ? '0' : '1';
  return {
    file: binaries.unshare,
    args: [
      ...userNamespace,
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      '--net',
      '--ipc',
      '--uts',
      '--mount',
      '--propagation',
      'private',
      '--',
      binaries.sh,
      '-c',
      SETUP_SCRIPT,
      'oversight-sandbox',
      workDirectory,
      owner,
      String(limits.tmpKb),
      strict,
      ...hiddenDirectories(),
      '--',
      ...dropped,
    ],
    cwd: '/',
    statusChannel: true,
  };
}
