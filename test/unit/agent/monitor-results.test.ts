import { describe, expect, it } from 'vitest';
import { initialState } from '../../../agent/health/track-state.js';
import { Monitor, type MonitorDeps } from '../../../agent/monitor.js';
import { createLogger } from '../../../core/logger.js';
import type { PortPollResult } from '../../../drivers/snmp/poller.js';
import { storeStub, switchConfig } from '../../helpers/monitor-stubs.js';

// A device poll's results reach each connection by port, whatever their order: the poller gives
// them in the order asked but for a port the device lacks, which comes last. Redis-backed parts
// are minimal stand-ins: only which connection hears which result is under test.

const PORTS = ['100GE1/0/1', '100GE1/0/2', '100GE1/0/3'];
const cfg = switchConfig(PORTS, '100GBASE-LR4');

const record = (n: number) => ({
  connectionId: `hc-${n}`,
  device: 'sw1',
  port: PORTS[n - 1]!,
  portType: '100GBASE-LR4' as const,
  since: new Date(0).toISOString(),
});

function reading(port: string, oper: 'up' | 'down'): PortPollResult {
  const rx = oper === 'up' ? -3 : null;
  const lanes = [1, 2, 3, 4].map((lane) => ({ lane, rxDbm: rx, txDbm: 1 }));
  return {
    ok: true,
    device: 'sw1',
    port,
    ifIndex: PORTS.indexOf(port) + 1,
    adminStatus: 'up',
    operStatus: oper,
    lanes,
    rxDbm: lanes.map((l) => l.rxDbm),
    txDbm: lanes.map((l) => l.txDbm),
    opticsRead: true,
    opticPresent: true,
    at: 0,
  };
}

async function run(results: PortPollResult[], rounds: number) {
  const published: { type: string; subject: string }[] = [];
  const rows = [1, 2, 3].map((n) => ({
    record: record(n),
    tracker: initialState('sw1', PORTS[n - 1]!, { availability: 'available' }),
  }));
  let t = 0;
  const deps: MonitorDeps = {
    cfg,
    logger: createLogger({ level: 'silent' }),
    poller: { poll: async () => results },
    store: storeStub(() => rows) as never,
    leases: { claim: async () => new Set(['sw1']), releaseAll: async () => {} } as never,
    events: {
      publish: async (e: { type: string; subject: string }) => {
        published.push({ type: e.type, subject: e.subject });
        return {} as never;
      },
      depth: () => 0,
    } as never,
    clock: () => (t += 20_000),
  };
  const monitor = new Monitor(deps);
  const m = monitor as unknown as { claimRound(): Promise<void>; wake(): void; inFlight: Set<Promise<void>> };
  for (let i = 0; i < rounds; i++) {
    await m.claimRound();
    m.wake();
    await Promise.all([...m.inFlight]);
  }
  await monitor.stop();
  return published;
}

describe('monitor: a poll result reaches the connection of its port', () => {
  it('in step, out of step, and with a port the device lacks given last', async () => {
    const lacking: PortPollResult = {
      ok: false,
      device: 'sw1',
      port: PORTS[1]!,
      reason: 'no-such-port',
      message: 'device sw1 has no interface named 100GE1/0/2',
      at: 0,
    };
    // The device lacks port 2 (given last); port 1 went dark, port 3 is lit.
    const shuffled = await run([reading(PORTS[0]!, 'down'), reading(PORTS[2]!, 'up'), lacking], 3);
    const heard = (type: string) =>
      shuffled
        .filter((e) => e.type === type)
        .map((e) => e.subject)
        .sort();
    expect(heard('availability.changed')).toEqual(['hc-1']);
    expect(heard('monitoring.degraded')).toEqual(['hc-2']);
    // Wholly out of order: the same outcome.
    const reversed = await run([reading(PORTS[2]!, 'up'), lacking, reading(PORTS[0]!, 'down')], 3);
    expect(reversed.filter((e) => e.type === 'availability.changed').map((e) => e.subject)).toEqual(['hc-1']);
    expect(reversed.filter((e) => e.type === 'monitoring.degraded').map((e) => e.subject)).toEqual(['hc-2']);
  });
});
