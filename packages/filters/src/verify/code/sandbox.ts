/**
 * Runs untrusted programs: one temporary directory, one process tree and one set of limits per run,
 * and, with namespaces, the guarantee that no process of a run is left when `run` returns. Which
 * isolation is used is probed once per process (`Sandbox.open`); docs/sandbox.md says what each
 * plan isolates.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { OversightError } from '@oversight/core';
import {
  findBinaries,
  type IsolationPlan,
  type IsolationRequest,
  isolationPlans,
  SANDBOX_UID,
  type SandboxLimits,
  SETUP_ENVIRONMENT,
  sandboxCommand,
} from './isolation.js';

/** How a run ended. */
export type SandboxEnd =
  /** The program exited (any status, see `exitCode`). */
  | 'exited'
  /** The program was killed by a signal (see `signal`), e.g. SIGXCPU at the CPU limit. */
  | 'signaled'
  /** The wall-clock limit ran out; the process tree was killed. */
  | 'wall_timeout'
  /** stdout plus stderr exceeded the output limit; the process tree was killed. */
  | 'output_limit'
  /** The caller's abort signal fired; the process tree was killed. */
  | 'aborted';

/** One program to run. */
export interface SandboxRunRequest {
  /** Files of the program's working directory: name → content. */
  files?: Readonly<Record<string, string>>;
  /** The command, e.g. `['/usr/bin/python3', 'solution.py']`; relative paths are in the working directory. */
  program: readonly string[];
  /** Written to the program's stdin, which is then closed. */
  stdin?: string;
  limits: SandboxLimits;
  signal?: AbortSignal | undefined;
}

/** What a run did. */
export interface SandboxRunResult {
  end: SandboxEnd;
  /** Exit status when `end` is `exited`. */
  exitCode: number | null;
  /** Signal name (`SIGXCPU`, `SIGKILL` …) when `end` is `signaled`. */
  signal: string | null;
  /** Output, cut at the output limit. */
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn until the process tree was gone. */
  wallMs: number;
  /** Host pid of the spawned process, which leads the run's process group. */
  pid: number;
}

/** An interpreter the sandbox can run, and the candidates that could not run in it. */
export interface ResolvedInterpreter {
  path: string;
  /** `path: why` for each candidate tried before it. */
  rejected: string[];
}

/** Limits of the probes that choose a plan and an interpreter. */
const PROBE_LIMITS: SandboxLimits = { cpuSeconds: 5, wallSeconds: 20, memoryMb: 512, outputKb: 64, processes: 64, tmpKb: 1024 };

/** How long to wait for a finished tree's pipes to close before giving up on them (a process that left the group). */
const CLOSE_GRACE_MS = 500;

/** How long to wait for a killed process group to be reaped. */
const GROUP_GONE_MS = 1000;

/** How long after killing a namespace's init before the whole group is killed as well. */
const KILL_FALLBACK_MS = 1000;

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, number]) => [number, name]));

const opened = new Map<IsolationRequest, Promise<Sandbox>>();

/** A probed isolation plan that runs programs. Get one with `Sandbox.open`. */
export class Sandbox {
  private readonly interpreters = new Map<string, Promise<ResolvedInterpreter>>();
  private readonly seenWarnings = new Set<string>();

  private constructor(readonly plan: IsolationPlan) {}

  /**
   * The sandbox for a request, probed once per process. `auto` and `namespaces` try namespaces (with,
   * then without, a nested user namespace) and fail with `sandbox/unavailable` when none works; only
   * `none` runs programs unisolated, and only when asked for by name.
   */
  static open(request: IsolationRequest): Promise<Sandbox> {
    let sandbox = opened.get(request);
    if (!sandbox) {
      sandbox = Sandbox.probe(request);
      opened.set(request, sandbox);
      // A failed probe is not kept: the next run may find a fixed machine.
      sandbox.catch(() => opened.delete(request));
    }
    return sandbox;
  }

