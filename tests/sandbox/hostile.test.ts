/**
 * Hostile code against the sandbox: each program tries to escape or exhaust something, must end
 * with the right reason, and must leave nothing behind (no process carrying its marker, no file).
 * Every attack is bounded by itself, so a broken sandbox fails the test without taking the machine
 * down with it.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROGRAM_ENVIRONMENT, type SandboxLimits } from '../../packages/filters/src/verify/code/isolation.js';
import { JudgeAborted, judgeSolution } from '../../packages/filters/src/verify/code/judge.js';
import { javascript, type Language, python } from '../../packages/filters/src/verify/code/languages.js';
import { Sandbox } from '../../packages/filters/src/verify/code/sandbox.js';
import type { IoCase } from '../../packages/filters/src/verify/code/test-cases.js';
import { ROOT } from '../helpers/cli.js';
import { sandboxAvailable } from '../helpers/sandbox.js';

const LIMITS: SandboxLimits = { cpuSeconds: 1, wallSeconds: 2, memoryMb: 128, outputKb: 64, processes: 16, tmpKb: 1024 };

let sandbox: Sandbox;
const interpreters = new Map<Language, string>();

beforeAll(async () => {
  if (!sandboxAvailable) return;
  sandbox = await Sandbox.open('auto');
  for (const language of [python, javascript]) {
    const limits = { ...LIMITS, addressSpaceMb: language.addressSpaceMb(LIMITS.memoryMb) };
    interpreters.set(
      language,
      (await sandbox.resolveInterpreter(language.interpreter, language.probeArgs, language.probeOutput, limits)).path,
    );
  }
});

/**
 * Pids of live processes whose command line carries `marker`: the wrappers of the run and the
 * program's own processes. With `program`, only processes running that program (argv[0]).
 */
function processesWith(marker: string, program?: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes(marker) && (program === undefined || argv[0] === program)) found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Judges hostile `code` with a marker argument, sampling how many of its processes are alive meanwhile. */
async function attack(
  code: string,
  options: { language?: Language; cases?: IoCase[]; limits?: Partial<SandboxLimits>; signal?: AbortSignal } = {},
) {
  const language = options.language ?? python;
  const marker = `oversight-hostile-${randomUUID()}`;
  const limits = { ...LIMITS, addressSpaceMb: language.addressSpaceMb(LIMITS.memoryMb), ...options.limits };
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, processesWith(marker, interpreters.get(language)).length);
  }, 20);
  const started = performance.now();
  try {
    const verdict = await judgeSolution(
      code,
      { kind: 'io', cases: options.cases ?? [{ input: '', output: 'unreachable' }] },
      { sandbox, language, interpreter: interpreters.get(language) as string, limits, args: [marker], signal: options.signal },
    );
    return { verdict, marker, peak, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(sampler);
  }
}

/** Runs a program that prints what it managed to do, for containment checks on its output. */
async function probe(code: string, stdin = '') {
  const result = await sandbox.run({
    files: { 'solution.py': code },
    program: [interpreters.get(python) as string, 'solution.py'],
    stdin,
    limits: { ...LIMITS, addressSpaceMb: python.addressSpaceMb(LIMITS.memoryMb) },
  });
  expect(result.end, result.stderr).toBe('exited');
  return result;
}

