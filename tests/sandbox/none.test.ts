/**
 * `isolation: none`, the explicit opt-out: it still runs, limits and kills by process group, and
 * says loudly that it isolates nothing. Only benign programs here: they run as the test's own user.
 */
import { describe, expect, it } from 'vitest';
import { python } from '../../packages/filters/src/verify/code/languages.js';
import { liveGroupMembers, Sandbox } from '../../packages/filters/src/verify/code/sandbox.js';

const LIMITS = { cpuSeconds: 1, wallSeconds: 1.5, memoryMb: 256, outputKb: 64, processes: 16, tmpKb: 1024 };

describe('isolation none', () => {
  it('runs programs, says it is unsandboxed, and kills the process group at the wall limit', async () => {
    const sandbox = await Sandbox.open('none');
    expect(sandbox.describe()).toMatch(/UNSANDBOXED/);
    const { path } = await sandbox.resolveInterpreter('python3', python.probeArgs, python.probeOutput, LIMITS);
    const echo = await sandbox.run({
      files: { 'solution.py': 'import os\nprint(input(), sorted(os.environ)[0])' },
      program: [path, 'solution.py'],
      stdin: 'hi\n',
      limits: LIMITS,
    });
    expect(echo).toMatchObject({ end: 'exited', exitCode: 0, stdout: 'hi HOME\n' });
    const sleeper = await sandbox.run({
      files: { 'solution.py': 'import os, time\nos.fork()\ntime.sleep(30)' },
      program: [path, 'solution.py'],
      limits: LIMITS,
    });
    expect(sleeper.end).toBe('wall_timeout');
    // The forked child is dead too (PID 1 of this machine may keep it as a zombie for a while).
    expect(liveGroupMembers(sleeper.pid)).toBe(0);
  });
});
