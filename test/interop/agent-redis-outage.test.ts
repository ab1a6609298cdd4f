import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import {
  eventually,
  fastAgentConfig,
  ietfDevice,
  RawQueue,
  sleep,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';
import { RestartableRedis } from '../helpers/redis.js';

// Redis unreachable for 20 s while a port changes state. The agent keeps polling from memory,
// spills each transition to its fsynced file, reports /readyz 503, and delivers everything once
// Redis is back. Each scenario has its own private Redis, agent and port, so they run side by side.
//
// What "contiguous" can mean: a consumer that read sequences 1..n before the outage must get n+1,
// n+2, … after it, never a number again. With a Redis that comes back empty (no persistence, or a
// failover to an empty replica) the sequence counter is gone with the stream, so the agent itself
// must remember the last number it gave each connection; with a Redis that keeps its data (the
// usual "unreachable for a while") the counter and the tracked connections survive, and
// monitoring continues where it was, even across an agent restart during the outage.

const OUTAGE_MS = 20_000;
const COMMUNITY_ENV = 'OUTAGE_COMMUNITY';
const DEVICE = 'nc-outage';

interface Scenario {
  redis: RestartableRedis;
  agents: AgentProcess[];
  events: EventWatcher;
  configPath: string;
  spillFile: string;
  prefix: string;
}

async function setUp(name: string, nc: NetconfPeerInfo, port: string, persist: boolean): Promise<Scenario> {
  const peers = inject('peers');
  const redis = await RestartableRedis.start(peers.runDir, { persist });
  const spillFile = `${peers.runDir}/${name}-${Date.now()}-spill.jsonl`;
  const configPath = writeAgentConfig(
    peers.runDir,
    fastAgentConfig({
      redisUrl: redis.url,
      prefix: name,
      agentId: name,
      spillFile,
      devices: [ietfDevice(DEVICE, nc, peers, { ports: [port], communityEnv: COMMUNITY_ENV })],
    }),
  );
  return {
    redis,
    agents: [],
    events: new EventWatcher(redis.url, name),
    configPath,
    spillFile,
    prefix: name,
  };
}

function startAgent(s: Scenario): AgentProcess {
  const a = AgentProcess.start(s.configPath, { [COMMUNITY_ENV]: 'agent-outage' });
  s.agents.push(a);
  return a;
}

async function provisionAndBuild(
  s: Scenario,
  conn: string,
  port: string,
  physics: ReturnType<typeof h3cPort>,
): Promise<DcEvent[]> {
  const queue = new RawQueue(s.redis.url, s.prefix);
  try {
    await enqueueJob(
      queue.queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: DEVICE, port },
      `provision-${conn}`,
    );
    await s.events.waitFor(conn, (e) => e.type === 'provision.succeeded');
    await physics.up(-2.5, -1.8);
    await s.events.waitFor(conn, (e) => e.type === 'construction.completed');
    return await s.events.all(conn);
  } finally {
    await queue.close();
  }
}

const readyz = async (a: AgentProcess) => (await a.http('/readyz')).status;
const outboxDepth = async (a: AgentProcess) => {
  const { body } = await a.http('/metrics');
  return Number(/^dcagent_outbox_depth (\S+)$/m.exec(body)?.[1] ?? Number.NaN);
};

const transitions = (list: DcEvent[]) =>
  list.map((e) => (e.type === 'availability.changed' ? `${e.type}:${e.data.to}` : e.type));

