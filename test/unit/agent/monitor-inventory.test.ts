import { describe, expect, it } from 'vitest';
import { Monitor, type MonitorDeps } from '../../../agent/monitor.js';
import { createLogger } from '../../../core/logger.js';
import type { PortPollResult } from '../../../drivers/snmp/poller.js';
import { testConfig } from '../../helpers/device-config.js';

// The monitor across a config reload (setInventory): a connection whose device left the
// inventory is no longer polled and is reported `not-in-inventory` once; when the device comes
// back it is polled again. The store keeps the tracker state each event carries, as Redis does,
// so "once" rests on the stored state and not on memory. (Interop: agent-config-reload.test.ts.)

const device = (id: string) => ({
  id,
  platform: 'ietf-interfaces',
  ports: ['xe-0/0/1'],
  netconf: {
    username: 'netops',
    passwordEnv: 'SW_PASS',
    hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  },
});
const cfgWith = (...ids: string[]) => testConfig({ devices: ids.map(device) }, { SW_PASS: 'pa55-word-xyz' });

function setup() {
  const record = {
    connectionId: 'hc-1',
    device: 'sw1',
    port: 'xe-0/0/1',
    portType: '10GBASE-LR' as const,
    since: new Date(0).toISOString(),
  };
  const row = { record, tracker: undefined as unknown };
  const polled: string[] = [];
  const published: { type: string; id?: string; data: unknown }[] = [];
  /** Whether the device answers: the fake poll fails with a timeout until a test sets it. */
  const reachable = { now: false };
  const recovered: { device: string; since: number }[] = [];
  const result = (deviceId: string): PortPollResult =>
    reachable.now
      ? ({
          ok: true,
          device: deviceId,
          port: 'xe-0/0/1',
          adminStatus: 'up',
          operStatus: 'up',
          rxDbm: [-3],
          txDbm: [-2],
          lanes: [{ rxDbm: -3, txDbm: -2 }],
          opticsRead: true,
          at: 0,
        } as unknown as PortPollResult)
      : {
          ok: false,
          device: deviceId,
          port: 'xe-0/0/1',
          reason: 'snmp-timeout',
          message: 'timeout',
          at: 0,
        };
  const deps: MonitorDeps = {
    cfg: cfgWith('sw1', 'sw2'),
    logger: createLogger({ level: 'silent' }),
    poller: {
      poll: async (deviceId) => {
        polled.push(deviceId);
        return [result(deviceId)];
      },
    },
    store: {
      version: async () => '1',
      list: async () => [row],
      saveTracker: async (_id: string, state: unknown) => {
        row.tracker = state;
      },
      // The state travels with the event and is stored with it (outbox + Lua script in production).
      trackerWrite: (_id: string, state: unknown) => state,
      add: async () => true,
      remove: async () => {},
    } as never,
    leases: {
      claim: async (devices: string[]) => new Set(devices),
      releaseAll: async () => {},
    } as never,
    onRecovered: (device, since) => recovered.push({ device, since }),
    events: {
      publish: async (ev: { type: string; id?: string; data: unknown; state?: unknown }) => {
        published.push({ type: ev.type, id: ev.id, data: ev.data });
        if (ev.state) row.tracker = ev.state;
        return { stale: false } as never;
      },
      depth: () => 0,
    },
    clock: (() => {
      let t = 0;
      return () => (t += 20_000);
    })(),
  };
  return { monitor: new Monitor(deps), polled, published, reachable, recovered };
}

async function round(monitor: Monitor): Promise<void> {
  const m = monitor as unknown as { claimRound(): Promise<void>; wake(): void; inFlight: Set<Promise<void>> };
  await m.claimRound();
  m.wake();
  await Promise.all([...m.inFlight]);
}

const notInInventory = (p: { type: string; data: unknown }[]) =>
  p.filter(
    (e) => e.type === 'monitoring.degraded' && (e.data as { reason: string }).reason === 'not-in-inventory',
  );

describe('monitor: config reload (setInventory)', () => {
  it('stops polling a removed device, reports it not-in-inventory once, polls it again when it returns', async () => {
    const t = setup();
    await round(t.monitor);
    expect(t.polled).toEqual(['sw1']);

    t.monitor.setInventory(cfgWith('sw2'));
    t.polled.length = 0;
    await round(t.monitor);
    await round(t.monitor);
    expect(t.polled).toEqual([]);
    const reported = notInInventory(t.published);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.data).toMatchObject({ device: 'sw1', port: 'xe-0/0/1', reason: 'not-in-inventory' });

    // Another reload without the device: still once, because the stored state says so.
    t.monitor.setInventory(cfgWith('sw2'));
    await round(t.monitor);
    expect(notInInventory(t.published)).toHaveLength(1);

    t.monitor.setInventory(cfgWith('sw1', 'sw2'));
    await round(t.monitor);
    expect(t.polled).toEqual(['sw1']);
    expect(notInInventory(t.published)).toHaveLength(1);
  });
});

describe('monitor: a device back after an outage', () => {
  it('reports the recovery once (for the reconnect audit), not once per poll', async () => {
    const t = setup();
    // downPolls (2) failed polls in a row: an outage, the one monitoring.degraded reports.
    await round(t.monitor);
    await round(t.monitor);
    expect(t.recovered).toEqual([]);
    t.reachable.now = true;
    await round(t.monitor);
    await round(t.monitor);
    await round(t.monitor);
    expect(t.recovered).toEqual([{ device: 'sw1', since: expect.any(Number) }]);
  });

  it('a single failed poll is no outage', async () => {
    const t = setup();
    await round(t.monitor);
    t.reachable.now = true;
    await round(t.monitor);
    expect(t.recovered).toEqual([]);
  });
});
