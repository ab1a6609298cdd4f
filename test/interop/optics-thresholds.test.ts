// The transceivers' own bounds (CONTRACT §5 "Module thresholds") read from real snmpsimd: each
// vendor fixture is polled through the poller the agent runs, and every port's
// `moduleThresholds` must be exactly what its module says (test/fakes/snmp-fixtures.ts), over
// v2c and over v3; ENTITY-SENSOR-MIB devices have none. Nothing here writes to snmpsimd.
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { SnmpSettings } from '../../config/load.js';
import { Secret } from '../../core/secret.js';
import { DevicePoller } from '../../drivers/snmp/device-poller.js';
import { SnmpSession } from '../../drivers/transport/snmp.js';
import { FIXTURE_DEVICES, type FixtureDevice } from '../fakes/snmp-fixtures.js';

const snmp = inject('peers').snmp;
const sessions: SnmpSession[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.close();
});

function session(d: FixtureDevice, version: '2c' | '3'): SnmpSession {
  const common = { port: snmp.port, timeoutMs: 3_000, retries: 1, backoff: 1 };
  const settings = (
    version === '2c'
      ? { ...common, version, community: new Secret(d.community) }
      : {
          ...common,
          version,
          user: snmp.v3.user,
          authProtocol: 'sha',
          authKey: new Secret(snmp.v3.authKey),
          privProtocol: 'aes',
          privKey: new Secret(snmp.v3.privKey),
          context: d.community,
        }
  ) as SnmpSettings;
  const s = new SnmpSession({ id: `${version}-${d.community}`, host: snmp.host, snmp: settings });
  sessions.push(s);
  return s;
}

describe.each(FIXTURE_DEVICES.map((d) => [d.optics, d] as const))(
  '%s module thresholds from snmpsimd',
  (_id, d) => {
    it.each(['2c', '3'] as const)(
      'SNMPv%s: every port carries exactly its module bounds, or none',
      async (version) => {
        expect(snmp.communities).toContain(d.community);
        const poller = new DevicePoller(
          { id: d.community, optics: d.optics, ports: d.ports },
          session(d, version),
          {
            varbindsPerPdu: version === '2c' ? 50 : 30,
          },
        );
        const results = await poller.poll();
        expect(results).toHaveLength(d.ports.length);
        for (const r of results) {
          expect(r.ok, `${r.port}: ${r.ok ? '' : r.message}`).toBe(true);
          if (!r.ok) continue;
          const want = d.moduleThresholds[r.port];
          if (want) expect(r.moduleThresholds, r.port).toEqual(want);
          else expect(r.moduleThresholds, r.port).toBeUndefined();
        }
        // And the next poll, which reads no threshold, still reports them.
        const again = await poller.poll();
        for (const r of again)
          if (r.ok) expect(r.moduleThresholds, r.port).toEqual(d.moduleThresholds[r.port]);
      },
    );
  },
);

it('entity-sensor devices have no module thresholds at all', () => {
  const d = FIXTURE_DEVICES.find((x) => x.optics === 'entity-sensor')!;
  expect(d.moduleThresholds).toEqual({});
  // Every other adapter's fixture has some, so the describe above checks real values for them.
  for (const x of FIXTURE_DEVICES.filter((y) => y.optics !== 'entity-sensor'))
    expect(Object.keys(x.moduleThresholds).length, x.optics).toBeGreaterThan(0);
});
