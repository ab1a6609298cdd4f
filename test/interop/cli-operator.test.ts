// The CLI items of issue 16 as operators meet them: the built binary against the lab (and the
// rig's netconfd for --validate), never the in-process entry point. Each `it` names the item.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Agent } from '../../agent/app.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../core/logger.js';
import { type Lab, startLab } from '../../lab/index.js';
import { freeTcpPort } from '../../testkit/peers/process.js';
import { fastAgentConfig, ietfDevice } from '../helpers/agent-env.js';
import { BIN, ROOT, runBinAsync } from '../helpers/cli.js';
import { envelopeFor, eventDataExamples } from '../unit/contract/examples.js';

const sh = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Polls `check` until it holds or the deadline passes (the machine is shared and loaded). */
async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  deadlineMs = 30_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('dcagent CLI on the lab (the built binary)', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-cli-op-'));
  const prefix = `cliop${Date.now()}`;
  let lab: Lab;
  let agent: Agent;
  let config: string;
  let redis: Redis;

  beforeAll(async () => {
    config = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 3,
      ports: 3,
      platform: ['ietf-interfaces', 'cli-vrp', 'cli-ios'],
      configOut: config,
      secrets: 'files',
      redisUrl: peers.redis.url,
      controlPort: false,
      stateFile: join(dir, 'state.json'),
    });
    const doc = parse(readFileSync(config, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { id: 'cli-op', httpPort: 0, logLevel: 'silent' };
    doc.monitoring = { intervalSeconds: 3600 };
    doc.queues = { attempts: 1 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(config, stringify(doc));
    agent = new Agent({ cfg: loadConfig({ path: config }), logger: silentLogger });
    await agent.start();
    redis = new Redis(peers.redis.url, { maxRetriesPerRequest: 3 });
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
    redis?.disconnect();
  });

  const cfgArgs = () => ['--config', config];
  const sw = (i: number) => lab.devices[i]!;

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runBinAsync([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(VERSION);
    }
  });

  it('enqueue --wait exits 3 when the deprovision is blocked by a PVI, 0 on success', async () => {
    const { id, ports } = sw(0);
    const port = ports[0]!.name;
    const provision = await runBinAsync([
      'enqueue',
      'provision',
      '--device',
      id,
      '--port',
      port,
      '--connection',
      'hc-op-1',
      '--wait',
      ...cfgArgs(),
    ]);
    expect(provision.code, provision.stderr).toBe(0);
    (sw(0) as unknown as { sim: { addSubinterface(p: string, v: number): void } }).sim.addSubinterface(
      port,
      100,
    );
    const blocked = await runBinAsync([
      'enqueue',
      'deprovision',
      '--device',
      id,
      '--port',
      port,
      '--connection',
      'hc-op-1',
      '--wait',
      ...cfgArgs(),
    ]);
    expect(blocked.stdout).toMatch(/deprovision\.blocked .*\.100/);
    expect(blocked.code, blocked.stderr).toBe(3);
  });

  it('events --type, --device and --since filter the stream', async () => {
    const all = (args: string[]) =>
      runBinAsync(['events', '--json', ...args, ...cfgArgs()]).then((r) => {
        expect(r.code, r.stderr).toBe(0);
        return r.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { type: string; time: string; data: { device: string } });
      });
    const everything = await all([]);
    expect(new Set(everything.map((e) => e.type)).size).toBeGreaterThan(1);
    const blocked = await all(['--type', 'deprovision.blocked']);
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.every((e) => e.type === 'deprovision.blocked')).toBe(true);
    const family = await all(['--type', 'provision.*']);
    expect(family.length).toBeGreaterThan(0);
    expect(family.every((e) => e.type.startsWith('provision.'))).toBe(true);
    expect(await all(['--device', sw(2).id])).toEqual([]);
    expect((await all(['--device', sw(0).id])).length).toBe(everything.length);
    const cut = everything.at(-1)!.time;
    const since = await all(['--since', cut]);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.time >= cut)).toBe(true);
    expect(since.length).toBeLessThan(everything.length);
    expect(await all(['--since', '2h'])).toHaveLength(everything.length);
    const bad = await runBinAsync(['events', '--type', 'provison.done', ...cfgArgs()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--type/);
  });

  it('a closed pipe ends events and check-config quietly (no stack trace)', async () => {
    // Enough events that the writer is still writing when head has gone.
    const event = JSON.stringify(
      envelopeFor('provision.succeeded', eventDataExamples['provision.succeeded']!),
    );
    const sample = ['event', event];
    const pipe = redis.pipeline();
    for (let i = 0; i < 3_000; i++) pipe.xadd(`${prefix}:events`, '*', ...sample);
    await pipe.exec();
    const bigConfig = join(dir, 'big.yaml');
    const doc = parse(readFileSync(config, 'utf8')) as { devices: Record<string, unknown>[] };
    const one = doc.devices[1]!;
    doc.devices = Array.from({ length: 600 }, (_, i) => ({ ...one, id: `big-${i}` }));
    writeFileSync(bigConfig, stringify(doc, { aliasDuplicateObjects: false }));
    for (const cmd of [`events --config ${config}`, `check-config --config ${bigConfig}`]) {
      const { stdout, stderr } = await sh(
        'bash',
        ['-c', `node ${BIN} ${cmd} 2>err.txt | head -1; echo "status=\${PIPESTATUS[0]}"; cat err.txt`],
        { cwd: dir, timeout: 60_000 },
      );
      expect(stdout.split('\n')).toHaveLength(3);
      expect(stdout, cmd).toMatch(/\nstatus=0\n$/);
      expect(stdout + stderr, cmd).not.toMatch(/EPIPE|Error|at /);
    }
  });

  it('enqueue warns when no worker has taken a job for --warn-after seconds', async () => {
    // A config whose queue no agent consumes.
    const lonely = join(dir, 'lonely.yaml');
    const doc = parse(readFileSync(config, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix: `${prefix}lonely` };
    writeFileSync(lonely, stringify(doc));
    const base = ['enqueue', 'provision', '--device', sw(0).id, '--port', sw(0).ports[1]!.name];
    const waited = await runBinAsync([
      ...base,
      '--connection',
      'hc-op-2',
      '--wait',
      '--timeout',
      '4',
      '--warn-after',
      '1',
      '--config',
      lonely,
    ]);
    expect(waited.code).toBe(1);
    expect(waited.stderr).toMatch(
      /warning: no worker has taken a job from queue dc-port-jobs .*\(no agent is running\?\)/,
    );
    // Without --wait: the job left behind above is older than --warn-after, so the next enqueue says so.
    const quick = await runBinAsync([
      ...base,
      '--connection',
      'hc-op-3',
      '--warn-after',
      '1',
      '--config',
      lonely,
    ]);
    expect(quick.code).toBe(0);
    expect(quick.stderr).toMatch(/no agent is running\?/);
    // With a running agent, nothing to warn about.
    const served = await runBinAsync([
      ...base,
      '--connection',
      'hc-op-4',
      '--wait',
      '--warn-after',
      '1',
      ...cfgArgs(),
    ]);
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).not.toMatch(/no agent is running/);
  });

  it('run --http-port and DCAGENT_HTTP_PORT choose where /healthz answers', async () => {
    const runConfig = join(dir, 'run.yaml');
    writeFileSync(
      runConfig,
      stringify(
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix: `${prefix}run`,
          agentId: 'cli-op-run',
          spillFile: join(dir, 'run-spill.jsonl'),
          devices: [],
          agent: { httpPort: 1, logLevel: 'warn' },
        }),
      ),
    );
    for (const how of ['flag', 'env'] as const) {
      const port = await freeTcpPort();
      const child = spawn(
        process.execPath,
        [BIN, 'run', '--config', runConfig, ...(how === 'flag' ? ['--http-port', String(port)] : [])],
        {
          cwd: ROOT,
          env: { ...process.env, ...(how === 'env' ? { DCAGENT_HTTP_PORT: String(port) } : {}) },
          stdio: 'ignore',
        },
      );
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      try {
        await until(`/healthz on ${port} (${how})`, () =>
          fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
            (r) => r.ok,
            () => false,
          ),
        );
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }
    const bad = await runBinAsync(['run', '--http-port', 'eighty', '--config', runConfig]);
    expect(bad.code).toBe(2);
  });

  it('plan on CLI switches: commands: and a diff in the device syntax (VRP undo shutdown, IOS no shutdown)', async () => {
    for (const [i, enable] of [
      [1, 'undo shutdown'],
      [2, 'no shutdown'],
    ] as const) {
      const { id, ports } = sw(i);
      const r = await runBinAsync([
        'plan',
        'provision',
        '--device',
        id,
        '--port',
        ports[0]!.name,
        '--connection',
        'hc-op-5',
        ...cfgArgs(),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^commands:$/m);
      expect(r.stdout).not.toMatch(/^rpc:/m);
      expect(r.stdout).toMatch(new RegExp(`^\\+ ${enable}$`, 'm'));
      expect(r.stdout).toMatch(/^- shutdown$/m);
      expect(r.stdout).not.toMatch(/enabled (true|false)/);
    }
    const typed = await runBinAsync([
      'plan',
      'provision',
      '--device',
      sw(1).id,
      '--port',
      sw(1).ports[0]!.name,
      '--connection',
      'hc-op-5',
      '--port-type',
      '100GBASE-LR4',
      ...cfgArgs(),
    ]);
    expect(typed.code).toBe(2);
    expect(typed.stderr).toMatch(/--port-type: .* is 10GBASE-LR in the inventory/);
    const wide = await runBinAsync([
      'plan',
      'provision',
      '--device',
      sw(1).id,
      '--port',
      sw(1).ports[0]!.name,
      '--connection',
      'hc-op-5',
      '--port-type',
      '10GBASE-LR',
      '--bandwidth-mbps',
      '20000',
      ...cfgArgs(),
    ]);
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(/--bandwidth-mbps: exceeds the port speed/);
  });

  it('plan --validate on netconfd prints what the device answered', async () => {
    const nc = peers.netconf.ietf;
    const ncConfig = join(dir, 'netconfd.yaml');
    writeFileSync(
      ncConfig,
      stringify(
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix: `${prefix}nc`,
          agentId: 'cli-op-nc',
          spillFile: join(dir, 'nc-spill.jsonl'),
          devices: [ietfDevice('nc-1', nc, peers, { ports: ['eth-op-1'], communityEnv: 'OP_COMMUNITY' })],
        }),
      ),
    );
    const env = { ...process.env, OP_COMMUNITY: peers.snmp.communities[0]! };
    const args = [
      'plan',
      'provision',
      '--device',
      'nc-1',
      '--port',
      'eth-op-1',
      '--connection',
      'hc-op-6',
      '--validate',
      '--config',
      ncConfig,
    ];
    const r = await runBinAsync(args, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^validate: the device accepted the edit \(test-only\): <ok\/>$/m);
    expect(r.stdout).toMatch(/^ {8}<name>eth-op-1<\/name>$/m);
    const json = JSON.parse((await runBinAsync([...args, '--json'], env)).stdout) as { validation: unknown };
    expect(json.validation).toEqual({ accepted: true, answer: '<ok/>' });
  });

  it('status --watch redraws in place on a terminal (tmux) and appends readings elsewhere', async () => {
    const { id, ports } = sw(0);
    const args = ['status', '--device', id, '--port', ports[2]!.name, '--watch', ...cfgArgs()];
    const piped = await runBinAsync([...args, '--interval', '0.2', '--count', '3']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.match(/^ {2}verdict: /gm)).toHaveLength(3);

    const session = `dcagent-watch-${process.pid}`;
    const shim = join(dir, 'watch.sh');
    writeFileSync(shim, `#!/bin/sh\nexec ${process.execPath} ${BIN} ${args.join(' ')} --interval 0.3\n`);
    chmodSync(shim, 0o755);
    await sh('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', shim]);
    try {
      const screen = async () => (await sh('tmux', ['capture-pane', '-p', '-t', session])).stdout;
      const stamp = (s: string) => /^(\S+Z) {2}every/m.exec(s)?.[1];
      let first: string | undefined;
      await until('a first reading on the terminal', async () => {
        first = stamp(await screen());
        return first !== undefined;
      });
      let later = '';
      await until('a later reading drawn over the first', async () => {
        later = await screen();
        const s = stamp(later);
        return s !== undefined && s !== first;
      });
      expect(later.match(/verdict: /g)).toHaveLength(1);
      expect(later.match(/every 0\.3 s/g)).toHaveLength(1);
    } finally {
      await sh('tmux', ['kill-session', '-t', session]).catch(() => {});
    }
  });

  it('completion bash loads into bash and completes commands and values', async () => {
    const bin = join(dir, 'bin');
    await sh('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'dcagent'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`);
    chmodSync(join(bin, 'dcagent'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const loaded = await sh('bash', ['-c', 'source <(dcagent completion bash); complete -p dcagent'], {
      env,
    });
    expect(loaded.stdout.trim()).toBe('complete -F _dcagent dcagent');
    const complete = async (words: string[]) =>
      (
        await sh(
          'bash',
          [
            '-c',
            `source <(dcagent completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dcagent; echo "\${COMPREPLY[*]}"`,
          ],
          { env },
        )
      ).stdout.trim();
    expect((await complete(['dcagent', 'pl'])).split(' ')).toEqual(['plan']);
    expect(await complete(['dcagent', 'plan', 'de'])).toBe('deprovision');
    expect((await complete(['dcagent', 'events', '--type', 'deprovision.b'])).split(' ')).toEqual([
      'deprovision.blocked',
    ]);
    expect((await complete(['dcagent', 'run', '--ht'])).split(' ')).toEqual(['--http-port']);
    const zsh = await runBinAsync(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef dcagent$/m);
    expect(zsh.stdout).toMatch(/bashcompinit/);
    expect((await runBinAsync(['completion', 'fish'])).code).toBe(2);
  });
});
