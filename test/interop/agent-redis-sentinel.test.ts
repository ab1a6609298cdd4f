// Issue 11 item 13 (Sentinel): the agent on a Sentinel-managed primary from Debian's
// redis-server, with a `SENTINEL FAILOVER` in the middle of a run: the replica becomes the
// primary, the agent follows it, and no event is lost or numbered twice.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readRange } from '../../agent/events/stream.js';
import type { DcEvent } from '../../contract/events.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import {
  freeTcpPort,
  LOOPBACK,
  type PeerProcess,
  spawnPeer,
  waitUntilReady,
} from '../../testkit/peers/process.js';
import { spawnRedis } from '../../testkit/peers/redis.js';
import { AgentProcess } from '../helpers/agent-proc.js';

const run = promisify(execFile);
const cli = async (port: number, ...args: string[]) =>
  (await run('redis-cli', ['-p', String(port), ...args], { timeout: 5_000 })).stdout.trim();

describe('the agent on a Sentinel-managed primary, failed over mid-run', () => {
  const peers = inject('peers');
  const prefix = `sent${Date.now()}`;
  const dir = mkdtempSync(join(peers.runDir, 'sentinel-'));
  const procs: PeerProcess[] = [];
  let primary = 0;
  let replica = 0;
  let sentinel = 0;
  let lab: Lab;
  let agent: AgentProcess;
  let reader: Redis;
  let queue: Queue;

  const sentinelClient = (extra: Record<string, unknown> = {}) =>
    new Redis({ sentinels: [{ host: LOOPBACK, port: sentinel }], name: 'mymaster', ...extra });

  beforeAll(async () => {
    [primary, replica, sentinel] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
    for (const [name, port, extra] of [
      ['redis-primary', primary, []],
      ['redis-replica', replica, ['--replicaof', LOOPBACK, String(primary)]],
    ] as const) {
      const d = mkdtempSync(join(dir, `${name}-`));
      procs.push(
        await spawnRedis({
          name,
          runDir: peers.runDir,
          dir: d,
          port,
          logPath: join(d, 'redis.log'),
          extraArgs: extra,
        }),
      );
    }
    const sd = mkdtempSync(join(dir, 'sentinel-'));
    const conf = join(sd, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinel}`,
        `bind ${LOOPBACK}`,
        `dir ${sd}`,
        `sentinel monitor mymaster ${LOOPBACK} ${primary} 1`,
        'sentinel down-after-milliseconds mymaster 2000',
        'sentinel failover-timeout mymaster 10000',
        '',
      ].join('\n'),
    );
    const logPath = join(sd, 'sentinel.log');
    const s = await spawnPeer({
      name: 'redis-sentinel',
      runDir: peers.runDir,
      cmd: 'redis-server',
      args: [conf, '--sentinel'],
      cwd: sd,
      logPath,
    });
    procs.push(s);
    await waitUntilReady(
      async () =>
        (await cli(sentinel, 'sentinel', 'replicas', 'mymaster').catch(() => '')).includes(String(replica)),
      { peer: 'redis-sentinel', timeoutMs: 30_000, procs: [s], logs: [logPath] },
    );

    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 1,
      linkUpDelayMs: 0,
      configOut: configPath,
      secrets: 'files',
      redisUrl: `redis://${LOOPBACK}:${primary}`,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = {
      ...doc.redis,
      prefix,
      mode: 'sentinel',
      sentinels: [{ host: LOOPBACK, port: sentinel }],
      sentinelName: 'mymaster',
    };
    doc.agent = {
      ...doc.agent,
      id: 'sentinel-agent',
      httpPort: 0,
      logLevel: 'info',
      shutdownTimeoutSeconds: 10,
    };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.queues = { attempts: 5, backoffMs: 500 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    reader = sentinelClient({ maxRetriesPerRequest: 5 });
    reader.on('error', () => {});
    const qc = sentinelClient({ maxRetriesPerRequest: null });
    qc.on('error', () => {});
    queue = new Queue('dc-port-jobs', { connection: qc, prefix });
  }, 90_000);

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    reader?.disconnect();
    await lab?.stop();
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const eventsOf = async (conn: string): Promise<DcEvent[]> => {
    const keys = new RedisKeys(prefix, 'events');
    const out: DcEvent[] = [];
    let after = '-';
    for (;;) {
      const page = await readRange(reader, keys, after, 1000);
      out.push(...page.entries.map((e) => e.event).filter((e) => e.subject === conn));
      if (!page.last) return out;
      after = page.last;
    }
  };
  const waitFor = async (conn: string, pred: (e: DcEvent) => boolean) => {
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      const hit = (await eventsOf(conn).catch(() => [])).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no matching event; saw ${(await eventsOf(conn)).map((e) => e.type).join(', ')}`);
  };

  it('provision → construction; FAILOVER; → unavailable → available: nothing lost, contiguous', {
    timeout: 120_000,
  }, async () => {
    const device = lab.devices[0]!;
    const port = device.ports[0]!.name;
    const conn = 'hc-sentinel-1';
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port },
      `provision-${conn}-1`,
    );
    await waitFor(conn, (e) => e.type === 'provision.succeeded');
    device.sim.patch(port);
    await waitFor(conn, (e) => e.type === 'construction.completed');

    // Everything written so far is on the replica before it is promoted.
    expect(Number(await cli(primary, 'wait', '1', '5000'))).toBe(1);
    expect(await cli(sentinel, 'sentinel', 'failover', 'mymaster')).toBe('OK');
    const deadline = Date.now() + 30_000;
    // The promotion ends with Sentinel killing the replica's client connections (CLIENT KILL TYPE
    // normal), so a ROLE asked at that moment may be reset: that is an answer of "not yet".
    while ((await cli(replica, 'role').catch(() => '')).split('\n')[0] !== 'master') {
      if (Date.now() > deadline) throw new Error('the replica was never promoted');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Changes during and after the failover.
    device.sim.cut(port);
    await waitFor(
      conn,
      (e) => e.type === 'availability.changed' && (e.data as { to: string }).to === 'unavailable',
    );
    device.sim.patch(port);
    await waitFor(
      conn,
      (e) => e.type === 'availability.changed' && (e.data as { to: string }).to === 'available',
    );

    const all = await eventsOf(conn);
    expect(all.map((e) => e.type)).toEqual([
      'provision.succeeded',
      'construction.completed',
      'availability.changed',
      'availability.changed',
    ]);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(new Set(all.map((e) => e.id)).size).toBe(4);
    // The new primary is the old replica: the agent followed the failover.
    expect((await cli(replica, 'role')).split('\n')[0]).toBe('master');
  });
});