describe.concurrent('Redis unreachable for 20 s', () => {
  const peers = inject('peers');
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  it('with the agent running: /readyz says so, every transition arrives in order, numbering continues', async () => {
    const port = 'XGE5/0/1';
    const conn = 'hc-outage-1';
    const physics = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-outage'), 62201);
    // No persistence: Redis comes back empty, as after a failover to an empty replica.
    const s = await setUp('outage1', peers.netconf.ietf, port, false);
    cleanup.push(async () => {
      for (const a of s.agents) if (!a.exited) await a.stop('SIGKILL');
      s.events.close();
      await s.redis.down();
      await physics.dark();
    });
    const agent = startAgent(s);
    await agent.waitForLog('dcagent running');
    const before = await provisionAndBuild(s, conn, port, physics);
    expect(transitions(before)).toEqual(['provision.succeeded', 'construction.completed']);
    expect(await readyz(agent)).toBe(200);

    await s.redis.down();
    const downAt = Date.now();
    await eventually(async () => (await readyz(agent)) === 503, 5_000, '/readyz 503 while Redis is down');
    // Fibre cut, repaired, cut again: each transition waits in the spill (outbox depth counts them).
    await physics.cut(-1.8);
    await eventually(async () => (await outboxDepth(agent)) === 1, 8_000, 'unavailable spilled');
    await physics.up(-2.6, -1.8);
    await eventually(async () => (await outboxDepth(agent)) === 2, 8_000, 'available spilled');
    await physics.cut(-1.8);
    await eventually(async () => (await outboxDepth(agent)) === 3, 8_000, 'unavailable spilled');
    expect(readFileSync(s.spillFile, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(await readyz(agent)).toBe(503);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));

    await s.redis.up();
    const upAt = Date.now();
    await eventually(async () => (await readyz(agent)) === 200, 10_000, '/readyz 200 after Redis is back');
    const after = await eventually(
      async () => {
        const list = await s.events.all(conn);
        return list.length >= 3 ? list : undefined;
      },
      10_000,
      'spilled events delivered',
    );
    expect(transitions(after)).toEqual([
      'availability.changed:unavailable',
      'availability.changed:available',
      'availability.changed:unavailable',
    ]);
    // The consumer saw 1, 2 before the outage; the stream restarted empty, the numbers did not.
    expect([...before, ...after].map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set([...before, ...after].map((e) => e.id)).size).toBe(5);
    // Recorded when they happened (during the outage), not when they were delivered.
    const times = after.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(downAt - 1_000);
    for (const t of times) expect(t).toBeLessThan(upAt);
    await eventually(async () => (await outboxDepth(agent)) === 0, 5_000, 'outbox empty');
    expect(readFileSync(s.spillFile, 'utf8')).toBe('');
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('with an agent restart during the outage (Redis keeps its data): nothing lost, monitoring resumes', async () => {
    const port = 'XGE5/0/2';
    const conn = 'hc-outage-2';
    const physics = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-outage'), 62202);
    // Its own netconfd, so the two scenarios never contend for one candidate lock.
    const device: RunningNetconf = await startNetconf(peers.runDir, {
      name: 'outage-2',
      modules: peers.netconf.ietf.modules,
    });
    const s = await setUp('outage2', device.info, port, true);
    cleanup.push(async () => {
      for (const a of s.agents) if (!a.exited) await a.stop('SIGKILL');
      s.events.close();
      await s.redis.down();
      await device.stop();
      await physics.dark();
    });
    const first = startAgent(s);
    await first.waitForLog('dcagent running');
    const before = await provisionAndBuild(s, conn, port, physics);
    expect(transitions(before)).toEqual(['provision.succeeded', 'construction.completed']);

    await s.redis.down();
    const downAt = Date.now();
    await eventually(async () => (await readyz(first)) === 503, 5_000, '/readyz 503 while Redis is down');
    await physics.cut(-1.8);
    await eventually(async () => (await outboxDepth(first)) === 1, 8_000, 'unavailable spilled');

    // SIGTERM while Redis is down: the drain cannot flush, so the event stays in the spill file.
    const t = Date.now();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t).toBeLessThan(17_000);
    expect(readFileSync(s.spillFile, 'utf8').trim().split('\n')).toHaveLength(1);

    const second = startAgent(s);
    await second.waitForLog('dcagent running');
    expect(await readyz(second)).toBe(503);
    expect(await outboxDepth(second)).toBe(1);
    // The fibre is repaired while Redis is still away.
    await physics.up(-2.6, -1.8);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));

    await s.redis.up();
    await eventually(async () => (await readyz(second)) === 200, 10_000, '/readyz 200 after Redis is back');
    await s.events.waitFor(conn, (e) => e.type === 'availability.changed' && e.data.to === 'available');
    // Monitoring goes on: a cut after recovery is reported live.
    await physics.cut(-1.8);
    await s.events.waitFor(
      conn,
      (e) => e.type === 'availability.changed' && e.data.to === 'unavailable' && e.sequence > 3,
    );
    const all = await s.events.all(conn);
    expect(transitions(all)).toEqual([
      'provision.succeeded',
      'construction.completed',
      'availability.changed:unavailable',
      'availability.changed:available',
      'availability.changed:unavailable',
    ]);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(all.map((e) => e.id)).size).toBe(5);
    expect(all[2]?.source).toBe('dcagent/outage2');
    expect(readFileSync(s.spillFile, 'utf8')).toBe('');
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
