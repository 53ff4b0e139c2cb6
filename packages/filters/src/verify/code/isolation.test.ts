import { describe, expect, it } from 'vitest';
import { type IsolationPlan, isolationPlans, type SandboxLimits, sandboxCommand } from './isolation.js';

const limits: SandboxLimits = {
  cpuSeconds: 1.5,
  wallSeconds: 4,
  memoryMb: 256,
  addressSpaceMb: 512,
  outputKb: 64,
  processes: 32,
  tmpKb: 2048,
};
const binaries = {
  sh: '/bin/sh',
  env: '/usr/bin/env',
  unshare: '/usr/bin/unshare',
  setpriv: '/usr/bin/setpriv',
  prlimit: '/usr/bin/prlimit',
};

describe('sandboxCommand', () => {
  it('as root: namespaces, then uid 65534 without capabilities, a nested user namespace, limits, empty environment', () => {
    const plan: IsolationPlan = { mode: 'namespaces', variant: 'root', nestedUserNamespace: true, binaries };
    const command = sandboxCommand(plan, '/tmp/work', ['/usr/bin/python3', 'solution.py'], limits);
    expect(command.file).toBe('/usr/bin/unshare');
    expect(command.statusChannel).toBe(true);
    const args = command.args.join(' ');
    expect(args).toMatch(/^--pid --fork --kill-child --mount-proc --net --ipc --uts --mount --propagation private -- \/bin\/sh -c /);
    expect(args).toContain(
      '/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --bounding-set=-all --inh-caps=-all --no-new-privs -- /usr/bin/unshare --user --map-root-user',
    );
    expect(args).toContain('--cpu=2:3 --data=268435456 --fsize=2097152 --nproc=32 --core=0 --nofile=256 --as=536870912 --');
    expect(args).toMatch(/\/usr\/bin\/env -i PATH=\S+ HOME=\/tmp .* \/usr\/bin\/python3 solution\.py$/);
    // The work directory, owner, /tmp size and leniency come right after the script's $0.
    const at = command.args.indexOf('oversight-sandbox');
    expect(command.args.slice(at + 1, at + 5)).toEqual(['/tmp/work', '65534', '2048', '0']);
    expect(command.args).toContain('/run');
  });

  it('without root: its own user namespace, strict read-only mounts, no uid change', () => {
    const plan: IsolationPlan = { mode: 'namespaces', variant: 'rootless', nestedUserNamespace: false, binaries };
    const command = sandboxCommand(plan, '/tmp/work', ['node', 'solution.js'], { ...limits, addressSpaceMb: undefined });
    expect(command.args.slice(0, 3)).toEqual(['--user', '--map-root-user', '--pid']);
    const at = command.args.indexOf('oversight-sandbox');
    expect(command.args.slice(at + 1, at + 5)).toEqual(['/tmp/work', '', '2048', '1']);
    expect(command.args.join(' ')).not.toContain('--reuid');
    expect(command.args.join(' ')).not.toContain('--as=');
  });

  it('with isolation none: only ulimits in a shell, in the work directory', () => {
    const plan: IsolationPlan = { mode: 'none', variant: null, nestedUserNamespace: false, binaries };
    const command = sandboxCommand(plan, '/tmp/work', ['python3', 'solution.py'], limits);
    expect(command).toMatchObject({ file: '/bin/sh', cwd: '/tmp/work', statusChannel: false });
    expect(command.args[1]).toBe('ulimit -t 2; ulimit -d 262144; ulimit -f 2048; ulimit -c 0; ulimit -v 524288; exec "$@"');
  });
});

describe('isolationPlans', () => {
  it('offers namespaces with, then without, a nested user namespace, or says what is missing', () => {
    const all = (name: string) => `/usr/bin/${name}`;
    const { plans } = isolationPlans('auto', all);
    expect(plans.map((plan) => [plan.mode, plan.nestedUserNamespace])).toEqual([
      ['namespaces', true],
      ['namespaces', false],
    ]);
    if (process.platform === 'linux') {
      const missing = isolationPlans('namespaces', (name) => (name === 'setpriv' ? undefined : all(name)));
      expect(missing).toEqual({ plans: [], unavailable: ['`setpriv` not found (util-linux provides unshare, setpriv and prlimit)'] });
    }
  });

  it('offers no isolation only when asked for by name', () => {
    expect(isolationPlans('none').plans.map((plan) => plan.mode)).toEqual(['none']);
    expect(isolationPlans('auto', () => undefined).plans).toEqual([]);
  });
});
