// `dcagent lab` as users run it: the built binary as a child process. It must print working
// connection details, write a config that `dcagent check-config` accepts (NETCONF and CLI
// switches), answer `lab ctl`, stop cleanly on SIGTERM, and start 500 switches × 20 ports that
// all answer (how fast is `npm run bench:lab`'s figure).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OID } from '../../drivers/mib/mib.js';
import { LAB_PLATFORM_NAMES } from '../../lab/catalog.js';
import { BIN, ensureBuilt, ROOT, runBin } from '../helpers/cli.js';

const run = promisify(execFile);
const READY = /^dcagent lab ready: (\d+) switches, control (\S+), config (.+)$/m;

interface RunningLab {
  child: ChildProcess;
  out: () => string;
  ready: { switches: number; controlUrl: string; config: string };
  readyMs: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startLabBin(args: string[], timeoutMs = 30_000): Promise<RunningLab> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'lab', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const m = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const hit = READY.exec(out);
      if (hit) {
        clearTimeout(timer);
        resolve(hit);
      }
    };
    child.stdout.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`dcagent lab exited before it was ready:\n${out}`));
    });
  });
  return {
    child,
    out: () => out,
    ready: { switches: Number(m[1]), controlUrl: m[2]!, config: m[3]! },
    readyMs: performance.now() - t0,
    exit,
  };
}

/** Types `lines` into an interactive OpenSSH session (password from an askpass script). */
function openSsh(port: string, askpass: string, lines: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        '-v',
        '-tt',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'PreferredAuthentications=password,keyboard-interactive',
        '-p',
        port,
        'netops@127.0.0.1',
      ],
      {
        env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: 'none' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ out: out.replace(/\r/g, ''), err });
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

async function stop(lab: RunningLab): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  lab.child.kill('SIGTERM');
  const timer = setTimeout(() => lab.child.kill('SIGKILL'), 15_000);
  try {
    return await lab.exit;
  } finally {
    clearTimeout(timer);
  }
}

