/**
 * The sandbox as an ordinary user would get it (the `rootless` plan: namespaces inside an
 * unprivileged user namespace). The suite runs as root, so this test transpiles the sandbox's
 * sources into a scratch directory and runs them in a Node process as uid 65534, with a home
 * directory that holds a secret.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { sandboxAvailable } from '../helpers/sandbox.js';

const SOURCES = ['isolation.ts', 'setup-script.ts', 'sandbox.ts'];
const canSwitchUser = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');

/** The driver run as uid 65534: opens the sandbox and reports what hostile programs managed. */
const DRIVER = String.raw`
import { Sandbox } from './sandbox.js';
const [escapeName, secretPath, project] = process.argv.slice(2);
const sandbox = await Sandbox.open('auto');
const limits = { cpuSeconds: 2, wallSeconds: 4, memoryMb: 128, addressSpaceMb: 384, outputKb: 64, processes: 16, tmpKb: 1024 };
const python = await sandbox.resolveInterpreter('python3', ['-c', 'print(3)'], /3/, limits);
const code = [
  'import ctypes, json, os, sys',
  'seen = {}',
  'name, secret, project = sys.argv[1:4]',
  "for path in [os.path.join(project, name), os.path.join('/var/tmp', name), os.path.join('/dev/shm', name), os.path.join(os.path.dirname(secret), name)]:",
  '    try:',
  "        open(path, 'w').write('escaped'); seen[path] = 'written'",
  '    except OSError as error:',
  '        seen[path] = type(error).__name__',
  'try:',
  "    seen['secret'] = open(secret).read()",
  'except OSError as error:',
  "    seen['secret'] = type(error).__name__",
  'libc = ctypes.CDLL(None, use_errno=True)',
  "seen['userns'] = libc.unshare(0x10000000)",
  "seen['caps'] = [line.split()[1] for line in open('/proc/self/status') if line.startswith('CapEff')]",
  'children = 0',
  'for _ in range(40):',
  '    try:',
  '        if os.fork() == 0:',
  '            import time; time.sleep(5); os._exit(0)',
  '        children += 1',
  '    except OSError:',
  '        break',
  "seen['children'] = children",
  'print(json.dumps(seen))',
].join('\n');
const result = await sandbox.run({ files: { 'solution.py': code }, program: [python.path, 'solution.py', escapeName, secretPath, project], limits });
console.log(JSON.stringify({ variant: sandbox.plan.variant, nested: sandbox.plan.nestedUserNamespace, end: result.end, stderr: result.stderr, seen: JSON.parse(result.stdout || '{}') }));
`;

describe.skipIf(!canSwitchUser || !sandboxAvailable)('rootless sandbox (as uid 65534)', () => {
  it('isolates as well without root', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'oversight-rootless-'));
    const home = join(scratch, 'home');
    const secret = `secret-${randomUUID()}`;
    const escapeName = `oversight-escape-${randomUUID()}`;
    try {
      chmodSync(scratch, 0o755);
      for (const file of SOURCES) {
        const source = readFileSync(join(ROOT, 'packages/filters/src/verify/code', file), 'utf8');
        const output = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        writeFileSync(join(scratch, file.replace(/\.ts$/, '.js')), output.outputText.replace("from '@oversight/core'", "from './core.js'"));
      }
      writeFileSync(
        join(scratch, 'core.js'),
        'export class OversightError extends Error { constructor(code, message) { super(message); this.code = code; } }\n',
      );
      writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(join(scratch, 'driver.js'), DRIVER);
      mkdirSync(home, { mode: 0o755 });
      writeFileSync(join(home, 'secret.txt'), secret, { mode: 0o644 });
      chownSync(home, 65534, 65534);
      chownSync(join(home, 'secret.txt'), 65534, 65534);
      const run = spawnSync(
        '/usr/bin/setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--',
          process.execPath,
          join(scratch, 'driver.js'),
          escapeName,
          join(home, 'secret.txt'),
          ROOT,
        ],
        { cwd: scratch, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home }, encoding: 'utf8', timeout: 30_000 },
      );
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as {
        variant: string;
        nested: boolean;
        end: string;
        stderr: string;
        seen: Record<string, unknown>;
      };
      expect(report).toMatchObject({ variant: 'rootless', nested: true, end: 'exited' });
      const { seen } = report;
      expect(report.stderr).toBe('');
      expect(seen.secret).toMatch(/^(FileNotFoundError|PermissionError)$/);
      expect(JSON.stringify(seen)).not.toContain(secret);
      expect(Object.entries(seen).filter(([, value]) => value === 'written')).toEqual([]);
      expect(seen.userns).toBe(-1);
      expect(seen.caps).toEqual(['0000000000000000']);
      expect(seen.children).toBe(15);
      for (const path of [ROOT, '/var/tmp', '/dev/shm', home]) expect(existsSync(join(path, escapeName))).toBe(false);
    } finally {
      for (const path of ['/var/tmp', '/dev/shm', ROOT]) rmSync(join(path, escapeName), { force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
