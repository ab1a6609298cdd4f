import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { ROOT, runBinAsync } from '../helpers/cli.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';
import {
  aclLinesFromDoc,
  type SecureRedis,
  secureAgentConfig,
  startSecureRedis,
} from '../helpers/secure-redis.js';

// The three roles of docs/operations.md#redis-acl, read from the doc itself, on a real Redis.
const PASSWORDS = {
  'agent-password': 'agent-pw-7c1e9a',
  'control-plane-password': 'plane-pw-52d0b4',
  'monitoring-password': 'monitor-pw-9f3a61',
};
const ENV = {
  SECURE_COMMUNITY: 'redis-secure',
  AGENT_REDIS_PW: PASSWORDS['agent-password'],
  PLANE_REDIS_PW: PASSWORDS['control-plane-password'],
  MONITOR_REDIS_PW: PASSWORDS['monitoring-password'],
  WRONG_REDIS_PW: 'not-the-password',
};
const CONN = 'hc-acl1';

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
function usage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  // USER_HZ is 100 on every Linux that Node supports.
  return { cpuSeconds: ticks / 100, rssBytes: rssKb * 1024 };
}

async function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await res.text();
  return { status: res.status, ms: performance.now() - t0 };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Redis ACL roles from docs/operations.md (real redis-server with exactly those users)', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(peers.runDir, 'redis-acl-'));
  let redis: SecureRedis;
  let admin: Redis;
  let agent: AgentProcess | undefined;
  const cfgFor = (role: Record<string, unknown>, name: string, extra: Record<string, unknown> = {}) =>
    AgentProcess.writeConfig(
      secureAgentConfig(
        peers,
        { url: `redis://127.0.0.1:${redis.port}`, ...role },
        { agentId: name, spillDir: dir, ...extra },
      ),
      mkdtempSync(join(dir, `${name}-`)),
    );
  let agentCfg: string;
  let planeCfg: string;
  let monitorCfg: string;
  const env = { ...process.env, ...ENV };
  const bin = (args: string[]) => runBinAsync(args, env, 90_000);

  beforeAll(async () => {
    const lines = aclLinesFromDoc(resolve(ROOT, 'docs/operations.md'), PASSWORDS);
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['dcagent', 'dcplane', 'dcmonitor']);
    // The agent's own line minus one permission, for the start-up check.
    const noInfo = `${(lines[0] as string).replace(/^user dcagent /, 'user dcnoinfo ')} -info`;
    redis = await startSecureRedis(peers.runDir, { aclLines: [...lines, noInfo] });
    admin = new Redis(redis.adminUrl, { maxRetriesPerRequest: 2 });
    agentCfg = cfgFor({ username: 'dcagent', passwordEnv: 'AGENT_REDIS_PW' }, 'acl-agent');
    planeCfg = cfgFor({ username: 'dcplane', passwordEnv: 'PLANE_REDIS_PW' }, 'acl-plane');
    // The user in the URL, the password from the environment (issue 21's first report).
    monitorCfg = AgentProcess.writeConfig(
      secureAgentConfig(
        peers,
        { url: `redis://dcmonitor@127.0.0.1:${redis.port}`, passwordEnv: 'MONITOR_REDIS_PW' },
        { agentId: 'acl-monitor', spillDir: dir },
      ),
      mkdtempSync(join(dir, 'acl-monitor-')),
    );
  });

  afterAll(async () => {
    if (agent && !agent.exited) await agent.stop('SIGTERM');
    admin?.disconnect();
    await redis?.stop();
  });

  it('the agent runs a whole lifecycle as dcagent; dcplane enqueues and reads events; dcmonitor reads events', async () => {
    const port = h3cPort(new SnmpPhysics('127.0.0.1', peers.snmp.port, 'redis-secure'), 62901);
    await port.dark();
    agent = AgentProcess.start(agentCfg, ENV);
    await agent.waitForLog('dcagent running', 30_000);
    expect((await agent.http('/readyz')).status).toBe(200);

    const prov = await bin([
      'enqueue',
      'provision',
      '--config',
      planeCfg,
      '--device',
      'sec-sw1',
      '--port',
      'XGE21/0/1',
      '--connection',
      CONN,
      '--description',
      'acl test',
      '--wait',
      '--timeout',
      '60',
      '--json',
    ]);
    expect(prov.stderr).not.toMatch(/NOPERM|WRONGPASS|Error/);
    expect(prov.code).toBe(0);
    expect(prov.stdout).toContain('"type":"provision.succeeded"');

    const events = new EventWatcher(redis.adminUrl, 'dcagent');
    try {
      await port.up(-2.5, -1.8);
      await events.waitFor(CONN, (e) => e.type === 'construction.completed', 45_000);
      await port.cut(-1.8);
      await events.waitFor(
        CONN,
        (e) => e.type === 'availability.changed' && e.data.to === 'unavailable',
        45_000,
      );
      await port.up(-2.4, -1.8);
      await events.waitFor(
        CONN,
        (e) => e.type === 'availability.changed' && e.data.to === 'available',
        45_000,
      );
    } finally {
      events.close();
    }
    // The agent's own role reads what `dcagent connections` needs (dcplane and dcmonitor do not).
    const conns = await bin(['connections', 'show', CONN, '--config', agentCfg, '--json']);
    expect(conns.stderr).toBe('');
    expect(conns.code).toBe(0);
    expect(JSON.parse(conns.stdout)).toMatchObject({ connectionId: CONN, state: 'available' });
    const deprov = await bin([
      'enqueue',
      'deprovision',
      '--config',
      planeCfg,
      '--device',
      'sec-sw1',
      '--port',
      'XGE21/0/1',
      '--connection',
      CONN,
      '--wait',
      '--timeout',
      '60',
      '--json',
    ]);
    expect(deprov.code).toBe(0);
    expect(deprov.stdout).toContain('"type":"deprovision.succeeded"');
    // The control plane's role also reads the queue (dcagent jobs).
    const jobs = await bin(['jobs', '--config', planeCfg, '--json']);
    expect(jobs.stderr).toBe('');
    expect(jobs.code).toBe(0);
    expect(
      (JSON.parse(jobs.stdout) as { connectionId: string; state: string }[]).filter(
        (j) => j.connectionId === CONN,
      ),
    ).toEqual([
      expect.objectContaining({ state: 'completed' }),
      expect.objectContaining({ state: 'completed' }),
    ]);

    const expected = [
      'provision.succeeded',
      'construction.completed',
      'availability.changed',
      'availability.changed',
      'deprovision.succeeded',
    ];
    for (const cfg of [planeCfg, monitorCfg]) {
      const r = await bin(['events', '--config', cfg, '--connection', CONN, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const evs = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; sequence: number });
      expect(evs.map((e) => e.type)).toEqual(expected);
      expect(evs.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    }
    expect(agent.log()).not.toMatch(/NOPERM|WRONGPASS/);
  }, 240_000);

  it('dcmonitor gets NOPERM on enqueue (one line, exit 1) and on every key outside the events stream', async () => {
    const r = await bin([
      'enqueue',
      'provision',
      '--config',
      monitorCfg,
      '--device',
      'sec-sw1',
      '--port',
      'XGE21/0/2',
      '--connection',
      'hc-acl2',
    ]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^dcagent: Redis redis:\/\/dcmonitor@127\.0\.0\.1:\d+: user dcmonitor is not allowed this \(NOPERM .*\); see docs\/operations\.md#redis-acl$/,
    );
    // Nor are the queue and the connection records the monitoring reader's to read.
    for (const args of [['jobs'], ['connections'], ['connections', 'show', CONN]]) {
      const r = await bin([...args, '--config', monitorCfg]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        expect.stringMatching(
          /^dcagent: Redis redis:\/\/dcmonitor@127\.0\.0\.1:\d+: user dcmonitor is not allowed this \(NOPERM .*\); see docs\/operations\.md#redis-acl$/,
        ),
      ]);
    }

    const monitor = new Redis({
      port: redis.port,
      username: 'dcmonitor',
      password: ENV.MONITOR_REDIS_PW,
      maxRetriesPerRequest: 0,
    });
    try {
      expect(await monitor.xrange('dcagent:events', '-', '+', 'COUNT', 1)).toHaveLength(1);
      const keys = (await admin.keys('dcagent:*')).filter((k) => k !== 'dcagent:events');
      expect(keys.length).toBeGreaterThan(3);
      for (const key of keys) {
        const type = await admin.type(key);
        const read =
          type === 'hash'
            ? monitor.hgetall(key)
            : type === 'zset'
              ? monitor.zrange(key, 0, -1)
              : type === 'list'
                ? monitor.lrange(key, 0, -1)
                : type === 'stream'
                  ? monitor.xrange(key, '-', '+')
                  : type === 'set'
                    ? monitor.smembers(key)
                    : monitor.get(key);
        await expect(read, key).rejects.toThrow(/NOPERM/);
      }
      await expect(monitor.xadd('dcagent:events', '*', 'event', '{}')).rejects.toThrow(/NOPERM/);
      await expect(monitor.set('dcagent:x', '1')).rejects.toThrow(/NOPERM/);
    } finally {
      monitor.disconnect();
    }
  });

  it('check-config --probe passes for dcagent and names the missing permissions for the others (exit 1)', async () => {
    const ok = await bin(['check-config', '--config', agentCfg, '--probe']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('user dcagent, password [REDACTED] (env AGENT_REDIS_PW)');
    expect(ok.stdout).toContain(
      'redis probe: connected as dcagent, every permission the agent needs is granted',
    );

    const plane = await bin(['check-config', '--config', planeCfg, '--probe']);
    expect(plane.code).toBe(1);
    expect(plane.stderr.trim().split('\n')).toEqual([
      'dcagent: Redis user dcplane may not use keys under dcagent: add "~dcagent:*" (docs/operations.md#redis-acl)',
    ]);
    const mon = await bin(['check-config', '--config', monitorCfg, '--probe']);
    expect(mon.code).toBe(1);
    expect(mon.stderr.trim().split('\n')).toHaveLength(1);
    expect(mon.stderr).toMatch(
      /^dcagent: Redis user dcmonitor lacks INFO, EVAL, EVALSHA, SET, GET, .*: add "\+info \+eval /,
    );
  });

  it('start-up: a missing INFO and a wrong password each end the agent with exit 2 and one line', async () => {
    const noInfo = AgentProcess.start(
      cfgFor({ username: 'dcnoinfo', passwordEnv: 'AGENT_REDIS_PW' }, 'acl-noinfo'),
      ENV,
    );
    expect(await noInfo.waitForExit(30_000)).toBe(2);
    expect(
      noInfo.count('dcagent: Redis user dcnoinfo lacks INFO: add "+info" (docs/operations.md#redis-acl)\n'),
    ).toBe(1);
    expect(noInfo.log()).not.toContain('dcagent running');

    const wrong = AgentProcess.start(
      cfgFor({ username: 'dcagent', passwordEnv: 'WRONG_REDIS_PW' }, 'acl-wrongpw'),
      ENV,
    );
    expect(await wrong.waitForExit(30_000)).toBe(2);
    const line = wrong
      .log()
      .split('\n')
      .filter((l) => l.startsWith('dcagent: '));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(
      /^dcagent: Redis redis:\/\/dcagent@127\.0\.0\.1:\d+: authentication failed for user dcagent \(WRONGPASS/,
    );
    expect(wrong.log()).not.toContain('not-the-password');
  });

  it('CLI: WRONGPASS and an unreachable Redis give one line naming the URL without its password, exit 1', async () => {
    const wrong = cfgFor({ username: 'dcplane', passwordEnv: 'WRONG_REDIS_PW' }, 'acl-cli-wrong');
    for (const args of [
      ['events'],
      ['enqueue', 'provision', '--device', 'sec-sw1', '--port', 'XGE21/0/2', '--connection', 'hc-acl3'],
      ['check-config', '--probe'],
      ['jobs'],
      ['connections'],
      ['connections', 'show', 'hc-acl3'],
    ]) {
      const r = await bin([...args, '--config', wrong]);
      expect(r.code, args.join(' ')).toBe(1);
      const errLines = r.stderr.trim().split('\n');
      expect(errLines, args.join(' ')).toHaveLength(1);
      expect(errLines[0]).toMatch(
        /^dcagent: Redis redis:\/\/dcplane@127\.0\.0\.1:\d+: authentication failed for user dcplane \(WRONGPASS/,
      );
      expect(r.stderr + r.stdout).not.toContain('not-the-password');
    }
    // Nothing listens there; the password inside the URL must not be printed.
    const gone = AgentProcess.writeConfig(
      secureAgentConfig(
        peers,
        { url: 'redis://dcagent:inline-pw-123@127.0.0.1:1', connectTimeoutMs: 1_500 },
        { spillDir: dir },
      ),
      mkdtempSync(join(dir, 'acl-gone-')),
    );
    for (const args of [
      ['events'],
      ['enqueue', 'provision', '--device', 'sec-sw1', '--port', 'XGE21/0/2', '--connection', 'hc-acl3'],
      ['check-config', '--probe'],
      ['jobs'],
      ['connections'],
      ['connections', 'show', 'hc-acl3'],
    ]) {
      const r = await bin([...args, '--config', gone]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([
        expect.stringMatching(
          /^dcagent: Redis unreachable at redis:\/\/dcagent@127\.0\.0\.1:1 \(.*ECONNREFUSED.*\)$/,
        ),
      ]);
      expect(r.stderr + r.stdout).not.toContain('inline-pw-123');
    }
  });

  it('a permission revoked at run time: no hot loop, quiet log, /readyz 503 while /healthz answers; restored: ready again', async () => {
    if (agent && !agent.exited) expect(await agent.stop('SIGTERM')).toBe(0);
    const a = AgentProcess.start(
      cfgFor({ username: 'dcagent', passwordEnv: 'AGENT_REDIS_PW' }, 'acl-revoke'),
      ENV,
    );
    agent = a;
    const base = await a.httpUrl(30_000);
    await until(
      'ready',
      async () => ((await timedGet(`${base}/readyz`)).status === 200 ? true : undefined),
      20_000,
    );
    // Let start-up garbage settle so the RSS baseline is the steady state.
    await new Promise((r) => setTimeout(r, 2_000));
    const before = usage(a.pid);
    const logBefore = a.log().length;

    await admin.call('ACL', 'SETUSER', 'dcagent', '-@all');
    const t0 = Date.now();
    await until(
      'readyz 503',
      async () => ((await timedGet(`${base}/readyz`)).status === 503 ? true : undefined),
      10_000,
    );
    const notReadyAfterMs = Date.now() - t0;
    expect(notReadyAfterMs).toBeLessThan(10_000);

    const slowest = { healthz: 0, readyz: 0 };
    while (Date.now() - t0 < 30_000) {
      const h = await timedGet(`${base}/healthz`);
      const r = await timedGet(`${base}/readyz`);
      expect(h.status).toBe(200);
      expect(r.status).toBe(503);
      slowest.healthz = Math.max(slowest.healthz, h.ms);
      slowest.readyz = Math.max(slowest.readyz, r.ms);
      await new Promise((res) => setTimeout(res, 500));
    }
    const after = usage(a.pid);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    const rssGrowth = after.rssBytes - before.rssBytes;
    console.log(
      `revoked 30 s: cpu ${cpu.toFixed(2)} s, rss ${(rssGrowth / 1048576).toFixed(1)} MB, slowest healthz ${slowest.healthz.toFixed(0)} ms readyz ${slowest.readyz.toFixed(0)} ms, 503 after ${notReadyAfterMs} ms`,
    );
    expect(cpu).toBeLessThan(1);
    expect(rssGrowth).toBeLessThan(20 * 1024 * 1024);
    expect(slowest.healthz).toBeLessThan(1_000);
    expect(slowest.readyz).toBeLessThan(1_000);
    // At most one line a minute per kind of error: a handful of lines, not thousands.
    const logged = a.log().slice(logBefore).trim().split('\n');
    expect(logged.length).toBeLessThan(15);
    expect(logged.filter((l) => l.includes('Redis refused the agent')).length).toBeLessThanOrEqual(1);
    expect(a.exited).toBe(false);

    await admin.call('ACL', 'LOAD');
    await until(
      'ready again',
      async () => ((await timedGet(`${base}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );
    expect(a.log()).toContain('Redis access is back; jobs resumed');
    expect(await a.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('after redis.authFailureExitSeconds of nothing but permission errors the agent exits 1', async () => {
    const a = AgentProcess.start(
      cfgFor({ username: 'dcagent', passwordEnv: 'AGENT_REDIS_PW', authFailureExitSeconds: 5 }, 'acl-giveup'),
      ENV,
    );
    agent = a;
    await a.httpUrl(30_000);
    await admin.call('ACL', 'SETUSER', 'dcagent', '-@all');
    try {
      expect(await a.waitForExit(45_000)).toBe(1);
    } finally {
      await admin.call('ACL', 'LOAD');
    }
    expect(a.log()).toContain('giving up: Redis keeps refusing the agent; exiting 1');
  }, 90_000);
});