  private static async probe(request: IsolationRequest): Promise<Sandbox> {
    const { plans, unavailable } = isolationPlans(request);
    const failures = [...unavailable];
    for (const plan of plans) {
      const sandbox = new Sandbox(plan);
      try {
        const result = await sandbox.run({ program: [plan.binaries.sh as string, '-c', 'echo sandbox-ok'], limits: PROBE_LIMITS });
        if (result.end === 'exited' && result.exitCode === 0 && result.stdout.trim() === 'sandbox-ok') return sandbox;
        failures.push(`${planName(plan)}: ${describeFailure(result)}`);
      } catch (error) {
        failures.push(`${planName(plan)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new OversightError('sandbox/unavailable', `cannot isolate untrusted code on this machine: ${failures.join('; ')}`, {
      hint: 'run as root or enable unprivileged user namespaces; or set `isolation: none` to run code UNSANDBOXED, knowingly',
    });
  }

  /** One line saying what this sandbox isolates, for run notes. */
  describe(): string {
    if (this.plan.mode === 'none') return 'isolation none: code runs UNSANDBOXED (rlimits, a process group and a temporary directory only)';
    const who = this.plan.variant === 'root' ? `uid ${SANDBOX_UID}` : 'own uid in a user namespace';
    const accounting = this.plan.nestedUserNamespace ? 'process limit per run' : 'process limit shared by concurrent runs';
    return `isolation namespaces (pid, mount, net, ipc, uts; ${who}, no capabilities; read-only file system, private /tmp; ${accounting})`;
  }

  /** Setup warnings seen so far (e.g. a mount that could not be made read-only), each once. */
  warnings(): string[] {
    return [...this.seenWarnings];
  }

  /**
   * The first candidate that starts inside the sandbox and prints what `expect` matches when run with
   * `probeArgs`, under `limits`' memory. A bare name is looked up on PATH, then in the system
   * directories, so an interpreter the sandbox cannot reach (e.g. under a 0700 home) falls through.
   */
  resolveInterpreter(command: string, probeArgs: readonly string[], expect: RegExp, limits: SandboxLimits): Promise<ResolvedInterpreter> {
    const key = [command, ...probeArgs, limits.memoryMb, limits.addressSpaceMb ?? ''].join('\0');
    let resolved = this.interpreters.get(key);
    if (!resolved) {
      resolved = this.findInterpreter(command, probeArgs, expect, limits);
      this.interpreters.set(key, resolved);
      resolved.catch(() => this.interpreters.delete(key));
    }
    return resolved;
  }

  private async findInterpreter(command: string, probeArgs: readonly string[], expect: RegExp, limits: SandboxLimits) {
    const candidates = command.includes('/') ? [command] : findBinaries(command);
    const rejected: string[] = [];
    for (const candidate of candidates) {
      const result = await this.run({
        program: [candidate, ...probeArgs],
        limits: { ...PROBE_LIMITS, memoryMb: limits.memoryMb, addressSpaceMb: limits.addressSpaceMb },
      });
      if (result.end === 'exited' && result.exitCode === 0 && expect.test(result.stdout)) return { path: candidate, rejected };
      rejected.push(`${candidate}: ${describeFailure(result)}`);
    }
    const reach = this.plan.variant === 'root' ? `readable by uid ${SANDBOX_UID} and ` : '';
    throw new OversightError(
      'sandbox/no-interpreter',
      `no \`${command}\` runs inside the sandbox (${rejected.join('; ') || 'none found'})`,
      { hint: `the interpreter must be ${reach}outside the home directory: install one under /usr/bin, or name it by absolute path` },
    );
  }

  /** Runs one program. Never throws for anything the program does; only for a sandbox that cannot start. */
  async run(request: SandboxRunRequest): Promise<SandboxRunResult> {
    const workDirectory = mkdtempSync(join(tmpdir(), 'oversight-sandbox-'));
    try {
      for (const [name, content] of Object.entries(request.files ?? {})) writeFileSync(join(workDirectory, name), content);
      return await this.spawnRun(workDirectory, request);
    } finally {
      rmSync(workDirectory, { recursive: true, force: true });
    }
  }

  private spawnRun(workDirectory: string, request: SandboxRunRequest): Promise<SandboxRunResult> {
    const { limits } = request;
    const command = sandboxCommand(this.plan, workDirectory, request.program, limits);
    const namespaces = this.plan.mode === 'namespaces';
    const started = performance.now();
    const child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: { ...SETUP_ENVIRONMENT },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', command.statusChannel ? 'pipe' : 'ignore'],
    });
    return new Promise<SandboxRunResult>((resolve, reject) => {
      const outputLimit = limits.outputKb * 1024;
      let outputBytes = 0;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let status = '';
      let end: SandboxEnd | undefined;
      let fallback: NodeJS.Timeout | undefined;

      const kill = (reason: SandboxEnd) => {
        end ??= reason;
        if (fallback) return;
        // Killing the namespace's init empties the namespace; its parent, `unshare`, then exits.
        if (!namespaces || !killNamespaceInit(child)) killGroup(child);
        fallback = setTimeout(() => killGroup(child), KILL_FALLBACK_MS);
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        if (end === 'output_limit') return;
        const room = outputLimit - outputBytes;
        outputBytes += chunk.length;
        if (chunk.length > room) {
          if (room > 0) into.push(chunk.subarray(0, room));
          kill('output_limit');
          return;
        }
        into.push(chunk);
      };
      child.stdout?.on('data', collect(stdout));
      child.stderr?.on('data', collect(stderr));
      const statusStream = child.stdio[3];
      if (statusStream && 'on' in statusStream) {
        statusStream.on('data', (chunk: Buffer) => {
          status += chunk.toString('utf8');
        });
        statusStream.on('error', () => {});
      }
      // EPIPE when the program does not read all of its input: its business, not ours.
      child.stdin?.on('error', () => {});
      child.stdin?.end(request.stdin ?? '');

      const wallTimer = setTimeout(() => kill('wall_timeout'), Math.max(1, limits.wallSeconds * 1000));
      const onAbort = () => kill('aborted');
      if (request.signal?.aborted) onAbort();
      else request.signal?.addEventListener('abort', onAbort, { once: true });
      const stopTimers = () => {
        clearTimeout(wallTimer);
        clearTimeout(fallback);
        request.signal?.removeEventListener('abort', onAbort);
      };

      child.on('error', (error) => {
        stopTimers();
        reject(new OversightError('sandbox/spawn-failed', `cannot start ${command.file}: ${error.message}`, { cause: error }));
      });
      child.on('exit', (code, signal) => {
        stopTimers();
        const finish = async () => {
          // Anything still in the group (only possible without namespaces, or after a failed init kill)
          // goes too, and is waited for: when `run` returns, the group is gone.
          if (killGroup(child)) await groupGone(child, GROUP_GONE_MS);
          const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8');
          for (const line of status.split('\n')) if (line.startsWith('warn ')) this.seenWarnings.add(line.slice(5));
          if (command.statusChannel && end === undefined && !/^ready$/m.test(status)) {
            reject(
              new OversightError('sandbox/setup-failed', `the sandbox did not start: ${text(stderr).trim() || `exit ${code ?? signal}`}`, {
                hint: 'run as root or enable unprivileged user namespaces, or set `isolation: none`',
                details: { exitCode: code, signal, status },
              }),
            );
            return;
          }
          const decoded = decodeStatus(code, signal, namespaces);
          resolve({
            end: end ?? decoded.end,
            exitCode: decoded.exitCode,
            signal: decoded.signal,
            stdout: text(stdout),
            stderr: text(stderr),
            wallMs: performance.now() - started,
            pid: child.pid ?? -1,
          });
        };
        if (child.stdout?.closed !== false && child.stderr?.closed !== false) void finish();
        else {
          const grace = setTimeout(() => {
            child.stdout?.destroy();
            child.stderr?.destroy();
            void finish();
          }, CLOSE_GRACE_MS);
          child.once('close', () => {
            clearTimeout(grace);
            void finish();
          });
        }
      });
    });
  }
}

