// SNMP monitoring against real snmpsimd (the rig's shared instance). Each adapter's fixture
// device is driven with the C `snmpset` through writecache from "down and dark" to "up with
// light", and the poller must read the exact dBm values. Every test puts back what it changed
// (writecache is one cache for all communities, so the fixtures use OIDs no other file uses).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { evaluateHealth } from '../../agent/health/evaluate.js';
import { initialState } from '../../agent/health/track-state.js';
import { step } from '../../agent/health/tracker.js';
import { DEFAULT_THRESHOLDS } from '../../config/defaults.js';
import type { SnmpSettings } from '../../config/load.js';
import { Secret } from '../../core/secret.js';
import { DevicePoller } from '../../drivers/snmp/device-poller.js';
import type { PortPollResult, PortReading } from '../../drivers/snmp/poll-result.js';
import { SnmpSession } from '../../drivers/transport/snmp.js';
import { FIXTURE_DEVICES, type FixtureDevice, fixtureDevice, snmpset } from '../fakes/snmp-fixtures.js';

const peers = inject('peers');
const snmp = peers.snmp;
const sessions: SnmpSession[] = [];

function v2c(community: string, timeoutMs = 3_000, retries = 1): SnmpSession {
  const settings = {
    port: snmp.port,
    version: '2c',
    community: new Secret(community),
    timeoutMs,
    retries,
    backoff: 1,
  } as SnmpSettings;
  const s = new SnmpSession({ id: community, host: snmp.host, snmp: settings });
  sessions.push(s);
  return s;
}

function v3(
  context: string,
  keys: { authKey?: string; privKey?: string } = {},
  timeoutMs = 3_000,
): SnmpSession {
  const settings = {
    port: snmp.port,
    version: '3',
    user: snmp.v3.user,
    authProtocol: 'sha',
    authKey: new Secret(keys.authKey ?? snmp.v3.authKey),
    privProtocol: 'aes',
    privKey: new Secret(keys.privKey ?? snmp.v3.privKey),
    context,
    timeoutMs,
    retries: 0,
    backoff: 1,
  } as SnmpSettings;
  const s = new SnmpSession({ id: `v3-${context}`, host: snmp.host, snmp: settings });
  sessions.push(s);
  return s;
}

function pollerFor(d: FixtureDevice, session: SnmpSession, varbindsPerPdu = 50): DevicePoller {
  return new DevicePoller({ id: d.community, optics: d.optics, ports: d.ports }, session, { varbindsPerPdu });
}

