// The lab serves each transceiver's own bounds in every vendor MIB that has them, and the agent's
// poller (DevicePoller over a real net-snmp session, on loopback) reads them back exactly: the
// port type's usual bounds by default, and whatever a test gives an inserted module, refreshed by
// the rediscovery that an optics change sets off.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../../config/defaults.js';
import type { SnmpSettings } from '../../../config/load.js';
import type { LaneThresholds } from '../../../contract/optics.js';
import { OPTICS_ADAPTERS, PORT_TYPES, type PortType } from '../../../contract/port-types.js';
import { Secret } from '../../../core/secret.js';
import type { OpticsAdapterId } from '../../../drivers/optics/adapter.js';
import { DevicePoller } from '../../../drivers/snmp/device-poller.js';
import type { PortPollResult, PortReading } from '../../../drivers/snmp/poll-result.js';
import { SnmpSession } from '../../../drivers/transport/snmp.js';
import { runAction } from '../../../lab/control-api.js';
import { MODULE_THRESHOLDS, OPTICAL_PROFILE } from '../../../lab/model/switch.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { LabSnmpAgent } from '../../../lab/snmp/agent.js';
import { bounds as b } from '../../fakes/snmp-fixtures.js';

const PORTS: { name: string; portType: PortType }[] = [
  { name: '1/0/1', portType: '10GBASE-LR' },
  { name: '1/0/2', portType: '100GBASE-LR4' },
  { name: '1/0/3', portType: '1000BASE-LX' },
];

/** A 10G module with its own, unusual bounds; tx high warning left unset. */
const CHOSEN: LaneThresholds = { rx: b(-16.1, -13.7, -0.4, 1.9), tx: b(-7.3, -5.1, null, 3.2) };

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function labDevice(optics: OpticsAdapterId, opticsRediscoveryMs?: number) {
  const sw = new NetconfSimSwitch({
    id: `sw-thr-${optics}`,
    platform: ietfLabPlatform,
    optics,
    ports: PORTS,
    linkUpDelayMs: 0,
  });
  cleanup.push(() => sw.stop());
  const community = `lab-thr-${optics}`;
  const agent = await LabSnmpAgent.start(sw, { host: '127.0.0.1', community });
  cleanup.push(() => agent.close());
  const settings = {
    port: agent.port,
    version: '2c',
    community: new Secret(community),
    timeoutMs: 2_000,
    retries: 0,
    backoff: 1,
  } as SnmpSettings;
  const session = new SnmpSession({ id: sw.id, host: '127.0.0.1', snmp: settings });
  cleanup.push(() => session.close());
  const poller = new DevicePoller(
    { id: sw.id, optics, ports: sw.ports.map((p) => ({ name: p.name, lanes: p.laneCount })) },
    session,
    { varbindsPerPdu: 50, ...(opticsRediscoveryMs === undefined ? {} : { opticsRediscoveryMs }) },
  );
  const lab = { switches: [sw], switchById: () => sw, describeDevice: () => ({}) } as never;
  return { sw, poller, lab };
}

function reading(results: PortPollResult[], port: string): PortReading {
  const r = results.find((x) => x.port === port);
  if (!r?.ok) throw new Error(`${port}: ${r ? `${r.reason}: ${r.message}` : 'no result'}`);
  return r;
}

const WITH_THRESHOLDS = OPTICS_ADAPTERS.filter((a) => a !== 'none' && a !== 'entity-sensor');

