import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { PORT_TYPE_FACTS } from '../../contract/port-types.js';
import { OID } from '../../drivers/mib/mib.js';
import { DelayLine } from '../model/impair.js';
import type { SimPort, SimSwitch } from '../model/switch.js';
import { gauge, int, type MibRow, MibView, oidValue, str, ticks } from './mib-view.js';
import { type MibPort, VENDOR_MIBS } from './optics-mib.js';
import { answer, decodeRequest, type SnmpRequest } from './pdu.js';

/**
 * A lean SNMP v1/v2c responder, one UDP socket per switch. net-snmp's createAgent was measured
 * first (docs/lab.md): 500 agents start in 0.3 s, but each 81-varbind GET costs ~0.7 ms of CPU
 * in its MIB tree, nearly three times what the agent's own net-snmp session spends sending and
 * decoding it, so the lab would have set the pace of a polling benchmark. Here every object is
 * a finished varbind, a GET is a hash lookup per OID, and only changed objects are re-encoded
 * when the switch's physics moves. SNMPv3 is not served (requests are dropped, as from an agent
 * with no such user).
 */

/** IF-MIB, SNMPv2-MIB and IF-MIB ifXTable objects the agent does not read but real switches serve. */
const MIB2 = Object.freeze({
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
  ifNumber: '1.3.6.1.2.1.2.1.0',
  ifType: '1.3.6.1.2.1.2.2.1.3',
  ifSpeed: '1.3.6.1.2.1.2.2.1.5',
  ifLastChange: '1.3.6.1.2.1.2.2.1.9',
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
});

/** IANAifType values. */
const IF_TYPE = { ethernetCsmacd: 6, l2vlan: 135 } as const;
const STATUS = (up: boolean) => int(up ? 1 : 2);

export interface LabSnmpOptions {
  host: string;
  /** 0 (default) lets the OS pick; dgram, unlike net-snmp's createAgent, honours 0. */
  port?: number;
  community: string;
}

function mibPort(p: SimPort): MibPort {
  return {
    name: p.name,
    ifIndex: p.ifIndex,
    portType: p.portType,
    lanes: p.laneCount,
    ...(p.optic ? { thresholds: p.optic.thresholds } : {}),
  };
}

/** IF-MIB rows of one interface; `ifName` is the platform's spelling (IOS abbreviates it). */
function interfaceRows(
  ifIndex: number,
  name: string,
  ifName: string,
  type: number,
  speedMbps: number,
  adminUp: boolean,
  operUp: boolean,
  lastChange: number,
  alias: string,
): MibRow[] {
  return [
    { oid: `${OID.ifIndex}.${ifIndex}`, value: int(ifIndex) },
    { oid: `${OID.ifDescr}.${ifIndex}`, value: str(name) },
    { oid: `${MIB2.ifType}.${ifIndex}`, value: int(type) },
    { oid: `${MIB2.ifSpeed}.${ifIndex}`, value: gauge(speedMbps * 1_000_000) },
    { oid: `${OID.ifAdminStatus}.${ifIndex}`, value: STATUS(adminUp) },
    { oid: `${OID.ifOperStatus}.${ifIndex}`, value: STATUS(operUp) },
    { oid: `${MIB2.ifLastChange}.${ifIndex}`, value: ticks(lastChange) },
    { oid: `${OID.ifName}.${ifIndex}`, value: str(ifName) },
    { oid: `${MIB2.ifHighSpeed}.${ifIndex}`, value: gauge(speedMbps) },
    { oid: `${MIB2.ifAlias}.${ifIndex}`, value: str(alias) },
  ];
}

export class LabSnmpAgent {
  readonly view = new MibView();
  readonly #sw: SimSwitch;
  readonly #socket: Socket;
  readonly #community: Buffer;
  #subRows: string[] = [];
  /** ifIndex of ports whose cage is empty (their module rows are not served). */
  readonly #empty = new Set<number>();
  readonly #built = new Set<number>();
  #unsubscribe: () => void = () => {};
  /** Requests answered and dropped, for the control API and tests. */
  readonly counters = { answered: 0, dropped: 0, badCommunity: 0, held: 0, lost: 0 };
  readonly #holds = new Set<NodeJS.Timeout>();
  /** Replies held back by an impairment's delay (lab/impair.ts). */
  readonly #delayed = new DelayLine();

  private constructor(sw: SimSwitch, socket: Socket, community: string) {
    this.#sw = sw;
    this.#socket = socket;
    this.#community = Buffer.from(community, 'utf8');
  }

