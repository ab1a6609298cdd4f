import { resolve } from 'node:path';
import type { LaneReading, OpticsAdapter, OpticsPort } from '../../../../drivers/optics/adapter.js';
import { PortResolver } from '../../../../drivers/snmp/port-resolver.js';
import { MemorySnmp } from '../../../fakes/snmp-memory.js';

export const FIXTURES = resolve(import.meta.dirname, '../../../fixtures/snmprec');

export function fixture(name: string): MemorySnmp {
  return MemorySnmp.fromFixture(resolve(FIXTURES, `${name}.snmprec`));
}

/** Resolves names like the poller does, so adapters see real ifIndex/ifName/ifDescr. */
export async function opticsPorts(
  mem: MemorySnmp,
  ports: [name: string, lanes: number][],
): Promise<OpticsPort[]> {
  const resolved = await new PortResolver(mem).resolve(ports.map(([n]) => n));
  return ports.map(([name, lanes]) => {
    const info = resolved.get(name);
    if (!info) throw new Error(`fixture has no interface ${name}`);
    return { name, lanes, ifIndex: info.ifIndex, ifName: info.ifName, ifDescr: info.ifDescr } as OpticsPort;
  });
}

/** Discovery once, then one poll's worth of GET + decode per port. */
export async function readOptics(
  adapter: OpticsAdapter,
  mem: MemorySnmp,
  ports: [name: string, lanes: number][],
): Promise<{
  lanes: Map<string, LaneReading[] | undefined>;
  notes: readonly string[];
  read: () => Promise<Map<string, LaneReading[] | undefined>>;
}> {
  const op = await opticsPorts(mem, ports);
  const d = await adapter.discover(mem, op);
  const read = async () => {
    const out = new Map<string, LaneReading[] | undefined>();
    for (const p of op) {
      const b = d.bindings.get(p.name);
      if (!b) {
        out.set(p.name, undefined);
        continue;
      }
      out.set(p.name, b.decode(await mem.get(b.oids), 0));
    }
    return out;
  };
  return { lanes: await read(), notes: d.notes, read };
}
