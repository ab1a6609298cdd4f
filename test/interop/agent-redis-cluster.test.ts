// Issue 11 item 13 (Cluster): the agent lifecycle on a real 3-master Redis Cluster from Debian's
// redis-server, with a hash-tagged prefix: provision → patch (construction.completed) → cut
// (unavailable) → patch (available), every event once, sequences contiguous.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readRange } from '../../agent/events/stream.js';
import type { DcEvent } from '../../contract/events.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { freeTcpPort, LOOPBACK, type PeerProcess } from '../../testkit/peers/process.js';
import { spawnRedis } from '../../testkit/peers/redis.js';
import { AgentProcess } from '../helpers/agent-proc.js';

const run = promisify(execFile);

describe('the agent on a 3-master Redis Cluster', () => {
  const peers = inject('peers');
  const prefix = `{dccl${Date.now()}}`;
  const dir = mkdtempSync(join(peers.runDir, 'cluster-'));
  const nodes: PeerProcess[] = [];
  const ports: number[] = [];
  let lab: Lab;
  let agent: AgentProcess;
  let cluster: Cluster;
  let queue: Queue;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const port = await freeTcpPort();
      const nodeDir = mkdtempSync(join(dir, `node${i}-`));
      nodes.push(
        await spawnRedis({
          name: `redis-cluster-${i}`,
          runDir: peers.runDir,
          dir: nodeDir,
          port,
          logPath: join(nodeDir, 'redis.log'),
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf')],
        }),
      );
      ports.push(port);
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `${LOOPBACK}:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(
        ports.map(
          async (p) =>
            (await run('redis-cli', ['-p', String(p), 'cluster', 'info'], { timeout: 5_000 })).stdout,
        ),
      );
      if (states.every((s) => s.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`cluster never became ok:\n${states.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 1,
      linkUpDelayMs: 0,
      configOut: configPath,
      secrets: 'files',
      redisUrl: `redis://${LOOPBACK}:${ports[0]}`,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = {
      ...doc.redis,
      prefix,
      mode: 'cluster',
      clusterNodes: ports.map((port) => ({ host: LOOPBACK, port })),
    };
    doc.agent = {
      ...doc.agent,
      id: 'cluster-agent',
      httpPort: 0,
      logLevel: 'info',
      shutdownTimeoutSeconds: 10,
    };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    const clusterNodes = ports.map((port) => ({ host: LOOPBACK, port }));
    cluster = new Cluster(clusterNodes);
    queue = new Queue('dc-port-jobs', {
      connection: new Cluster(clusterNodes, { redisOptions: { maxRetriesPerRequest: null } }),
      prefix,
    });
  }, 90_000);

  afterAll(async () => {
    // With Cluster clients a handle can outlive the drain; the agent then exits on its own
    // shortly after `stopped` (agent/commands/run.ts), with code 0, well before stop() would kill it.
    const code = await agent?.stop('SIGTERM', 15_000);
    if (code !== 0) console.log(`[cluster] agent exit ${code}; log tail:\n${agent?.log().slice(-4000)}`);
    await queue?.close();
    cluster?.disconnect();
    await lab?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const eventsOf = async (conn: string): Promise<DcEvent[]> => {
    const keys = new RedisKeys(prefix, 'events');
    const out: DcEvent[] = [];
    let after = '-';
    for (;;) {
      const page = await readRange(cluster, keys, after, 1000);
      out.push(...page.entries.map((e) => e.event).filter((e) => e.subject === conn));
      if (!page.last) return out;
      after = page.last;
    }
  };
  const waitFor = async (conn: string, pred: (e: DcEvent) => boolean) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const hit = (await eventsOf(conn)).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no matching event; saw ${(await eventsOf(conn)).map((e) => e.type).join(', ')}`);
  };

  it('provision → construction → unavailable → available, in order, nothing lost', {
    timeout: 90_000,
  }, async () => {
    const device = lab.devices[0]!;
    const port = device.ports[0]!.name;
    const conn = 'hc-cluster-1';
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port },
      `provision-${conn}-1`,
    );
    await waitFor(conn, (e) => e.type === 'provision.succeeded');
    device.sim.patch(port);
    await waitFor(conn, (e) => e.type === 'construction.completed');
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
  });
});
