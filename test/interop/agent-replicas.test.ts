import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import { ncclient } from '../../testkit/peers/ncclient.js';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import {
  fastAgentConfig,
  ietfDevice,
  interfacesOf,
  RawQueue,
  sleep,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';

// Two replicas (two `dcagent run`, different agent.id and spill files, one Redis prefix) share
// 40 provision jobs over 4 real netconfd devices and the polling of every tracked port.
// One writer per device is shown by netconfd itself: its candidate lock is exclusive, so two
// sessions editing one device at once would make one of them fail with lock-denied, which the
// processor reports as a provision.failed event. There must be none. (netconfd's own log does not
// record refused locks at info level, so the events are the witness.) Other attempts may fail and
// be retried (a device or a loaded machine can be slow); what one writer per device means is: no
// lock-denied, no final failure, and exactly one provision.succeeded per connection.

const INTERVAL_S = 2;
const PORTS = Array.from({ length: 10 }, (_, i) => `XGE4/0/${i + 1}`);
const DEVICES = ['rep-sw1', 'rep-sw2', 'rep-sw3', 'rep-sw4'];
const COMMUNITY_ENV = 'REPLICAS_COMMUNITY';
/** Jobs before the kill: ports 1-8 of every device; after it: ports 9 and 10. */
const FIRST = 8;

const connOf = (device: string, port: string) => `hc-${device}-${port.split('/').at(-1)}`;
const jobOf = (device: string, port: string) => `provision-${connOf(device, port)}`;

/** Failures that one writer per device forbids: a refused device lock, or an attempt that was the last. */
const forbiddenFailures = (all: DcEvent[]) =>
  all
    .filter((e) => e.type.endsWith('.failed'))
    .filter((e) => {
      const d = e.data as { code?: string; final?: boolean };
      return d.code === 'lock-denied' || d.final === true;
    })
    .map((e) => `${e.subject} ${JSON.stringify(e.data)}`);

/** provision.succeeded events per connection. */
const succeededPerConnection = (all: DcEvent[]) => {
  const n = new Map<string, number>();
  for (const e of all) if (e.type === 'provision.succeeded') n.set(e.subject, (n.get(e.subject) ?? 0) + 1);
  return n;
};

describe('two replicas: jobs and polling shared, one writer per device, a dead replica covered', () => {
  const peers = inject('peers');
  const prefix = `replicas${Date.now()}`;
  const started: RunningNetconf[] = [];
  const nc = new Map<string, NetconfPeerInfo>();
  let a: AgentProcess;
  let b: AgentProcess;
  let queue: RawQueue;
  let events: EventWatcher;
  const physics = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-replicas'), 62301);

  beforeAll(async () => {
    // The rig's ietf instance plus three more of the same model: four real devices.
    const more = await Promise.all(
      [2, 3, 4].map((n) =>
        startNetconf(peers.runDir, { name: `replicas-${n}`, modules: peers.netconf.ietf.modules }),
      ),
    );
    started.push(...more);
    for (const [i, info] of [peers.netconf.ietf, ...more.map((m) => m.info)].entries())
      nc.set(DEVICES[i]!, info);
    const config = (id: string) =>
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix,
          agentId: id,
          spillFile: `${peers.runDir}/${prefix}-${id}-spill.jsonl`,
          monitoring: { intervalSeconds: INTERVAL_S, upPolls: 1, downPolls: 2 },
          devices: DEVICES.map((d) =>
            ietfDevice(d, nc.get(d)!, peers, { ports: PORTS, communityEnv: COMMUNITY_ENV }),
          ),
        }),
      );
    const env = { [COMMUNITY_ENV]: 'agent-replicas' };
    a = AgentProcess.start(config('rep-a'), env);
    b = AgentProcess.start(config('rep-b'), env);
    await Promise.all([a.waitForLog('dcagent running'), b.waitForLog('dcagent running')]);
    queue = new RawQueue(peers.redis.url, prefix);
    events = new EventWatcher(peers.redis.url, prefix);
  });

  afterAll(async () => {
    await physics.dark();
    for (const p of [a, b]) if (p && !p.exited) await p.stop('SIGKILL');
    await queue?.close();
    events?.close();
    await Promise.all(started.map((s) => s.stop()));
  });

  const enqueue = (ports: string[]) =>
    Promise.all(
      DEVICES.flatMap((device) =>
        ports.map((port) =>
          queue.add(
            'provision',
            {
              schemaVersion: 1,
              connectionId: connOf(device, port),
              device,
              port,
              description: `replica test ${device} ${port}`,
            },
            jobOf(device, port),
          ),
        ),
      ),
    );

  const settleAll = async (ports: string[]) => {
    const settled = await Promise.all(
      DEVICES.flatMap((device) => ports.map((port) => queue.settle(jobOf(device, port), 45_000))),
    );
    return settled.map((s) => ({ id: s.job.id, state: s.state, reason: s.job.failedReason }));
  };

  const pollCounts = async () => {
    const [ma, mb] = await Promise.all([
      a.metric('dcagent_poll_duration_seconds_count', 'device'),
      b.metric('dcagent_poll_duration_seconds_count', 'device'),
    ]);
    return { a: ma, b: mb };
  };

  it('share 32 jobs over 4 devices: all succeed, none collides on a device', async () => {
    const ports = PORTS.slice(0, FIRST);
    await enqueue(ports);
    const settled = await settleAll(ports);
    expect(settled.filter((s) => s.state !== 'completed')).toEqual([]);
    expect(settled).toHaveLength(32);

    const all = await events.all();
    expect(forbiddenFailures(all)).toEqual([]);
    const perConnection = succeededPerConnection(all);
    expect(perConnection.size).toBe(32);
    expect([...perConnection].filter(([, n]) => n !== 1)).toEqual([]);
    // Both replicas did part of the work.
    expect(a.count('"msg":"provisioned"')).toBeGreaterThan(0);
    expect(b.count('"msg":"provisioned"')).toBeGreaterThan(0);
    expect(a.count('"msg":"provisioned"') + b.count('"msg":"provisioned"')).toBe(32);
  });

  it('poll each device once per interval between them, not once per replica', async () => {
    // Every connection is tracked (under construction) once its job is done.
    const intervals = 3;
    await sleep(INTERVAL_S * 1000);
    const before = await pollCounts();
    await sleep(intervals * INTERVAL_S * 1000);
    const after = await pollCounts();
    const delta = (side: 'a' | 'b', d: string) => (after[side].get(d) ?? 0) - (before[side].get(d) ?? 0);
    for (const d of DEVICES) {
      const total = delta('a', d) + delta('b', d);
      expect(
        total,
        `${d}: a ${delta('a', d)} + b ${delta('b', d)} polls in ${intervals} intervals`,
      ).toBeGreaterThanOrEqual(intervals - 1);
      expect(total, `${d}: a ${delta('a', d)} + b ${delta('b', d)} polls`).toBeLessThanOrEqual(intervals + 1);
    }
    // And the devices are spread over both replicas (fair share: two each).
    expect(DEVICES.filter((d) => delta('a', d) > 0).length).toBeGreaterThan(0);
    expect(DEVICES.filter((d) => delta('b', d) > 0).length).toBeGreaterThan(0);
  });

  it('SIGKILL one replica: the other finishes the jobs and covers its ports within two intervals', async () => {
    const ports = PORTS.slice(FIRST);
    const bDone = b.count('"msg":"provisioned"');
    await enqueue(ports);
    // Kill b while it is working on this batch, so it dies with jobs (and maybe a device) in hand.
    const until = Date.now() + 5_000;
    while (b.count('"msg":"provisioned"') === bDone && Date.now() < until) await sleep(5);
    expect(await b.stop('SIGKILL')).toBe('SIGKILL');

    // Light on port 1 of every device (one snmpsimd community serves all four): each connection
    // on it completes construction at the first poll that sees it, whichever replica held it.
    const lit = Date.now();
    await physics.up(-2.5, -1.8);
    const completedAt = new Map<string, number>();
    const deadline = lit + 20_000;
    while (completedAt.size < DEVICES.length && Date.now() < deadline) {
      for (const e of await events.all()) {
        if (e.type === 'construction.completed' && !completedAt.has(e.subject))
          completedAt.set(e.subject, Date.now());
      }
      await sleep(100);
    }
    const latency = Object.fromEntries([...completedAt].map(([k, t]) => [k, t - lit]));
    console.log(`[replicas] construction.completed after the kill, ms: ${JSON.stringify(latency)}`);
    expect(Object.keys(latency).sort(), JSON.stringify(latency)).toEqual(
      DEVICES.map((d) => connOf(d, PORTS[0]!)).sort(),
    );
    // Two intervals, plus a margin for the poll itself and our 100 ms reading of the stream.
    for (const [conn, ms] of Object.entries(latency))
      expect(ms, `${conn} completed ${ms} ms after the light came on`).toBeLessThanOrEqual(
        2 * INTERVAL_S * 1000 + 1_000,
      );

    const settled = await settleAll(ports);
    expect(settled.filter((s) => s.state !== 'completed')).toEqual([]);

    // Exactly one provision.succeeded per connection over the whole run; no lock-denied, no final failure.
    const all = await events.all();
    expect(forbiddenFailures(all)).toEqual([]);
    const perConnection = succeededPerConnection(all);
    expect(perConnection.size).toBe(40);
    expect([...perConnection].filter(([, n]) => n !== 1)).toEqual([]);
    const bySubject = new Map<string, DcEvent[]>();
    for (const e of all) bySubject.set(e.subject, [...(bySubject.get(e.subject) ?? []), e]);
    for (const [subject, list] of bySubject)
      expect(
        list.map((e) => e.sequence),
        subject,
      ).toEqual(list.map((_, i) => i + 1));

    // The devices hold all 40 (ncclient).
    for (const d of DEVICES) {
      const ifs = interfacesOf(
        await ncclient(nc.get(d)!, {
          op: 'get-config',
          source: 'running',
          filter: '<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>',
        }),
      );
      for (const p of PORTS) expect(ifs.get(p), `${d} ${p}`).toContain(`replica test ${d} ${p}`);
    }

    // The survivor keeps polling all four devices, once per interval.
    const before = await a.metric('dcagent_poll_duration_seconds_count', 'device');
    await sleep(2 * INTERVAL_S * 1000);
    const after = await a.metric('dcagent_poll_duration_seconds_count', 'device');
    for (const d of DEVICES) expect((after.get(d) ?? 0) - (before.get(d) ?? 0), d).toBeGreaterThanOrEqual(1);

    expect(await a.stop('SIGTERM')).toBe(0);
  });
});
