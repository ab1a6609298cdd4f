// Issue 11 item 2: the usual order in a data centre is port first, transceiver and fibre later.
// A port provisioned while its cage is empty must complete construction once the optic goes in
// and the fibre is patched; a pulled or swapped optic is reported (`optics.changed`) and its
// readings are used from then on. Lab switch with Huawei's entity-indexed optics MIB, one
// `dcagent run`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import { labModel } from '../../lab/catalog.js';
import { type LabAgent, startLabAgent } from '../helpers/lab-agent.js';

const EMPTY = labModel('ietf-interfaces').platform.portName('10GBASE-LR', 1);

describe('a transceiver inserted, pulled and swapped after the port was provisioned', () => {
  const peers = inject('peers');
  let stack: LabAgent;

  beforeAll(async () => {
    stack = await startLabAgent({
      redisUrl: peers.redis.url,
      name: 'optics',
      tune: (doc) => {
        doc.agent = { ...doc.agent, logLevel: 'info' };
        // The rate-limited rediscovery is kept long, so what the test shows is the entLastChangeTime path.
        doc.monitoring = { ...doc.monitoring, opticsRediscoverySeconds: 3600 };
      },
      lab: {
        devices: 1,
        ports: 2,
        optics: 'huawei',
        emptyPorts: [EMPTY],
        linkUpDelayMs: 200,
        monitoringIntervalSeconds: 1,
        controlPort: false,
      },
    });
  });

  afterAll(async () => {
    expect(await stack?.stop()).toBe(0);
  });

  it('provision with no optic → insert → patch: construction.completed; pull → unavailable; swap in → available', {
    timeout: 90_000,
  }, async () => {
    const { agent, events } = stack;
    const device = stack.lab.devices[0]!;
    const sim = device.sim;
    const conn = 'hc-optics-1';
    const next = (pred: (e: DcEvent) => boolean) => events.waitFor(conn, pred, 30_000);
    expect(sim.port(EMPTY).optic).toBeNull();

    await stack.provision(conn, EMPTY, 'optic later');
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
