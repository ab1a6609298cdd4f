import { OID } from '../../drivers/mib/mib.js';
import { type NetSnmpSession, netSnmp, VarbindType } from '../../drivers/transport/snmp.js';
import type { SimPort, SimSwitch } from '../model/switch.js';

/**
 * A lab switch's linkDown/linkUp notifications (SNMPv2c, IF-MIB): one trap to every target each
 * time a port's oper status flips, as real switches send them. `dropFraction` loses that share of
 * traps on purpose, so a test can show that polling still catches what traps miss.
 */

const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';

export interface TrapTarget {
  readonly host: string;
  readonly port: number;
}

export interface LabTrapOptions {
  targets: readonly TrapTarget[];
  community: string;
  /** Share of traps not sent, 0..1 (default 0). */
  dropFraction?: number;
  random?: () => number;
}

/** `host:port` (IPv6 in brackets) → a target; throws a readable message otherwise. */
export function parseTrapTarget(text: string): TrapTarget {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65_535) throw new Error(`trap target must be host:port, got "${text}"`);
  return { host: (m[1] ?? m[2])!, port };
}

export class LabTrapSender {
  /** Traps sent and dropped on purpose, for the control API and tests. */
  readonly counters = { sent: 0, dropped: 0 };
  readonly #sw: SimSwitch;
  readonly #o: LabTrapOptions;
  readonly #sessions: NetSnmpSession[];
  readonly #oper = new Map<string, boolean>();
  readonly #unsubscribe: () => void;

  constructor(sw: SimSwitch, o: LabTrapOptions) {
    this.#sw = sw;
    this.#o = o;
    this.#sessions = o.targets.map((t) =>
      netSnmp.createSession(t.host, o.community, { version: netSnmp.Version2c, trapPort: t.port }),
    );
    // A target that is not listening answers with ICMP; that is the target's problem, not the lab's.
    for (const s of this.#sessions) s.on('error', () => {});
    for (const p of sw.ports) this.#oper.set(p.name, p.operUp);
    this.#unsubscribe = sw.onChange((c) => {
      if (c.kind === 'port') this.#portChanged(c.port);
    });
  }

  #portChanged(p: SimPort): void {
    if (this.#oper.get(p.name) === p.operUp) return;
    this.#oper.set(p.name, p.operUp);
    // A switch that is rebooting or silenced sends nothing; its ports' state is noticed later.
    if (!this.#sw.reachable) return;
    if ((this.#o.random ?? Math.random)() < (this.#o.dropFraction ?? 0)) {
      this.counters.dropped++;
      return;
    }
    const varbinds = [
      { oid: `${OID.ifIndex}.${p.ifIndex}`, type: VarbindType.Integer, value: p.ifIndex },
      { oid: `${OID.ifAdminStatus}.${p.ifIndex}`, type: VarbindType.Integer, value: p.adminUp ? 1 : 2 },
      { oid: `${OID.ifOperStatus}.${p.ifIndex}`, type: VarbindType.Integer, value: p.operUp ? 1 : 2 },
    ];
    for (const s of this.#sessions) {
      this.counters.sent++;
      s.trap(p.operUp ? LINK_UP : LINK_DOWN, varbinds, () => {});
    }
  }

  close(): void {
    this.#unsubscribe();
    for (const s of this.#sessions) s.close();
  }
}
