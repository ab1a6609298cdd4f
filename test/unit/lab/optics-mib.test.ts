// The lab's vendor MIBs read through the agent's own optics adapters (discovery and decode), over
// an in-memory reader: if an adapter finds and decodes the lab's rows, the two agree on OIDs,
// indexes and units. The wire is covered by the interop tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OPTICS_ADAPTERS, type PortType } from '../../../contract/port-types.js';
import { OID } from '../../../drivers/mib/mib.js';
import type { OpticsAdapterId } from '../../../drivers/optics/adapter.js';
import { opticsAdapter } from '../../../drivers/optics/registry.js';
import { ietfInterfacesPlatform } from '../../../drivers/platforms/ietf-interfaces/index.js';
import type { SnmpReader } from '../../../drivers/transport/snmp.js';
import { type Varbind, VarbindType } from '../../../drivers/transport/snmp.js';
import { ietfLabPlatform } from '../../../lab/netconf/platforms/ietf-interfaces.js';
import { NetconfSimSwitch } from '../../../lab/netconf/switch.js';
import { compareArcs, type MibRow, type SnmpValue, toArcs } from '../../../lab/snmp/mib-view.js';
import { type MibPort, totalDbm, VENDOR_MIBS } from '../../../lab/snmp/optics-mib.js';

const TYPE: Readonly<Record<SnmpValue['type'], number>> = {
  integer: VarbindType.Integer,
  gauge: VarbindType.Gauge32,
  counter: VarbindType.Counter32,
  ticks: VarbindType.TimeTicks,
  string: VarbindType.OctetString,
  oid: VarbindType.OID,
};

function toVarbind(r: MibRow): Varbind {
  const v = r.value;
  return { oid: r.oid, type: TYPE[v.type], value: v.type === 'string' ? Buffer.from(v.value) : v.value };
}

/** A reader over rows, answering like an agent: noSuchInstance for a missing GET, walks in OID order. */
function reader(rows: readonly MibRow[]): SnmpReader {
  const byOid = new Map(rows.map((r) => [r.oid, toVarbind(r)]));
  const sorted = [...byOid.values()].sort((a, b) => compareArcs(toArcs(a.oid), toArcs(b.oid)));
  return {
    get: async (oids) =>
      oids.map((o) => byOid.get(o) ?? { oid: o, type: VarbindType.NoSuchInstance, value: null }),
    walk: async (base) => sorted.filter((vb) => vb.oid.startsWith(`${base}.`)),
  };
}

const PORTS: { name: string; portType: PortType }[] = [
  { name: '10GE1/0/1', portType: '10GBASE-LR' },
  { name: '100GE1/0/2', portType: '100GBASE-LR4' },
  { name: '10GE1/0/10', portType: '10GBASE-LR' },
];

function labSwitch(optics: OpticsAdapterId): NetconfSimSwitch {
  return new NetconfSimSwitch({
    id: `sw-${optics}`,
    platform: ietfLabPlatform,
    optics,
    ports: PORTS,
    linkUpDelayMs: 0,
  });
}

function rowsOf(sw: NetconfSimSwitch): MibRow[] {
  const vendor = VENDOR_MIBS[sw.optics];
  const ports: MibPort[] = sw.ports.map((p) => ({
    name: p.name,
    ifIndex: p.ifIndex,
    portType: p.portType,
    lanes: p.laneCount,
  }));
  const rows = vendor.staticRows(ports);
  for (const p of sw.ports) {
    rows.push(
      { oid: `${OID.ifName}.${p.ifIndex}`, value: { type: 'string', value: p.name } },
      { oid: `${OID.ifDescr}.${p.ifIndex}`, value: { type: 'string', value: p.name } },
    );
    rows.push(...vendor.lightRows(ports[p.ifIndex - 1]!, sw.light(p)));
  }
  return rows;
}

