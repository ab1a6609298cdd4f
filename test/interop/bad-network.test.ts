// Calm on a bad management network (issue 20), on one lab and two `dcagent run` replicas sharing
// one Redis prefix. Three scenarios run side by side, each on its own switch, so the whole file
// costs about as long as its longest scenario (three minutes of 30% SNMP loss):
//   - 30% SNMP loss for 3 min: nothing about availability, at most one degraded episode and none
//     shorter than upPolls intervals, no event twice or from both replicas, and the poll period
//     within 5% of intervalSeconds;
//   - 100% SNMP loss for 30 s, then none: one monitoring.degraded, then one monitoring.restored;
//   - 200 ms delay each way on NETCONF: 20 `dcagent plan` runs and 10 jobs all succeed.
// The loss is seeded (lab/model/impair.ts): a failing run replays with the same LOSS_SEED.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { DcEvent } from '../../contract/events.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { runCli } from '../helpers/cli.js';

const INTERVAL_S = 2;
const UP_POLLS = 3;
const DOWN_POLLS = 2;
const LOSS_SEED = Number(process.env.DCAGENT_TEST_LOSS_SEED ?? 20);
// Three minutes as the issue asks; shorter only to check by hand that the test can fail.
const LOSSY_FOR_MS = Number(process.env.DCAGENT_TEST_LOSSY_MS ?? 180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a bad management network: steady polling, damped events, NETCONF on a slow link', () => {
  const peers = inject('peers');
  const prefix = `badnet${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-badnet-'));
  const configPath = join(dir, 'agent.yaml');
  let lab: Lab;
  const replicas: AgentProcess[] = [];
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;
  const conn = (i: number) => `hc-badnet-${i}`;
  const device = (i: number) => lab.devices[i]!;
  const job = (name: 'provision' | 'deprovision', i: number, port: string, c: string, id: string) =>
    enqueueJob(queue, name, { schemaVersion: 1, connectionId: c, device: device(i).id, port }, id);

  beforeAll(async () => {
    lab = await startLab({
      devices: 3,
      ports: 2,
      platform: 'ietf-interfaces',
      linkUpDelayMs: 0,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: INTERVAL_S,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.monitoring = {
      ...doc.monitoring,
      intervalSeconds: INTERVAL_S,
      upPolls: UP_POLLS,
      downPolls: DOWN_POLLS,
    };
    doc.queues = { attempts: 3, backoffMs: 500 };
    for (const id of ['badnet-a', 'badnet-b']) {
      const path = join(dir, `${id}.yaml`);
      doc.agent = { ...doc.agent, id, httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
      doc.events = { spillFile: join(dir, `${id}-spill.jsonl`) };
      writeFileSync(path, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
      replicas.push(AgentProcess.start(path));
    }
    await Promise.all(replicas.map((r) => r.waitForLog('dcagent running', 30_000)));
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });

    // One built connection per switch, on its first port, before any impairment.
    for (let i = 0; i < 3; i++) {
      await job('provision', i, device(i).ports[0]!.name, conn(i), `provision-${conn(i)}`);
      device(i).sim.patch(device(i).ports[0]!.name);
    }
    for (let i = 0; i < 3; i++) {
      await events.waitFor(conn(i), (e) => e.type === 'construction.completed', 60_000);
    }
  }, 120_000);

  afterAll(async () => {
    const codes = await Promise.all(replicas.map((r) => r.stop('SIGTERM')));
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(codes).toEqual(replicas.map(() => 0));
  });

  /** Sum over both replicas of a per-device series. */
  const total = async (series: string, dev: string) => {
    let n = 0;
    for (const r of replicas) n += (await r.metric(series, 'device')).get(dev) ?? 0;
    return n;
  };

  /** What both replicas published about one connection after `from` (stream order). */
  const eventsSince = async (c: string, from: number) =>
    (await events.all(c)).filter((e) => Date.parse(e.time) >= from);

  /** No event twice (by id, or the same transition under two ids), and one writer per connection. */
  const expectPublishedOnce = (evs: DcEvent[]) => {
    expect(new Set(evs.map((e) => e.id)).size).toBe(evs.length);
    const transitions = evs.map((e) => `${e.type} ${JSON.stringify(e.data)}`);
    expect(new Set(transitions).size).toBe(transitions.length);
    const seq = evs.map((e) => e.sequence);
    expect(new Set(seq).size).toBe(seq.length);
  };

  it.concurrent('30% SNMP loss for 3 minutes: no availability events, at most one degraded episode, a steady period', {
    timeout: LOSSY_FOR_MS + 60_000,
  }, async ({ expect }) => {
    const d = device(0);
    const t0 = Date.now();
    const polls0 = await total('dcagent_poll_duration_seconds_count', d.id);
    d.sim.impair({ snmpLoss: 0.3, seed: LOSS_SEED });
    await sleep(LOSSY_FOR_MS);
    const polls1 = await total('dcagent_poll_duration_seconds_count', d.id);
    const elapsed = Date.now() - t0;
    d.sim.impair({});
    // Restored (if it degraded at all) comes within upPolls good polls of the loss ending.
    await sleep((UP_POLLS + 2) * INTERVAL_S * 1000);
    const evs = await eventsSince(conn(0), t0);
    expect(evs.filter((e) => e.type === 'availability.changed')).toEqual([]);
    const degraded = evs.filter((e) => e.type === 'monitoring.degraded');
    const restored = evs.filter((e) => e.type === 'monitoring.restored');
    expect(degraded.length).toBeLessThanOrEqual(1);
    expect(restored.length).toBe(degraded.length);
    for (const [i, deg] of degraded.entries()) {
      const lasted = Date.parse(restored[i]!.time) - Date.parse(deg.time);
      expect(lasted).toBeGreaterThanOrEqual(UP_POLLS * INTERVAL_S * 1000 - 500);
    }
    expectPublishedOnce(evs);
    // Fixed-rate polling: the loss must not stretch the period (it measured 3.06 s for 2 s).
    const period = elapsed / (polls1 - polls0);
    expect(period).toBeGreaterThanOrEqual(INTERVAL_S * 1000 * 0.95);
    expect(period).toBeLessThanOrEqual(INTERVAL_S * 1000 * 1.05);
  });

  it.concurrent('100% SNMP loss for 30 s, then none: one monitoring.degraded, one monitoring.restored, nothing about availability', {
    timeout: 120_000,
  }, async ({ expect }) => {
    const d = device(1);
    const t0 = Date.now();
    d.sim.impair({ snmpLoss: 1 });
    await sleep(30_000);
    d.sim.impair({});
    await events.waitFor(
      conn(1),
      (e) => e.type === 'monitoring.restored' && Date.parse(e.time) >= t0,
      60_000,
    );
    // A few more intervals: nothing else may follow.
    await sleep(3 * INTERVAL_S * 1000);
    const evs = await eventsSince(conn(1), t0);
    expect(evs.map((e) => e.type)).toEqual(['monitoring.degraded', 'monitoring.restored']);
    expect(evs[0]?.data).toMatchObject({ reason: 'snmp-timeout', flapCount: 1 });
    expect(evs[1]?.data).toMatchObject({ reason: 'recovered', flapCount: 2 });
    expectPublishedOnce(evs);
  });

  it.concurrent('NETCONF with 200 ms delay each way: 20 plans and 10 jobs all succeed', {
    timeout: 240_000,
  }, async ({ expect }) => {
    const d = device(2);
    d.sim.impair({ netconfDelayMs: 200 });
    try {
      const port = d.ports[1]!.name;
      const c = 'hc-badnet-slow';
      const jobs = (async () => {
        const outcomes: string[] = [];
        for (let n = 1; n <= 10; n++) {
          const name = n % 2 === 1 ? 'provision' : 'deprovision';
          await job(name, 2, port, c, `${name}-${c}-${n}`);
          const done = await events.waitFor(
            c,
            // Job events' ids are `<jobId>:<type>[:<attempt>]`.
            (e) => e.type.startsWith(`${name}.`) && e.id.startsWith(`${name}-${c}-${n}:`),
            90_000,
          );
          outcomes.push(done.type);
        }
        return outcomes;
      })();
      const plans: number[] = [];
      const failures: string[] = [];
      for (let n = 0; n < 20; n++) {
        const r = await runCli([
          'plan',
          'provision',
          '--device',
          d.id,
          '--port',
          d.ports[0]!.name,
          '--connection',
          conn(2),
          '--config',
          configPath,
        ]);
        plans.push(r.code);
        if (r.code !== 0) failures.push(r.stderr);
      }
      expect(failures).toEqual([]);
      expect(plans).toEqual(Array(20).fill(0));
      expect(await jobs).toEqual(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'provision.succeeded' : 'deprovision.succeeded')),
      );
    } finally {
      d.sim.impair({});
    }
  });
});
