import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorCounterRecord } from '../../../agent/health/error-counter.js';
import { initialState } from '../../../agent/health/track-state.js';
import { Monitor, type MonitorDeps } from '../../../agent/monitor.js';
import { createLogger } from '../../../core/logger.js';
import type { PollOptions, PortPollResult } from '../../../drivers/snmp/poller.js';
import { switchConfig } from '../../helpers/monitor-stubs.js';

// Every tracked port's ifInErrors is read on one poll in `monitoring.errorCounters.everyPolls`
// and written to Redis only when it moved. The poller and the store are stand-ins that record
// what the monitor asked of them.

const PORTS = ['XGE1/0/1', 'XGE1/0/2'];

const running: Monitor[] = [];
afterEach(async () => {
  // Each round's wake() arms the next turn's timer: stopped, no monitor outlives its test.
  for (const m of running.splice(0)) await m.stop();
});

function setup(everyPolls: number, stored?: ErrorCounterRecord) {
  const cfg = switchConfig(PORTS, '10GBASE-LR', { monitoring: { errorCounters: { everyPolls } } });
  const rows = PORTS.map((port, i) => ({
    record: {
      connectionId: `hc-${i + 1}`,
      device: 'sw1',
      port,
      portType: '10GBASE-LR' as const,
      since: '1970-01-01T00:00:00.000Z',
    },
    tracker: initialState('sw1', port, { availability: 'available' }),
    ...(stored && i === 0 ? { errors: stored } : {}),
  }));
  const asked: (readonly string[] | undefined)[] = [];
  const saved: { id: string; value: ErrorCounterRecord }[] = [];
  /** What Redis holds, per connection: the compare-and-set the store does. */
  const inRedis = new Map<string, ErrorCounterRecord>(stored ? [['hc-1', stored]] : []);
  let errors = 0;
  let restarted = false;
  let t = 0;
  const deps: MonitorDeps = {
    cfg,
    logger: createLogger({ level: 'silent' }),
    poller: {
      poll: async (device: string, ports: readonly string[], options?: PollOptions) => {
        asked.push(options?.errorCounters);
        const counted = new Set(options?.errorCounters ?? []);
        return ports.map(
          (port, i): PortPollResult => ({
            ok: true,
            device,
            port,
            ifIndex: i + 1,
            adminStatus: 'up',
            operStatus: 'up',
            lanes: [{ lane: 1, rxDbm: -3, txDbm: -2 }],
            rxDbm: [-3],
            txDbm: [-2],
            opticsRead: true,
            opticPresent: true,
            at: t,
            ...(counted.has(port) ? { inErrors: port === PORTS[0] ? errors : 0 } : {}),
            ...(restarted ? { countersReset: true } : {}),
          }),
        );
      },
    },
    store: {
      version: async () => '1',
      list: async () => rows,
      saveTracker: async () => 'saved',
      saveErrorCounter: async (id: string, value: ErrorCounterRecord, follows: string | null) => {
        if ((inRedis.get(id)?.changedAt ?? null) !== follows) return 'stale';
        inRedis.set(id, value);
        saved.push({ id, value });
        return 'saved';
      },
      readErrorCounter: async (id: string) => inRedis.get(id),
      trackerWrite: () => ({ key: 'k', field: 'tracker', value: '{}', onlyIfField: 'record' }),
    } as never,
    leases: { claim: async () => new Set(['sw1']), releaseAll: async () => {} } as never,
    events: { publish: async () => ({}) as never, depth: () => 0 } as never,
    clock: () => (t += 20_000),
  };
  const monitor = new Monitor(deps);
  running.push(monitor);
  return {
    asked,
    saved,
    inRedis,
    setErrors: (n: number) => {
      errors = n;
    },
    setRestarted: (r: boolean) => {
      restarted = r;
    },
    async round() {
      const m = monitor as unknown as {
        claimRound(): Promise<void>;
        wake(): void;
        inFlight: Set<Promise<void>>;
      };
      await m.claimRound();
      m.wake();
      await Promise.all([...m.inFlight]);
    },
  };
}

describe('error counters of tracked ports', () => {
  it('are read for every port on one poll in everyPolls, the first included', async () => {
    const t = setup(3);
    for (let i = 0; i < 7; i++) await t.round();
    expect(t.asked).toEqual([PORTS, undefined, undefined, PORTS, undefined, undefined, PORTS]);
  });

  it('are written at the first read and then only when they moved', async () => {
    const t = setup(2);
    for (let i = 0; i < 4; i++) await t.round();
    // Two sweeps, nothing moved: each port written once, at its first read.
    expect(t.saved.map((s) => [s.id, s.value.value])).toEqual([
      ['hc-1', 0],
      ['hc-2', 0],
    ]);
    t.setErrors(40);
    for (let i = 0; i < 2; i++) await t.round();
    expect(t.saved).toHaveLength(3);
    expect(t.saved[2]).toMatchObject({ id: 'hc-1', value: { value: 40, lastGrowth: { by: 40 } } });
  });

  it('a record already in Redis is the starting point: an unchanged counter writes nothing after a restart', async () => {
    const stored: ErrorCounterRecord = {
      counter: 'ifInErrors',
      value: 5,
      changedAt: '2026-01-01T00:00:00.000Z',
      since: '2026-01-01T00:00:00.000Z',
      lastGrowth: null,
    };
    const t = setup(1, stored);
    t.setErrors(5);
    await t.round();
    expect(t.saved.map((s) => s.id)).toEqual(['hc-2']);
  });

  it('everyPolls 0: never read outside qualification', async () => {
    const t = setup(0);
    for (let i = 0; i < 3; i++) await t.round();
    expect(t.asked).toEqual([undefined, undefined, undefined]);
    expect(t.saved).toEqual([]);
  });

  it('a device restart seen between two reads makes the next read start the count again, not a rise', async () => {
    const t = setup(3);
    // A counter that merely went from 5 to 7 would read as a rise of 2: the restart says otherwise.
    t.setErrors(5);
    await t.round(); // read: 5
    t.setRestarted(true);
    t.setErrors(7);
    await t.round(); // the restart, on a poll that reads no counter
    t.setRestarted(false);
    await t.round();
    await t.round(); // read: 7, after the restart
    const last = t.saved.filter((s) => s.id === 'hc-1').at(-1)!.value;
    expect(last).toMatchObject({ value: 7, lastGrowth: null });
    expect(last.since).toBe(last.changedAt);
  });

  it('a record another replica wrote meanwhile is not overwritten: it is read back and followed', async () => {
    const t = setup(1);
    await t.round(); // hc-1 at 0
    const theirs: ErrorCounterRecord = {
      counter: 'ifInErrors',
      value: 30,
      changedAt: '2099-01-01T00:00:00.000Z',
      since: '2099-01-01T00:00:00.000Z',
      lastGrowth: null,
    };
    t.inRedis.set('hc-1', theirs);
    t.setErrors(30);
    await t.round(); // ours would be 0 → 30; refused, theirs read back
    expect(t.inRedis.get('hc-1')).toEqual(theirs);
    t.setErrors(35);
    await t.round();
    expect(t.inRedis.get('hc-1')).toMatchObject({ value: 35, since: theirs.since, lastGrowth: { by: 5 } });
  });
});
