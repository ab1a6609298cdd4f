// Issue 11 item 3: two replicas must never both report one connection's transition.
//
// The replica holding a device's poll lease is frozen (SIGSTOP) while its poll is in flight (the
// lab holds that one SNMP request), for longer than its lease. Meanwhile the customer's fibre is
// patched and the other replica, which takes the lapsed lease, reports construction.completed.
// Then the frozen replica is resumed (SIGCONT): its held reply arrives, showing the same healthy
// port, and its in-memory state still says "under construction". Without versioned tracker
// state it reports construction.completed a second time, with another id, and overwrites the
// newer state in Redis. With it, the publish script refuses the stale event and the replica
// re-reads the state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const HOLD_MS = 3_000;

const until = async (what: string, pred: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
};

describe('two replicas, one frozen past its lease mid-poll: one construction.completed, order kept', () => {
  const peers = inject('peers');
  const prefix = `stale${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-stale-'));
  const agents = new Map<string, AgentProcess>();
  let lab: Lab;
  let events: EventWatcher;
  let queue: Queue;
  let redis: Redis;

  beforeAll(async () => {
    const base = join(dir, 'base.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      linkUpDelayMs: 0,
      configOut: base,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(base, 'utf8')) as Record<string, Record<string, unknown>> & {
      devices: { snmp: Record<string, unknown> }[];
    };
    // The config refuses an SNMP timeout longer than the interval, and the poll lease outlives the
    // worst-case poll, so a frozen replica's request in flight has timed out by the time it wakes
    // (its lease lapsed while it slept). What it does on waking must still report nothing stale.
    for (const d of doc.devices) d.snmp = { ...d.snmp, timeoutMs: 900, retries: 0, backoff: 1 };
    doc.redis = { ...doc.redis, prefix };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 1, downPolls: 2 };
    doc.queues = { attempts: 3, backoffMs: 200 };
    for (const id of ['stale-a', 'stale-b']) {
      const path = join(dir, `${id}.yaml`);
      doc.agent = { ...doc.agent, id, httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
      doc.events = { spillFile: join(dir, `${id}-spill.jsonl`) };
      writeFileSync(path, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
      agents.set(id, AgentProcess.start(path));
    }
    await Promise.all([...agents.values()].map((a) => a.waitForLog('dcagent running', 30_000)));
    events = new EventWatcher(peers.redis.url, prefix);
    redis = new Redis(peers.redis.url, { maxRetriesPerRequest: 2 });
    queue = new Queue('dc-port-jobs', {
      connection: new Redis(peers.redis.url, { maxRetriesPerRequest: null }),
      prefix,
    });
  });

  afterAll(async () => {
    for (const a of agents.values()) {
      if (a.exited) continue;
      a.child.kill('SIGCONT');
      await a.stop('SIGKILL');
    }
    await queue?.close();
    redis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the resumed replica reports nothing stale', { timeout: 90_000 }, async () => {
    const device = lab.devices[0]!;
    const sim = device.sim;
    const port = device.ports[0]!.name;
    const conn = 'hc-stale-1';
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port },
      `provision-${conn}-1`,
    );
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 45_000);
    // Tracked and polled (dark) by whichever replica holds the device.
    const connKey = `${prefix}:conn:${conn}`;
    await until(
      'a first poll of the new connection',
      async () => (await redis.hget(connKey, 'tracker')) !== null,
      20_000,
    );

    const holderId = async () =>
      ((await redis.get(`${prefix}:poll-lease:${device.id}`)) ?? '').split('/')[0] ?? '';
    const frozenId = await holderId();
    const frozen = agents.get(frozenId);
    expect(frozen, `lease holder ${frozenId}`).toBeDefined();
    const other = [...agents.entries()].find(([id]) => id !== frozenId)![1];

    // Hold the holder's next poll for 3 s and freeze it while that request is in flight.
    const held = sim.snmpHeld;
    // Its log from here on: a request that timed out just before the freeze still counts as acted on.
    const frozenLog = frozen!.log().length;
    sim.holdSnmp(HOLD_MS, 1);
    await until('the holder to poll into the hold', () => sim.snmpHeld > held, 10_000);
    const heldAt = Date.now();
    frozen!.child.kill('SIGSTOP');

    // The fibre arrives; the other replica takes the lapsed lease and completes construction.
    sim.patch(port);
    const completed = await events.waitFor(conn, (e) => e.type === 'construction.completed', 20_000);
    expect(await holderId()).not.toBe(frozenId);
    // Let the held reply (healthy by now) land in the frozen replica's socket.
    const sent = heldAt + HOLD_MS + 500;
    if (Date.now() < sent) await new Promise((r) => setTimeout(r, sent - Date.now()));

    frozen!.child.kill('SIGCONT');
    // The resumed replica acts on its held request: it timed out (a failed poll), or a reply was
    // read and either reported (the bug) or refused as older than the stored state.
    await until(
      'the resumed replica to act on its held request',
      () => {
        const text = frozen!.log().slice(frozenLog);
        return (
          text.includes('"msg":"port transition"') ||
          text.includes('stored state is newer') ||
          text.includes('"msg":"device polls failing"')
        );
      },
      20_000,
    );
    // A few more rounds for anything late to show.
    await new Promise((r) => setTimeout(r, 3_000));

    const all = await events.all(conn);
    const types = all.map((e) => e.type);
    expect(
      types.filter((t) => t === 'construction.completed'),
      types.join(', '),
    ).toHaveLength(1);
    expect(types, types.join(', ')).toEqual(['provision.succeeded', 'construction.completed']);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
    // The stored state is the newer replica's: completed, not under construction again.
    const stored = JSON.parse((await redis.hget(connKey, 'tracker')) ?? '{}') as {
      underConstruction?: boolean;
    };
    expect(stored.underConstruction).toBe(false);
    // And the same transition seen twice would carry the same id: derived, not random.
    expect(completed.id).toMatch(new RegExp(`^mon:${conn}:\\d+:\\d+:construction\\.completed$`));
    expect(other.count('"msg":"port transition"')).toBeGreaterThanOrEqual(1);
  });
});
