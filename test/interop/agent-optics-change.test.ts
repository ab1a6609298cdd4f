// Issue 11 item 2: the usual order in a data centre is port first, transceiver and fibre later.
// A port provisioned while its cage is empty must complete construction once the optic goes in
// and the fibre is patched; a pulled or swapped optic is reported (`optics.changed`) and its
// readings are used from then on. Lab switch with Huawei's entity-indexed optics MIB, one
// `dcagent run`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { DcEvent } from '../../contract/events.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { labModel } from '../../lab/catalog.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const EMPTY = labModel('ietf-interfaces').platform.portName('10GBASE-LR', 1);

describe('a transceiver inserted, pulled and swapped after the port was provisioned', () => {
  const peers = inject('peers');
  const prefix = `optics${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-optics-'));
  let lab: Lab;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;

  beforeAll(async () => {
    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      optics: 'huawei',
      emptyPorts: [EMPTY],
      linkUpDelayMs: 200,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = {
      ...doc.agent,
      id: 'optics-agent',
      httpPort: 0,
      logLevel: 'info',
      shutdownTimeoutSeconds: 10,
    };
    // The rate-limited rediscovery is kept long, so what the test shows is the entLastChangeTime path.
    doc.monitoring = {
      ...doc.monitoring,
      intervalSeconds: 1,
      upPolls: 2,
      downPolls: 2,
      opticsRediscoverySeconds: 3600,
    };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  });

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('provision with no optic → insert → patch: construction.completed; pull → unavailable; swap in → available', {
    timeout: 90_000,
  }, async () => {
    const device = lab.devices[0]!;
    const sim = device.sim;
    const conn = 'hc-optics-1';
    const next = (pred: (e: DcEvent) => boolean) => events.waitFor(conn, pred, 30_000);
    expect(sim.port(EMPTY).optic).toBeNull();

    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port: EMPTY, description: 'optic later' },
      `provision-${conn}-1`,
    );
    await next((e) => e.type === 'provision.succeeded');
    // Watched while the cage is empty: polled, dark, under construction.
    const polls = () => agent.metric('dcagent_poll_duration_seconds_count', 'device');
    const before = (await polls()).get(device.id) ?? 0;
    const deadline = Date.now() + 15_000;
    while (((await polls()).get(device.id) ?? 0) < before + 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));

    sim.insertOptic(EMPTY, 'SN-FIRST');
    const inserted = await next((e) => e.type === 'optics.changed');
    expect(inserted.data).toMatchObject({
      device: device.id,
      port: EMPTY,
      change: 'inserted',
      module: { vendor: 'DCLAB', serial: 'SN-FIRST' },
    });
    sim.patch(EMPTY);
    const built = await next((e) => e.type === 'construction.completed');
    expect(built.data).toMatchObject({ evidence: { adminStatus: 'up', operStatus: 'up' } });

    // Pulled: the port goes down and is reported unavailable; the missing module is reported too.
    sim.removeOptic(EMPTY);
    await next((e) => e.type === 'optics.changed' && (e.data as { change: string }).change === 'removed');
    await next((e) => e.type === 'availability.changed' && (e.data as { to: string }).to === 'unavailable');

    // Another module goes in: its readings are used from then on.
    sim.insertOptic(EMPTY, 'SN-SECOND');
    await next(
      (e) =>
        e.type === 'optics.changed' &&
        (e.data as { change: string; module: { serial: string } }).module.serial === 'SN-SECOND',
    );
    const back = await next(
      (e) => e.type === 'availability.changed' && (e.data as { to: string }).to === 'available',
    );
    expect((back.data as { rxDbm: (number | null)[] }).rxDbm.every((v) => v !== null)).toBe(true);

    const all = await events.all(conn);
    expect(all.map((e) => e.type)).toEqual([
      'provision.succeeded',
      'optics.changed',
      'construction.completed',
      'optics.changed',
      'availability.changed',
      'optics.changed',
      'availability.changed',
    ]);
    expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
    // Nothing said "degraded" about a port whose device answered every poll.
    expect(all.some((e) => e.type === 'monitoring.degraded')).toBe(false);

    // Swapped between two polls (pulled and another pushed in at once): one `replaced`, and the
    // log names both serials.
    sim.removeOptic(EMPTY);
    sim.insertOptic(EMPTY, 'SN-THIRD');
    const replaced = await next(
      (e) => e.type === 'optics.changed' && (e.data as { change: string }).change === 'replaced',
    );
    expect(replaced.data).toMatchObject({ change: 'replaced', module: { serial: 'SN-THIRD' } });
    await agent.waitForLog('"previousSerial":"SN-SECOND"');
    expect(agent.log()).toMatch(/"serial":"SN-THIRD","previousSerial":"SN-SECOND"/);

    // Issue 15 §2: 10 dB less light puts Rx between the module's warning bound (-12.4) and its
    // alarm bound (-14.4): still available, and one optics.degrading for the episode.
    const seen = (await events.all(conn)).length;
    sim.degrade(EMPTY, 10);
    const warned = await next((e) => e.type === 'optics.degrading');
    expect(warned.data).toMatchObject({
      device: device.id,
      port: EMPTY,
      lane: 1,
      direction: 'rx',
      cause: 'warning-threshold',
      baselineDbm: expect.any(Number),
    });
    expect((warned.data as { dbm: number }).dbm).toBeLessThan(-12.4);
    // Several more polls in the band: the same episode, nothing more, and no outage.
    const start = (await polls()).get(device.id) ?? 0;
    while (((await polls()).get(device.id) ?? 0) < start + 4) await new Promise((r) => setTimeout(r, 200));
    const later = (await events.all(conn)).slice(seen).map((e) => e.type);
    expect(later).toEqual(['optics.degrading']);
  });
});