describe.skipIf(!sandboxAvailable)('hostile code', () => {
  it('an infinite loop times out on the CPU limit, and its process group is gone', async () => {
    // A generous wall limit: on a busy machine a second of CPU takes longer than a second.
    const { verdict, marker, seconds } = await attack('while True:\n    pass', { limits: { wallSeconds: 8 } });
    expect(verdict).toMatchObject({ pass: false, reason: 'timeout', detail: 'test 1/1: over the CPU limit of 1 s' });
    expect(seconds).toBeLessThan(8);
    expect(processesWith(marker)).toEqual([]);
    // The run's process group (led by the spawned `unshare`) is gone too.
    const result = await sandbox.run({
      files: { 'solution.py': 'import time\ntime.sleep(60)' },
      program: [interpreters.get(python) as string, 'solution.py'],
      limits: LIMITS,
    });
    expect(result.end).toBe('wall_timeout');
    expect(() => process.kill(-result.pid, 0)).toThrow(/ESRCH/);
  });

  it('a sleeper that detaches with setsid() is killed at the wall limit, children included', async () => {
    const code = [
      'import os, time',
      'if os.fork() == 0:',
      '    os.setsid()',
      '    if os.fork() == 0:',
      '        time.sleep(60)',
      '    time.sleep(60)',
      'time.sleep(60)',
    ].join('\n');
    const { verdict, marker, peak, seconds } = await attack(code);
    expect(verdict).toMatchObject({ reason: 'timeout', detail: 'test 1/1: over the wall-clock limit of 2 s' });
    expect(peak).toBe(3);
    expect(seconds).toBeLessThan(LIMITS.wallSeconds + 1.5);
    expect(processesWith(marker)).toEqual([]);
  });

  it('a fork bomb is held to the process limit, then killed; the machine stays responsive', async () => {
    // Bounded even if the limit failed: a binary tree of depth 8 is at most 511 sleeping processes.
    const bomb = [
      'import os, time',
      'def grow(depth):',
      '    for _ in range(2):',
      '        try:',
      '            pid = os.fork()',
      '        except OSError:',
      '            continue',
      '        if pid == 0:',
      '            if depth < 7:',
      '                grow(depth + 1)',
      '            time.sleep(30)',
      '            os._exit(0)',
      'grow(0)',
      'time.sleep(30)',
    ].join('\n');
    const running = attack(bomb, { limits: { processes: 16 } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Meanwhile, an honest program in another sandbox runs normally (its own process count).
    const started = performance.now();
    const honest = await probe('print(sum(range(10)))');
    expect(honest.stdout).toBe('45\n');
    expect(performance.now() - started).toBeLessThan(1500);
    const { verdict, marker, peak } = await running;
    expect(verdict.reason).toBe('timeout');
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(16);
    expect(processesWith(marker)).toEqual([]);
  });

  it('a memory hog hits the memory limit (Python and JavaScript)', async () => {
    const hog = await attack('chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))');
    expect(hog.verdict).toMatchObject({ reason: 'memory_limit', detail: 'test 1/1: over the memory limit of 128 MiB (MemoryError)' });
    expect(processesWith(hog.marker)).toEqual([]);
    const jsHog = await attack('const chunks = [];\nfor (;;) chunks.push(new Array(1e6).fill(1.5));', { language: javascript });
    expect(jsHog.verdict.reason).toBe('memory_limit');
    const buffer = await attack('const b = Buffer.alloc(512 * 1024 * 1024, 1);\nconsole.log(b[0]);', { language: javascript });
    expect(buffer.verdict.reason).toBe('memory_limit');
  });

  it('a flood of output is cut at the output limit', async () => {
    const { verdict, marker } = await attack("while True:\n    print('x' * 1000)");
    expect(verdict).toMatchObject({ reason: 'output_limit', detail: 'test 1/1: more than 64 KiB of output' });
    expect(processesWith(marker)).toEqual([]);
  });

  it('cannot write outside its own directory: project, host /tmp, home, /var/tmp, /dev/shm', async () => {
    const name = `oversight-escape-${randomUUID()}`;
    const targets = [join(ROOT, name), join('/tmp', name), join(homedir(), name), join('/var/tmp', name), join('/dev/shm', name)];
    const code = [
      'import sys',
      'for path in sys.stdin.read().split():',
      '    try:',
      "        with open(path, 'w') as handle:",
      "            handle.write('escaped')",
      "        print(path, 'written')",
      '    except OSError as error:',
      '        print(path, type(error).__name__, error.errno)',
      "with open('own.txt', 'w') as handle:",
      "    handle.write('mine')",
      "print('own', open('own.txt').read())",
    ].join('\n');
    try {
      const { stdout } = await probe(code, targets.join('\n'));
      // Its own directory is writable; the private /tmp accepts the write, which never reaches the host.
      expect(stdout).toContain('own mine');
      expect(stdout).toContain(`/tmp/${name} written`);
      for (const target of targets) expect(existsSync(target), target).toBe(false);
      // Refused (read-only) or not even there (a project under /tmp sits behind the private /tmp).
      expect(stdout).toMatch(new RegExp(`${ROOT}/${name} (PermissionError|OSError|FileNotFoundError) \\d+`));
    } finally {
      for (const target of targets) rmSync(target, { force: true });
    }
  });

  it('cannot read the home directory, even a world-readable secret in it', async () => {
    const secretPath = join(homedir(), `.oversight-secret-${randomUUID()}`);
    const secret = `secret-${randomUUID()}`;
    writeFileSync(secretPath, secret);
    chmodSync(secretPath, 0o644);
    try {
      const code = [
        'import os, sys',
        'path = sys.stdin.read().strip()',
        'try:',
        '    print(open(path).read())',
        'except OSError as error:',
        "    print('read', type(error).__name__)",
        'try:',
        "    print('listing', sorted(os.listdir(os.path.dirname(path))))",
        'except OSError as error:',
        "    print('listing', type(error).__name__)",
      ].join('\n');
      const { stdout, stderr } = await probe(code, secretPath);
      expect(stdout + stderr).not.toContain(secret);
      expect(stdout).toMatch(/^read (FileNotFoundError|PermissionError)$/m);
      expect(stdout).toMatch(/^listing (\[\]|PermissionError)$/m);
    } finally {
      rmSync(secretPath, { force: true });
    }
  });

  it('cannot open a network connection, not even to loopback', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.end('hello from the host');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const code = [
        'import socket, sys',
        'port = int(sys.stdin.read())',
        "for host in ['127.0.0.1', 'localhost', '1.1.1.1']:",
        '    try:',
        '        with socket.create_connection((host, port), timeout=1) as connection:',
        "            print(host, 'connected', connection.recv(100))",
        '    except OSError as error:',
        "        print(host, 'blocked', type(error).__name__)",
      ].join('\n');
      const { stdout } = await probe(code, String(port));
      expect(stdout).not.toContain('connected');
      expect(stdout.match(/ blocked /g)).toHaveLength(3);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sees an empty environment, no capabilities, not our uid, and may not make user namespaces', async () => {
    process.env.OVERSIGHT_TEST_TOKEN = 'do-not-leak';
    try {
      const code = [
        'import ctypes, json, os',
        "caps = [line.split()[1] for line in open('/proc/self/status') if line.startswith(('CapEff', 'CapPrm', 'CapBnd'))]",
        'uid = os.getuid()',
        "outside = [int(o) + uid - int(i) for i, o, n in (line.split() for line in open('/proc/self/uid_map')) if int(i) <= uid < int(i) + int(n)]",
        'libc = ctypes.CDLL(None, use_errno=True)',
        'userns = libc.unshare(0x10000000)  # CLONE_NEWUSER',
        "print(json.dumps({'env': sorted(os.environ), 'outside': outside, 'caps': caps, 'userns': [userns, ctypes.get_errno()],",
        "                  'pids': len([p for p in os.listdir('/proc') if p.isdigit()])}))",
      ].join('\n');
      const { stdout } = await probe(code);
      const seen = JSON.parse(stdout) as { env: string[]; outside: number[]; caps: string[]; userns: number[]; pids: number };
      expect(seen.env).toEqual(Object.keys(PROGRAM_ENVIRONMENT).sort());
      expect(seen.caps).toEqual(['0000000000000000', '0000000000000000', '0000000000000000']);
      // uid 65534 seen from the parent namespace (the host's, when we run as root).
      if (process.getuid?.() === 0) expect(seen.outside).toEqual([65534]);
      expect(seen.userns[0]).toBe(-1);
      // Its own PID namespace: the setup shell and itself, nothing of the host.
      expect(seen.pids).toBeLessThanOrEqual(3);
    } finally {
      delete process.env.OVERSIGHT_TEST_TOKEN;
    }
  });

  it('an abort kills the run at once', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const marker = `oversight-hostile-${randomUUID()}`;
    await expect(
      judgeSolution(
        'import time\ntime.sleep(60)',
        { kind: 'io', cases: [{ input: '', output: '' }] },
        {
          sandbox,
          language: python,
          interpreter: interpreters.get(python) as string,
          limits: { ...LIMITS, wallSeconds: 30 },
          args: [marker],
          signal: controller.signal,
        },
      ),
    ).rejects.toBeInstanceOf(JudgeAborted);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(processesWith(marker)).toEqual([]);
  });
});