  static async start(sw: SimSwitch, o: LabSnmpOptions): Promise<LabSnmpAgent> {
    const socket = createSocket('udp4');
    const agent = new LabSnmpAgent(sw, socket, o.community);
    agent.#build();
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port ?? 0, o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send error (the manager's port went away) is the manager's problem, not the lab's.
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => agent.#onMessage(msg, rinfo));
    return agent;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  #build(): void {
    this.#rows();
    const sw = this.#sw;
    this.#unsubscribe = sw.onChange((c) => {
      if (c.kind === 'port') {
        this.#portRows(c.port);
        for (const s of c.port.subinterfaces) this.#subinterfaceRows(s);
      } else if (c.kind === 'interfaces') this.#subinterfaceRows();
      else if (c.kind === 'renumbered') {
        // Every row keyed by ifIndex (or an entity derived from it) moved: serve all of it anew.
        this.view.clear();
        this.#empty.clear();
        this.#built.clear();
        this.#subRows = [];
        this.#rows();
      }
    });
  }

  #rows(): void {
    const sw = this.#sw;
    const vendor = VENDOR_MIBS[sw.optics];
    const v = this.view;
    v.set(
      MIB2.sysDescr,
      str(
        `dcagent lab switch ${sw.id}: ${sw.platform.name} over ${sw.transport === 'cli' ? 'an SSH CLI' : 'NETCONF'}, optics in ${vendor.label}`,
      ),
    );
    v.set(MIB2.sysObjectID, oidValue(`1.3.6.1.4.1.${vendor.enterprise}.1.9999`));
    v.setDynamic(OID.sysUpTime, () => ticks(sw.uptimeTicks()));
    v.setDynamic(OID.entLastChangeTime, () => ticks(sw.entityChangedAt));
    v.set(MIB2.sysContact, str('dcagent lab'));
    v.set(MIB2.sysName, str(sw.sysName));
    v.set(MIB2.sysLocation, str('loopback'));
    v.setRows(vendor.staticRows(sw.ports.map(mibPort)));
    for (const p of sw.ports) this.#portRows(p);
    this.#subinterfaceRows();
  }

  #portRows(p: SimPort): void {
    const speed = PORT_TYPE_FACTS[p.portType].speedMbps;
    const vendor = VENDOR_MIBS[this.#sw.optics];
    const mp = mibPort(p);
    const present = p.optic !== null;
    this.view.setRows(
      interfaceRows(
        p.ifIndex,
        p.name,
        this.#sw.ifName(p.name),
        IF_TYPE.ethernetCsmacd,
        speed,
        p.adminUp,
        p.operUp,
        p.lastChange,
        p.description ?? '',
      ),
    );
    // An empty cage has no module entity, no sensors and no DOM rows: a GET of them is noSuch*.
    const identity = vendor.identityEntity?.(mp);
    const identityRows: MibRow[] =
      identity === undefined
        ? []
        : [
            { oid: `${OID.entPhysicalMfgName}.${identity}`, value: str('DCLAB') },
            { oid: `${OID.entPhysicalModelName}.${identity}`, value: str(`${p.portType} transceiver`) },
            { oid: `${OID.entPhysicalSerialNum}.${identity}`, value: str(p.optic?.serial ?? '') },
          ];
    // Read at GET time, so errors arriving between polls are counted without a change event.
    if (!this.#built.has(p.ifIndex))
      this.view.setDynamic(`${OID.ifInErrors}.${p.ifIndex}`, () => ({
        type: 'counter',
        value: p.inErrors.value(),
      }));
    const lightRows = vendor.lightRows(mp, this.#sw.light(p));
    if (present) {
      if (this.#empty.delete(p.ifIndex) || !this.#built.has(p.ifIndex))
        this.view.setRows(vendor.moduleRows(mp));
      this.view.setRows(identityRows);
      this.view.setRows(lightRows);
    } else {
      this.#empty.add(p.ifIndex);
      for (const r of [...vendor.moduleRows(mp), ...identityRows, ...lightRows]) this.view.delete(r.oid);
    }
    this.#built.add(p.ifIndex);
  }

  /** Sub-interfaces follow their parent's state; `only` limits the refresh to one of them. */
  #subinterfaceRows(only?: string): void {
    const subs = this.#sw.subinterfaceIndexes();
    const rows: MibRow[] = [];
    for (const s of subs) {
      if (only !== undefined && s.name !== only) continue;
      const p = s.parent;
      rows.push(
        ...interfaceRows(
          s.ifIndex,
          s.name,
          this.#sw.ifName(s.name),
          IF_TYPE.l2vlan,
          PORT_TYPE_FACTS[p.portType].speedMbps,
          p.adminUp,
          p.operUp,
          p.lastChange,
          '',
        ),
      );
    }
    if (only === undefined) {
      const keep = new Set(rows.map((r) => r.oid));
      for (const oid of this.#subRows) if (!keep.has(oid)) this.view.delete(oid);
      this.#subRows = [...keep];
    }
    this.view.setRows(rows);
    this.view.set(MIB2.ifNumber, int(this.#sw.ports.length + subs.length));
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    if (!this.#sw.reachable) {
      this.counters.dropped++;
      return;
    }
    if (this.#sw.snmpRequestLost()) {
      this.counters.lost++;
      return;
    }
    const req = decodeRequest(msg);
    if (!req) {
      this.counters.dropped++;
      return;
    }
    if (!req.community.equals(this.#community)) {
      // Real agents stay silent on a wrong community (and count snmpInBadCommunityNames).
      this.counters.badCommunity++;
      return;
    }
    const hold = this.#sw.takeSnmpHold();
    if (hold > 0) {
      this.counters.held++;
      const t = setTimeout(() => {
        this.#holds.delete(t);
        if (this.#sw.reachable) this.#reply(req, rinfo);
        else this.counters.dropped++;
      }, hold);
      this.#holds.add(t);
      return;
    }
    this.#reply(req, rinfo);
  }

  #reply(req: SnmpRequest, rinfo: RemoteInfo): void {
    const reply = answer(this.view, req);
    if (!reply) {
      this.counters.dropped++;
      return;
    }
    this.counters.answered++;
    const delay = this.#sw.impairment.snmpDelayMs;
    if (delay > 0) this.#delayed.push(delay, () => this.#socket.send(reply, rinfo.port, rinfo.address));
    else this.#socket.send(reply, rinfo.port, rinfo.address);
  }

  close(): Promise<void> {
    this.#unsubscribe();
    for (const t of this.#holds) clearTimeout(t);
    this.#holds.clear();
    this.#delayed.clear();
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