function reading(results: PortPollResult[], port: string): PortReading {
  const r = results.find((x) => x.port === port);
  if (!r) throw new Error(`no result for ${port}`);
  if (!r.ok) throw new Error(`${port}: ${r.reason}: ${r.message}`);
  return r;
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

beforeAll(() => {
  for (const d of FIXTURE_DEVICES) {
    if (!snmp.communities.includes(d.community)) {
      throw new Error(
        `snmpsimd does not serve ${d.community}: is test/fixtures/snmprec/${d.community}.snmprec loaded?`,
      );
    }
  }
});

describe.each(FIXTURE_DEVICES.map((d) => [d.optics, d] as const))(
  '%s adapter against snmpsimd',
  (_name, device) => {
    beforeAll(async () => {
      for (const m of device.moves) await snmpset(snmp, device.community, m.dark);
    });
    afterAll(async () => {
      for (const m of device.moves) await snmpset(snmp, device.community, m.dark);
    });

    for (const move of device.moves) {
      it(`${move.port}: down and dark, then up with light, read exactly`, async () => {
        const poller = pollerFor(device, v2c(device.community));
        const before = reading(await poller.poll(), move.port);
        expect(before.adminStatus).toBe('down');
        expect(before.operStatus).toBe('down');
        // Dark: every lane is no reading, never a number.
        for (const l of before.lanes) expect([l.rxDbm, l.txDbm]).toEqual([null, null]);

        await snmpset(snmp, device.community, move.lit);
        const after = reading(await poller.poll(), move.port);
        expect(after.adminStatus).toBe('up');
        expect(after.operStatus).toBe('up');
        expect(after.lanes).toEqual(move.litLanes);
        expect(after.rxDbm).toEqual(move.litLanes.map((l) => l.rxDbm));
        expect(after.txDbm).toEqual(move.litLanes.map((l) => l.txDbm));
        const portType = device.ports.find((p) => p.name === move.port)!.portType;
        expect(evaluateHealth(after, DEFAULT_THRESHOLDS[portType])).toEqual({ healthy: true, reasons: [] });

        await snmpset(snmp, device.community, move.dark);
        const again = reading(await poller.poll(), move.port);
        expect(again.operStatus).toBe('down');
        expect(again.rxDbm.every((v) => v === null)).toBe(true);
      });
    }

    it('polls every port of the device in one cycle, sentinels as null', async () => {
      const poller = pollerFor(device, v2c(device.community));
      const res = await poller.poll();
      expect(res.map((r) => r.port)).toEqual(device.ports.map((p) => p.name));
      expect(res.every((r) => r.ok)).toBe(true);
      for (const r of res) {
        if (!r.ok) continue;
        for (const v of [...r.rxDbm, ...r.txDbm]) expect(v === null || (v > -40 && v < 30)).toBe(true);
      }
    });
  },
);

describe('vendor specifics against snmpsimd', () => {
  it('h3c: 2147483647 is no reading; ports are found by ifDescr', async () => {
    const poller = pollerFor(fixtureDevice('dcagent-h3c'), v2c('dcagent-h3c'));
    const r = reading(await poller.poll(), 'Ten-GigabitEthernet1/0/2');
    expect(r).toMatchObject({
      ifIndex: 42002,
      adminStatus: 'up',
      operStatus: 'up',
      rxDbm: [null],
      txDbm: [null],
    });
  });

  it('huawei: a port without alias mapping is found by entPhysicalName; no module is dark', async () => {
    const res = await pollerFor(fixtureDevice('dcagent-huawei'), v2c('dcagent-huawei')).poll();
    expect(reading(res, '10GE1/0/4').lanes).toEqual([{ lane: 1, rxDbm: -5.2, txDbm: -2.1 }]);
    expect(reading(res, '10GE1/0/3').lanes).toEqual([{ lane: 1, rxDbm: null, txDbm: null }]);
  });

  it('juniper: a single-lane port reads jnxDomCurrentTable', async () => {
    const res = await pollerFor(fixtureDevice('dcagent-juniper'), v2c('dcagent-juniper')).poll();
    expect(reading(res, 'xe-0/0/1').lanes).toEqual([{ lane: 1, rxDbm: -5.23, txDbm: -2.41 }]);
  });

  it('cisco: Te1/10 is not mistaken for Te1/1', async () => {
    const res = await pollerFor(fixtureDevice('dcagent-cisco'), v2c('dcagent-cisco')).poll();
    expect(reading(res, 'TenGigabitEthernet1/10').lanes).toEqual([{ lane: 1, rxDbm: -6.1, txDbm: -2.5 }]);
  });

  it('entity-sensor: lanes from sensor names, watts with scale and precision', async () => {
    const res = await pollerFor(fixtureDevice('dcagent-entity-sensor'), v2c('dcagent-entity-sensor')).poll();
    expect(reading(res, 'Ethernet49/1').lanes).toEqual([
      { lane: 1, rxDbm: -3, txDbm: -1 },
      { lane: 2, rxDbm: -4, txDbm: -2 },
      { lane: 3, rxDbm: -3.5, txDbm: -1.5 },
      { lane: 4, rxDbm: -4.5, txDbm: -2.5 },
    ]);
  });

  it('small PDUs: the same readings whatever the batch size', async () => {
    const d = fixtureDevice('dcagent-entity-sensor');
    const big = await pollerFor(d, v2c(d.community), 50).poll();
    const small = await pollerFor(d, v2c(d.community), 3).poll();
    expect(small).toEqual(big.map((r) => ({ ...r, at: expect.any(Number) })));
  });
});

describe('the recorded cisco_16_switch', () => {
  it('resolves Fa3/0/1 by its hex-encoded ifName and reads its status', async () => {
    const poller = new DevicePoller(
      {
        id: 'cisco_16_switch',
        optics: 'none',
        ports: [
          { name: 'Fa3/0/1', lanes: 1 },
          { name: 'Fa3/0/3', lanes: 1 },
        ],
      },
      v2c('cisco_16_switch'),
      { varbindsPerPdu: 50 },
    );
    const res = await poller.poll();
    // In the recording ifName.11001 is `4x|4661332f302f31` ("Fa3/0/1"): admin up, oper down.
    expect(reading(res, 'Fa3/0/1')).toMatchObject({
      ifIndex: 11001,
      adminStatus: 'up',
      operStatus: 'down',
      lanes: [],
      opticsRead: false,
    });
    expect(reading(res, 'Fa3/0/3')).toMatchObject({ ifIndex: 11003, adminStatus: 'up', operStatus: 'up' });
    // GigabitEthernet3/0/1 is only in ifDescr (hex-encoded too).
    const [gi] = await new DevicePoller(
      { id: 'cisco_16_switch', optics: 'none', ports: [{ name: 'GigabitEthernet3/0/1', lanes: 1 }] },
      v2c('cisco_16_switch'),
      { varbindsPerPdu: 50 },
    ).poll();
    expect(gi).toMatchObject({ ok: true, ifIndex: 11101 });
  });
});

describe('SNMPv3 against snmpsimd', () => {
  it('authPriv SHA/AES reads a port, context = the device', async () => {
    const d = fixtureDevice('dcagent-h3c');
    const res = await pollerFor(d, v3(d.community), 30).poll();
    expect(reading(res, 'Ten-GigabitEthernet1/0/2')).toMatchObject({
      ifIndex: 42002,
      adminStatus: 'up',
      operStatus: 'up',
    });
  });

  it('a wrong auth key is snmp-auth', async () => {
    const d = fixtureDevice('dcagent-h3c');
    const [r] = await pollerFor(d, v3(d.community, { authKey: 'not-the-auth-key' }), 30).poll([
      'Ten-GigabitEthernet1/0/2',
    ]);
    expect(r).toMatchObject({ ok: false, reason: 'snmp-auth' });
  });

  it('a wrong priv key is snmp-auth (snmpsimd drops it silently; discovery told us the engine is there)', async () => {
    const d = fixtureDevice('dcagent-h3c');
    const t0 = performance.now();
    const [r] = await pollerFor(d, v3(d.community, { privKey: 'not-the-priv-key' }, 800), 30).poll([
      'Ten-GigabitEthernet1/0/2',
    ]);
    expect(r).toMatchObject({ ok: false, reason: 'snmp-auth' });
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe('failures against snmpsimd', () => {
  it('a wrong community is snmp-timeout, bounded by the configured timeout', async () => {
    const d = fixtureDevice('dcagent-h3c');
    const t0 = performance.now();
    const res = await pollerFor(d, v2c('no-such-community', 300, 1)).poll();
    expect(res.every((r) => !r.ok && r.reason === 'snmp-timeout')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(3_000);
  });

  it('a port the device does not have is no-such-port', async () => {
    const d = fixtureDevice('dcagent-h3c');
    const poller = new DevicePoller(
      { id: d.community, optics: 'h3c', ports: [...d.ports, { name: 'Ten-GigabitEthernet9/9/9', lanes: 1 }] },
      v2c(d.community),
      { varbindsPerPdu: 50 },
    );
    const res = await poller.poll();
    expect(res.find((r) => r.port === 'Ten-GigabitEthernet9/9/9')).toMatchObject({
      ok: false,
      reason: 'no-such-port',
    });
  });
});

describe('end to end: poller → tracker', () => {
  const d = fixtureDevice('dcagent-huawei');
  const move = d.moves[0]!;
  afterAll(() => snmpset(snmp, d.community, move.dark));

  it('a port under construction completes after upPolls healthy polls, with exact evidence', async () => {
    await snmpset(snmp, d.community, move.dark);
    let now = Date.parse('2025-06-01T12:00:00Z');
    const cfg = { upPolls: 3, downPolls: 2, damping: { windowSeconds: 600, maxFlaps: 4, holdSeconds: 300 } };
    let state = initialState(d.community, move.port, { underConstruction: true });
    const poller = pollerFor(d, v2c(d.community));
    const thresholds = DEFAULT_THRESHOLDS['10GBASE-LR'];
    const cycle = async () => {
      now += 10_000;
      const r = (await poller.poll([move.port]))[0]!;
      const stepped = step(state, r, thresholds, now, cfg);
      state = stepped.state;
      return stepped.events;
    };
    expect(await cycle()).toEqual([]);
    await snmpset(snmp, d.community, move.lit);
    const firstLit = new Date(now + 10_000).toISOString();
    expect(await cycle()).toEqual([]);
    expect(await cycle()).toEqual([]);
    const events = await cycle();
    expect(events).toEqual([
      {
        type: 'construction.completed',
        data: {
          device: d.community,
          port: move.port,
          evidence: {
            adminStatus: 'up',
            operStatus: 'up',
            rxDbm: [-3.12],
            txDbm: [-2.05],
            thresholds: { rx: [-14.4, 0.5], tx: [-8.2, 0.5] },
            samples: 3,
            since: firstLit,
          },
        },
      },
    ]);
    // Light goes away: unavailable after downPolls.
    await snmpset(snmp, d.community, move.dark);
    expect(await cycle()).toEqual([]);
    expect((await cycle()).map((e) => e.data)).toMatchObject([{ to: 'unavailable', reason: 'admin-down' }]);
  });
});