describe('dcagent lab (the built binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-cli-'));
  let lab: RunningLab | undefined;

  beforeAll(() => ensureBuilt());
  afterAll(async () => {
    if (lab && lab.child.exitCode === null && lab.child.signalCode === null) await stop(lab);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints how to reach every switch, writes a config check-config passes, answers lab ctl, stops on SIGTERM', async () => {
    const config = join(dir, 'agent.yaml');
    const state = join(dir, 'state.json');
    lab = await startLabBin([
      '--devices',
      '3',
      '--ports',
      '4',
      '--optics',
      'huawei,cisco',
      '--platform',
      'ietf-interfaces,openconfig',
      '--config-out',
      config,
      '--state-file',
      state,
    ]);
    expect(lab.ready).toMatchObject({ switches: 3, config });
    const banner = lab.out();
    for (const id of ['lab-sw-01', 'lab-sw-02', 'lab-sw-03']) expect(banner).toContain(id);
    expect(banner).toMatch(/ssh -p \d+ netops@127\.0\.0\.1 -s netconf/);
    expect(banner).toMatch(/host key SHA256:[A-Za-z0-9+/]{43}/);
    expect(existsSync(state)).toBe(true);

    const check = runBin(['check-config', '--config', config]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('3 device(s), 12 port(s)');
    expect(check.stdout).toContain('device lab-sw-02  openconfig  127.0.0.1');

    // The snmpwalk line the banner prints works as printed (community file and all).
    const walkLine = /snmpwalk -v2c -c "\$\(cat (\S+)\)" (\S+) (\S+)/.exec(banner);
    expect(walkLine).not.toBeNull();
    const community = (await run('cat', [walkLine![1]!])).stdout.trim();
    const walked = await run('snmpwalk', ['-v2c', '-c', community, '-On', walkLine![2]!, walkLine![3]!]);
    expect(walked.stdout).toContain('"10GE1/0/4"');

    const patched = runBin([
      'lab',
      'ctl',
      'patch',
      '--device',
      'lab-sw-02',
      '--port',
      '10GE1/0/3',
      '--state-file',
      state,
    ]);
    expect(patched).toMatchObject({ code: 0, stdout: 'patch: done on lab-sw-02\n' });
    const status = runBin(['lab', 'ctl', 'status', '--device', 'lab-sw-02', '--json', '--state-file', state]);
    expect(status.code).toBe(0);
    const ports = (JSON.parse(status.stdout) as { ports: { name: string; patched: boolean }[] }).ports;
    expect(ports.find((p) => p.name === '10GE1/0/3')?.patched).toBe(true);
    expect(runBin(['lab', 'ctl', 'degrade', '--device', 'lab-sw-02', '--state-file', state]).code).toBe(2);
    expect(runBin(['lab', 'ctl', 'cut', '--device', 'nope', '--state-file', state]).code).toBe(1);

    const exited = await stop(lab);
    expect(exited).toEqual({ code: 0, signal: null });
    expect(lab.out()).toContain('dcagent lab: stopped');
    expect(existsSync(state)).toBe(false);
    expect(runBin(['lab', 'ctl', 'status', '--state-file', state]).code).toBe(2);
  });

  it('serves CLI switches too: an SSH shell per switch in the banner, `cli:` blocks check-config passes, lab ctl', async () => {
    const config = join(dir, 'cli.yaml');
    const state = join(dir, 'cli-state.json');
    lab = await startLabBin([
      '--devices',
      '2',
      '--ports',
      '2',
      '--platform',
      'cli-vrp,cli-ios',
      '--optics',
      'huawei,cisco',
      '--config-out',
      config,
      '--state-file',
      state,
    ]);
    const banner = lab.out();
    expect(banner).toMatch(/lab-sw-01 {2}cli-vrp {2}optics huawei {2}ports 10GE1\/0\/1, 10GE1\/0\/2/);
    expect(banner).toMatch(/lab-sw-02 {2}cli-ios .* TenGigabitEthernet1\/0\/1, TenGigabitEthernet1\/0\/2/);
    // An interactive shell, not the netconf subsystem.
    expect(banner).toMatch(
      / {4}cli {6}ssh -p \d+ netops@127\.0\.0\.1 {3}\(password in \S+\/lab-sw-02\.cli-password\)/,
    );
    expect(banner).not.toContain('-s netconf');

    const check = runBin(['check-config', '--config', config]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('device lab-sw-02  cli-ios  127.0.0.1');
    expect(check.stdout).toMatch(
      / {2}cli: port \d+, user netops, password \[REDACTED\] \(file \S+\/lab-sw-01\.cli-password\), host key SHA256:/,
    );

    // IOS spells ifName short and ifDescr long, as the box does; the agent finds ports by either.
    const walkLines = [...banner.matchAll(/snmpwalk -v2c -c "\$\(cat (\S+)\)" (\S+) /g)];
    const [, communityFile, target] = walkLines[1]!;
    const community = (await run('cat', [communityFile!])).stdout.trim();
    const names = await run('snmpwalk', ['-v2c', '-c', community, '-On', target!, OID.ifName]);
    expect(names.stdout).toContain('"Te1/0/1"');
    const descrs = await run('snmpwalk', ['-v2c', '-c', community, '-On', target!, OID.ifDescr]);
    expect(descrs.stdout).toContain('"TenGigabitEthernet1/0/1"');

    // A stock OpenSSH client, logging in as the banner says, sees the VRP shell and its commit
    // changes the port; the host key it is shown is the one the banner (and the config) pins.
    const [, sshPort, pwFile] =
      /ssh -p (\d+) netops@127\.0\.0\.1 {3}\(password in (\S+\/lab-sw-01\.cli-password)\)/.exec(banner)!;
    const askpass = join(dir, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\ncat '${resolve(ROOT, pwFile!)}'\n`, { mode: 0o700 });
    const session = await openSsh(sshPort!, askpass, [
      'system-view',
      'interface 10GE1/0/2',
      'description typed by hand',
      'undo shutdown',
      'commit',
      'return',
      'quit',
    ]);
    expect(session.out).toContain('[*LAB-SW-01-10GE1/0/2]commit');
    expect(session.out).toContain('<LAB-SW-01>quit');
    const shownKey = /Server host key: ssh-ed25519 (SHA256:\S+)/.exec(session.err)?.[1];
    expect(banner).toContain(`host key ${shownKey}`);

    const ctl = (...args: string[]) => runBin(['lab', 'ctl', ...args, '--state-file', state]);
    const typed = JSON.parse(ctl('status', '--device', 'lab-sw-01', '--json').stdout) as {
      ports: { name: string; adminStatus: string; description: string | null }[];
    };
    expect(typed.ports[1]).toMatchObject({ adminStatus: 'up', description: 'typed by hand' });
    expect(ctl('add-subif', '--device', 'lab-sw-01', '--port', '10GE1/0/1', '--vlan', '100')).toMatchObject({
      code: 0,
      stdout: 'add-subif: done on lab-sw-01\n',
    });
    const status = ctl('status', '--device', 'lab-sw-01', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      platform: 'cli-vrp',
      transport: 'cli',
      cli: { username: 'netops' },
      ports: [{ name: '10GE1/0/1', subinterfaces: ['10GE1/0/1.100'] }, { name: '10GE1/0/2' }],
    });
    expect(ctl('status').stdout).toMatch(
      /lab-sw-02 {2}cli-ios {2}optics cisco {2}cli 127\.0\.0\.1:\d+ {2}snmp/,
    );
    expect(await stop(lab)).toEqual({ code: 0, signal: null });
  });

  it('lists every platform the lab serves in --help', () => {
    const help = runBin(['lab', '--help']).stdout.replace(/\s+/g, ' ');
    for (const p of LAB_PLATFORM_NAMES) expect(help).toContain(p);
  });

  it('refuses bad options with exit 2 before starting anything', () => {
    expect(runBin(['lab', '--devices', '0']).code).toBe(2);
    expect(runBin(['lab', '--platform', 'nx-os']).stderr).toContain('no nx-os model');
    expect(runBin(['lab', '--ports', 'many']).code).toBe(2);
  });

  it('500 switches × 20 ports start, and every one answers a full poll with the C tools', async () => {
    const config = join(dir, 'scale.yaml');
    lab = await startLabBin(
      [
        '--devices',
        '500',
        '--ports',
        '20',
        '--secrets',
        'env',
        '--config-out',
        config,
        '--state-file',
        join(dir, 's.json'),
      ],
      60_000,
    );
    console.log(`[lab] 500 switches × 20 ports ready in ${lab.readyMs.toFixed(0)} ms`);
    expect(lab.ready.switches).toBe(500);
    // The start time itself is bench:lab's figure (targets live in benchmarks, not tests).
    const community = /export DCAGENT_LAB_SNMP_COMMUNITY='([^']+)'/.exec(lab.out())?.[1];
    expect(community).toBeDefined();
    const check = runBin(['check-config', '--config', config], {
      ...process.env,
      DCAGENT_LAB_SNMP_COMMUNITY: community!,
      DCAGENT_LAB_NETCONF_PASSWORD: /export DCAGENT_LAB_NETCONF_PASSWORD='([^']+)'/.exec(lab.out())![1]!,
    });
    expect(check.code).toBe(0);
    const ports = [...check.stdout.matchAll(/snmp: v2c port (\d+)/g)].map((m) => m[1]!);
    expect(ports).toHaveLength(500);
    const oids: string[] = [OID.sysUpTime];
    for (let i = 1; i <= 20; i++) oids.push(`${OID.ifAdminStatus}.${i}`, `${OID.ifOperStatus}.${i}`);
    const t0 = performance.now();
    const polled = await new Promise<string>((resolve, reject) => {
      const x = spawn('xargs', [
        '-P',
        '8',
        '-I{}',
        'snmpget',
        '-v2c',
        '-c',
        community!,
        '-On',
        '-Oq',
        '127.0.0.1:{}',
        ...oids,
      ]);
      let out = '';
      x.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      x.on('error', reject);
      x.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`xargs exited ${code}`))));
      x.stdin.end(`${ports.join('\n')}\n`);
    });
    console.log(
      `[lab] full poll of 500 switches (41 varbinds each) in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(polled.trim().split('\n')).toHaveLength(500 * oids.length);
    expect(polled).not.toMatch(/No Such|Timeout/);
    expect(await stop(lab)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