describe('lab module thresholds, read by the poller over SNMP', () => {
  for (const optics of WITH_THRESHOLDS) {
    it(`${optics}: each port carries its port type's module bounds, exactly`, async () => {
      const { poller } = await labDevice(optics);
      const results = await poller.poll();
      for (const p of PORTS) {
        expect(reading(results, p.name).moduleThresholds, `${optics} ${p.name}`).toEqual(
          MODULE_THRESHOLDS[p.portType],
        );
      }
    });
  }

  it('entity-sensor: the lab serves none, so readings have none', async () => {
    const { poller } = await labDevice('entity-sensor');
    const results = await poller.poll();
    for (const p of PORTS) expect(reading(results, p.name)?.moduleThresholds).toBeUndefined();
  });

  /** Polls until the port's reading reports `change`: at once for entity-indexed MIBs, a poll later for the others. */
  async function pollUntil(
    poller: DevicePoller,
    port: string,
    change: 'inserted' | 'removed',
  ): Promise<PortReading> {
    for (let i = 0; i < 3; i++) {
      const r = (await poller.poll()).find((x) => x.port === port);
      if (r?.ok && r.opticsChange?.change === change) return r;
      // Between: the ifIndex-indexed MIBs fail the poll that finds the module's rows gone.
      if (r && !r.ok) expect(r.reason).toBe('no-such-object');
    }
    throw new Error(`${port}: no ${change} within 3 polls`);
  }

  for (const optics of WITH_THRESHOLDS) {
    it(`${optics}: a module swapped for one with its own bounds is read with them once it is seen`, async () => {
      // Rediscovery on suspicion without a rate limit, so the ifIndex-indexed MIBs see it within a poll.
      const { poller, lab, sw } = await labDevice(optics, 0);
      expect(reading(await poller.poll(), '1/0/1').moduleThresholds).toEqual(MODULE_THRESHOLDS['10GBASE-LR']);

      // entLastChangeTime counts in centiseconds: let it move between the changes.
      const tick = () => new Promise((r) => setTimeout(r, 25));
      await tick();
      runAction(lab, 'optic-remove', { device: sw.id, port: '1/0/1' });
      const removed = await pollUntil(poller, '1/0/1', 'removed');
      expect(removed).toMatchObject({ opticPresent: false, rxDbm: [null] });
      expect(removed?.moduleThresholds).toBeUndefined();

      await tick();
      runAction(lab, 'optic-insert', { device: sw.id, port: '1/0/1', serial: 'ER-1', thresholds: CHOSEN });
      const inserted = await pollUntil(poller, '1/0/1', 'inserted');
      expect(inserted.moduleThresholds).toEqual(CHOSEN);
      // And stays so; the other ports kept theirs.
      const after = await poller.poll();
      expect(reading(after, '1/0/1').moduleThresholds).toEqual(CHOSEN);
      expect(reading(after, '1/0/2').moduleThresholds).toEqual(MODULE_THRESHOLDS['100GBASE-LR4']);
    });
  }

  it('the control API refuses thresholds that are not numbers or null', async () => {
    const { lab, sw } = await labDevice('huawei');
    runAction(lab, 'optic-remove', { device: sw.id, port: '1/0/1' });
    expect(() =>
      runAction(lab, 'optic-insert', {
        device: sw.id,
        port: '1/0/1',
        thresholds: { rx: { ...CHOSEN.rx, lowAlarm: '-14' }, tx: CHOSEN.tx },
      }),
    ).toThrow(/thresholds\.rx\.lowAlarm/);
    expect(sw.port('1/0/1').optic).toBeNull();
  });

  it('the usual bounds: alarms at the port type defaults, nominal light inside every warning band', () => {
    for (const t of PORT_TYPES) {
      const m = MODULE_THRESHOLDS[t];
      const d = DEFAULT_THRESHOLDS[t];
      expect([m.rx.lowAlarm, m.rx.highAlarm, m.tx.lowAlarm, m.tx.highAlarm], t).toEqual([...d.rx, ...d.tx]);
      // Nominal light ± the lab's 0.4 dB lane offset.
      const p = OPTICAL_PROFILE[t];
      for (const [dir, nominal] of [
        ['rx', p.rxDbm],
        ['tx', p.txDbm],
      ] as const) {
        expect(nominal - 0.4, `${t} ${dir}`).toBeGreaterThan(m[dir].lowWarning!);
        expect(nominal + 0.4, `${t} ${dir}`).toBeLessThan(m[dir].highWarning!);
      }
    }
  });
});