function planName(plan: IsolationPlan): string {
  if (plan.mode === 'none') return 'none';
  return `namespaces/${plan.variant}${plan.nestedUserNamespace ? '+userns' : ''}`;
}

/** Exit status of the spawned process → how the program ended. Behind `sh` (PID 1), a signal reads as 128 + n. */
function decodeStatus(
  code: number | null,
  signal: NodeJS.Signals | null,
  throughShell: boolean,
): { end: SandboxEnd; exitCode: number | null; signal: string | null } {
  if (signal) return { end: 'signaled', exitCode: null, signal };
  if (throughShell && code !== null && code > 128 && code <= 128 + 64) {
    return { end: 'signaled', exitCode: null, signal: SIGNAL_NAMES.get(code - 128) ?? `signal ${code - 128}` };
  }
  return { end: 'exited', exitCode: code, signal: null };
}

function describeFailure(result: SandboxRunResult): string {
  const last = result.stderr.trim().split('\n').slice(-1)[0] ?? '';
  const how = result.end === 'exited' ? `exit ${result.exitCode}` : result.end === 'signaled' ? `killed by ${result.signal}` : result.end;
  return last ? `${how} (${last.slice(0, 200)})` : how;
}

/** SIGKILLs the only child of `unshare` (PID 1 of the namespace); false when it cannot be found. */
function killNamespaceInit(child: ChildProcess): boolean {
  const pid = child.pid;
  if (pid === undefined) return false;
  let init: number;
  try {
    init = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return false;
  }
  if (!Number.isInteger(init) || init <= 0) return false;
  try {
    process.kill(init, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the run's process group; false when there is no such group (everything has exited). */
function killGroup(child: ChildProcess): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until no live process is left in the run's process group, at most `ms`. Killed processes
 * that were orphaned become zombies of PID 1 until it reaps them; they hold nothing but a pid.
 */
async function groupGone(child: ChildProcess, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (liveGroupMembers(child.pid as number) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Processes of group `pgid` that are not zombies (from /proc; where there is none, whether the group exists). */
export function liveGroupMembers(pgid: number): number {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return 1;
    } catch {
      return 0;
    }
  }
  let live = 0;
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which may hold spaces and parentheses): state, ppid, pgrp, …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') live++;
    } catch {
      // Exited while we looked.
    }
  }
  return live;
}