async function readAll(sw: NetconfSimSwitch) {
  const r = reader(rowsOf(sw));
  const adapter = opticsAdapter(sw.optics);
  const found = await adapter.discover(
    r,
    sw.ports.map((p) => ({ name: p.name, ifIndex: p.ifIndex, lanes: p.laneCount, ifName: p.name })),
  );
  const out = new Map<string, { lane: number; rxDbm: number | null; txDbm: number | null }[]>();
  for (const p of sw.ports) {
    const b = found.bindings.get(p.name);
    if (!b) throw new Error(`${sw.optics}: no binding for ${p.name} (${found.notes.join('; ')})`);
    out.set(p.name, b.decode(await r.get(b.oids), 0));
  }
  return out;
}

/** What an adapter should report for a port: per lane where the MIB has lanes, else one total. */
function expected(sw: NetconfSimSwitch, name: string, perLane: boolean) {
  const light = sw.light(sw.port(name));
  if (perLane || light.length === 1) return light;
  return [
    { lane: 1, rxDbm: totalDbm(light.map((l) => l.rxDbm)), txDbm: totalDbm(light.map((l) => l.txDbm)) },
  ];
}

const READERS = OPTICS_ADAPTERS.filter((a) => a !== 'none');
// Cisco reports tenths of a dBm; the others hundredths or better.
const TOLERANCE: Partial<Record<OpticsAdapterId, number>> = { cisco: 0.0501 };
const PER_LANE: Partial<Record<OpticsAdapterId, boolean>> = {
  huawei: true,
  juniper: true,
  cisco: true,
  'entity-sensor': true,
};

describe('lab optics MIBs read by the agent’s adapters', () => {
  afterEach(() => vi.useRealTimers());

  for (const optics of READERS) {
    it(`${optics}: dark ports read as no reading, never as a number`, async () => {
      const sw = labSwitch(optics);
      try {
        const got = await readAll(sw);
        for (const p of sw.ports) {
          for (const lane of got.get(p.name)!) expect(lane).toMatchObject({ rxDbm: null, txDbm: null });
        }
      } finally {
        sw.stop();
      }
    });

    it(`${optics}: patched and provisioned ports read the light the physics says, lane by lane`, async () => {
      const sw = labSwitch(optics);
      try {
        sw.patch();
        for (const p of sw.ports) {
          sw.netconf.applyExternal(
            ietfInterfacesPlatform.intentPayload({
              port: p.name,
              description: 'HC t',
              enabled: true,
              portType: p.portType,
            }),
            'test',
          );
        }
        const got = await readAll(sw);
        const tol = TOLERANCE[optics] ?? 0.006;
        for (const p of sw.ports) {
          const want = expected(sw, p.name, PER_LANE[optics] ?? false);
          const lanes = got.get(p.name)!;
          expect(lanes.map((l) => l.lane)).toEqual(want.map((l) => l.lane));
          lanes.forEach((l, i) => {
            expect(Math.abs(l.rxDbm! - want[i]!.rxDbm!)).toBeLessThanOrEqual(tol);
            expect(Math.abs(l.txDbm! - want[i]!.txDbm!)).toBeLessThanOrEqual(tol);
          });
        }
        // Rx without Tx: shut the ports, the far end still shines into them.
        for (const p of sw.ports) {
          sw.netconf.applyExternal(ietfInterfacesPlatform.clearPayload(p.name), 'test');
        }
        const shut = await readAll(sw);
        for (const lane of shut.get('10GE1/0/1')!) {
          expect(lane.txDbm).toBeNull();
          expect(lane.rxDbm).not.toBeNull();
        }
      } finally {
        sw.stop();
      }
    });
  }

  it('none: no optics rows at all, and the adapter reads none', async () => {
    const sw = labSwitch('none');
    try {
      expect(VENDOR_MIBS.none.staticRows([])).toEqual([]);
      expect(opticsAdapter('none').readsOptics).toBe(false);
    } finally {
      sw.stop();
    }
  });

  it('totalDbm adds lanes in milliwatts', () => {
    expect(totalDbm([0, 0])).toBeCloseTo(3.0103, 3);
    expect(totalDbm([null, -3])).toBeCloseTo(-3, 6);
    expect(totalDbm([null, null])).toBeNull();
  });
});
