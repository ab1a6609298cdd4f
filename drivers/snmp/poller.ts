import { DEFAULTS } from '../../config/defaults.js';
import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import type { IfStatus, MonitoringReason } from '../../contract/events.js';
import { DcAgentError, errorMessage } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { Semaphore } from '../../core/semaphore.js';
import {
  darkLanes,
  getMany,
  type LaneReading,
  type OpticsAdapter,
  type OpticsBinding,
  type OpticsPort,
} from '../optics/adapter.js';
import { opticsAdapter } from '../optics/registry.js';
import {
  ErrorStatus,
  isSnmpError,
  SnmpError,
  SnmpSession,
  type Varbind,
  VarbindType,
} from '../transport/snmp.js';
import { ifStatusWord, intValue, isMissing, OID, textValue } from './mib.js';
import { interfaceName, PortResolver, type PortResolverOptions } from './port-resolver.js';

/** Why a port could not be read this poll (CONTRACT §4 monitoring reasons, minus `recovered`). */
export type PollFailureReason = Exclude<MonitoringReason, 'recovered'>;

export interface PortReading {
  readonly ok: true;
  readonly device: string;
  readonly port: string;
  readonly ifIndex: number;
  readonly adminStatus: IfStatus;
  readonly operStatus: IfStatus;
  readonly lanes: readonly LaneReading[];
  /** One per lane, in lane order; null is no reading. */
  readonly rxDbm: readonly (number | null)[];
  readonly txDbm: readonly (number | null)[];
  /** False when the device's optics are not read at all (`optics: none`): then they are not judged. */
  readonly opticsRead: boolean;
  /** Whether a transceiver was found for the port; absent when optics are not read. */
  readonly opticPresent?: boolean;
  /** Epoch ms of the poll. */
  readonly at: number;
  /** Set on the first poll after a rediscovery found this port's transceiver inserted, removed or replaced. */
  readonly opticsChange?: OpticsChange;
}

/** A transceiver's identity as ENTITY-MIB gives it; null where the device does not say. */
export interface ModuleInfo {
  readonly vendor: string | null;
  readonly part: string | null;
  readonly serial: string | null;
}

export interface OpticsChange {
  readonly change: 'inserted' | 'removed' | 'replaced';
  readonly module: ModuleInfo;
}

/** What discovery found in a port: its transceiver's entity and identity, or null for none. */
type PortModule = (ModuleInfo & { readonly entity: number | undefined }) | null;

export interface PortPollFailure {
  readonly ok: false;
  readonly device: string;
  readonly port: string;
  readonly ifIndex?: number;
  readonly reason: PollFailureReason;
  readonly message: string;
  readonly at: number;
  readonly opticsChange?: OpticsChange;
}

export type PortPollResult = PortReading | PortPollFailure;

/** The slice of SnmpSession the poller uses, so tests can hand in a fake. */
export interface PollSession {
  get(oids: readonly string[]): Promise<Varbind[]>;
  walk(baseOid: string): Promise<Varbind[]>;
}

/** The slice of DeviceConfig the poller needs. */
export interface PolledDevice {
  readonly id: string;
  readonly optics: DeviceConfig['optics'];
  readonly ports: readonly { readonly name: string; readonly lanes: number }[];
}

export interface DevicePollerOptions {
  /** Varbinds per GET PDU (config monitoring.varbindsPerPduV2c / V3). */
  varbindsPerPdu: number;
  adapter?: OpticsAdapter;
  logger?: Logger;
  /** Epoch ms, for result timestamps. */
  clock?: () => number;
  resolver?: PortResolverOptions;
  /**
   * Optics are discovered again at most this often on a suspicion (a noSuch* on an optics OID, a
   * port with no transceiver found); an entLastChangeTime that moved rediscovers at once.
   */
  opticsRediscoveryMs?: number;
}

/** Where one port's answers sit in the poll's flat varbind list. */
interface Slot {
  readonly name: string;
  readonly ifIndex: number;
  /** Index of ifAdminStatus; ifOperStatus follows, then the port's name, then the optics binding's OIDs. */
  readonly offset: number;
  readonly binding: OpticsBinding | undefined;
  readonly lanes: number;
  /** The name (ifName, else ifDescr) this ifIndex had when resolved; read back at offset + 2. */
  readonly expectName: string | undefined;
}

interface Chunk {
  readonly start: number;
  readonly oids: string[];
}

/** Everything a poll needs, computed once per device and port set, then reused every interval. */
interface Plan {
  readonly generation: number;
  /** DevicePoller's optics generation when built. */
  readonly optics: number;
  /** Index of entLastChangeTime in `oids`, for entity-indexed adapters. */
  readonly entLastChange: number | undefined;
  readonly oids: readonly string[];
  chunks: readonly Chunk[];
  chunkSize: number;
  readonly slots: readonly Slot[];
  /** Ports the device does not have (by name). */
  readonly missing: readonly string[];
}

/**
 * Plans kept per device. The monitor asks for the ports it tracks, a set that changes as
 * connections come and go, so without a bound every set ever tracked would stay cached.
 */
const MAX_PLANS = 32;

function chunk(oids: readonly string[], size: number): Chunk[] {
  const out: Chunk[] = [];
  for (let i = 0; i < oids.length; i += size) out.push({ start: i, oids: oids.slice(i, i + size) });
  return out;
}

function failureReason(err: unknown): PollFailureReason {
  return isSnmpError(err) ? err.reason : 'snmp-error';
}

/**
 * Polls the monitored ports of one device: sysUpTime, ifAdminStatus, ifOperStatus and the optics
 * adapter's value OIDs for every port, packed into as few GET PDUs as the configured size allows.
 *
 * Per-device work that does not change between polls (name → ifIndex, the vendor's index
 * mapping, the OID list and its split into PDUs) is built once and rebuilt only when the port
 * resolver says the mapping moved (a miss, a vanished port, a device restart).
 */
export class DevicePoller {
  readonly device: PolledDevice;
  readonly adapter: OpticsAdapter;
  readonly resolver: PortResolver;
  readonly #session: PollSession;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #lanes: Map<string, number>;
  readonly #allPorts: readonly string[];
  readonly #plans = new Map<string, Plan>();
  #pduSize: number;
  #stale = false;
  readonly #rediscoveryMs: number;
  /** Bumped to make every plan discover optics again. */
  #opticsGeneration = 0;
  /** A poll saw something optics discovery may explain (rate-limited by #rediscoveryMs). */
  #opticsSuspect = false;
  #discoveredAt = Number.NEGATIVE_INFINITY;
  #entLastChange: number | undefined;
  /** What the last discovery found per port; absent before the first (no change is reported then). */
  readonly #modules = new Map<string, PortModule>();
  /** Changes found by a discovery, handed out with each port's next result. */
  readonly #changes = new Map<string, OpticsChange>();

  constructor(device: PolledDevice, session: PollSession, options: DevicePollerOptions) {
    this.device = device;
    this.#session = session;
    this.adapter = options.adapter ?? opticsAdapter(device.optics);
    this.resolver = new PortResolver(session, options.resolver);
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    this.#pduSize = Math.max(1, options.varbindsPerPdu);
    this.#rediscoveryMs = options.opticsRediscoveryMs ?? DEFAULTS.opticsRediscoverySeconds * 1000;
    this.#lanes = new Map(device.ports.map((p) => [p.name, p.lanes]));
    this.#allPorts = device.ports.map((p) => p.name);
  }

  /** Port sets with a cached plan (at most MAX_PLANS), for tests. */
  get cachedPlans(): number {
    return this.#plans.size;
  }

  /** Current varbinds per PDU (lowered for good when the device answers tooBig). */
  get pduSize(): number {
    return this.#pduSize;
  }

  /** Polls `ports` (default: every port of the device), one result per port, never throwing. */
  async poll(ports: readonly string[] = this.#allPorts): Promise<PortPollResult[]> {
    const at = this.#clock();
    try {
      let plan = await this.#planFor(ports);
      let vbs = await this.#fetch(plan);
      const uptime = intValue(vbs[0]);
      if (uptime !== null && this.resolver.noteUptime(uptime)) {
        // Interfaces may have been renumbered by the reboot: what was just read may belong to
        // other ports, so map again and read again before saying anything.
        this.#log.info({ device: this.device.id }, 'device restarted (sysUpTime went back); remapping ports');
        plan = await this.#planFor(ports);
        vbs = await this.#fetch(plan);
      }
      if (this.#renamed(plan, vbs)) {
        this.#log.info(
          { device: this.device.id },
          'an interface answers with another name (renumbered since we mapped it); remapping ports',
        );
        this.resolver.invalidate();
        plan = await this.#planFor(ports);
        vbs = await this.#fetch(plan);
      }
      if (this.#entityChanged(plan, vbs)) {
        // A transceiver went in or out (or the entity tables moved under it): bind again now, so
        // the change is seen within this interval, and read again with the new bindings.
        this.#log.info(
          { device: this.device.id },
          'entity tables changed (entLastChangeTime); rediscovering optics',
        );
        this.#opticsGeneration++;
        plan = await this.#planFor(ports);
        vbs = await this.#fetch(plan);
        this.#entityChanged(plan, vbs);
      }
      return this.#results(plan, vbs, at);
    } catch (err) {
      const reason = failureReason(err);
      const message = errorMessage(err);
      if (!isSnmpError(err))
        this.#log.error({ device: this.device.id, err: message }, 'poll failed unexpectedly');
      return ports.map((port) => ({ ok: false, device: this.device.id, port, reason, message, at }));
    }
  }

  /** True when some polled ifIndex now carries another name than the one it was mapped by. */
  #renamed(plan: Plan, vbs: readonly (Varbind | undefined)[]): boolean {
    for (const s of plan.slots) {
      if (s.expectName === undefined) continue;
      if (this.#otherName(s, vbs)) return true;
    }
    return false;
  }

  /** The slot's ifIndex answers with a name, and not the one it was mapped by (a missing one is no evidence). */
  #otherName(s: Slot, vbs: readonly (Varbind | undefined)[]): boolean {
    if (s.expectName === undefined) return false;
    const vb = vbs[s.offset + 2];
    if (isMissing(vb) || vb?.type !== VarbindType.OctetString) return false;
    const name = interfaceName(vb.value);
    return name !== null && name !== s.expectName;
  }

  /** Notes entLastChangeTime; true when it moved since the last poll that read it. */
  #entityChanged(plan: Plan, vbs: readonly (Varbind | undefined)[]): boolean {
    if (plan.entLastChange === undefined) return false;
    const t = intValue(vbs[plan.entLastChange]);
    if (t === null) return false;
    const before = this.#entLastChange;
    this.#entLastChange = t;
    return before !== undefined && before !== t;
  }

  async #planFor(ports: readonly string[]): Promise<Plan> {
    const key = ports === this.#allPorts ? '' : ports.join('\u0000');
    if (this.#opticsSuspect && this.#clock() - this.#discoveredAt >= this.#rediscoveryMs) {
      this.#opticsSuspect = false;
      this.#opticsGeneration++;
    }
    const cached = this.#plans.get(key);
    if (
      cached &&
      !this.#stale &&
      cached.generation === this.resolver.generation &&
      cached.optics === this.#opticsGeneration
    ) {
      // Most recently used last, so eviction drops the set nobody polls any more.
      this.#plans.delete(key);
      this.#plans.set(key, cached);
      if (cached.chunkSize !== this.#pduSize) {
        cached.chunks = chunk(cached.oids, this.#pduSize);
        cached.chunkSize = this.#pduSize;
      }
      return cached;
    }
    if (this.#stale) {
      this.#stale = false;
      this.resolver.markStale();
    }
    const resolved = await this.resolver.resolve(ports);
    const generation = this.resolver.generation;
    const missing: string[] = [];
    const opticsPorts: OpticsPort[] = [];
    const names = new Map<string, { oid: string; text: string } | undefined>();
    for (const name of ports) {
      const info = resolved.get(name);
      if (!info) {
        missing.push(name);
        continue;
      }
      names.set(
        name,
        info.ifName !== undefined
          ? { oid: OID.ifName, text: info.ifName }
          : info.ifDescr !== undefined
            ? { oid: OID.ifDescr, text: info.ifDescr }
            : undefined,
      );
      opticsPorts.push({
        name,
        ifIndex: info.ifIndex,
        lanes: this.#lanes.get(name) ?? 1,
        ...(info.ifName !== undefined ? { ifName: info.ifName } : {}),
        ...(info.ifDescr !== undefined ? { ifDescr: info.ifDescr } : {}),
      });
    }
    const opticsGeneration = this.#opticsGeneration;
    this.#discoveredAt = this.#clock();
    const discovery =
      opticsPorts.length > 0 ? await this.adapter.discover(this.#session, opticsPorts) : undefined;
    for (const note of discovery?.notes ?? [])
      this.#log.info({ device: this.device.id, adapter: this.adapter.id }, note);
    if (discovery && this.adapter.readsOptics) await this.#noteModules(opticsPorts, discovery.bindings);
    const oids: string[] = [OID.sysUpTime];
    const entLastChange = this.adapter.entityIndexed ? oids.push(OID.entLastChangeTime) - 1 : undefined;
    const slots: Slot[] = [];
    for (const p of opticsPorts) {
      const binding = discovery?.bindings.get(p.name);
      const named = names.get(p.name);
      slots.push({
        name: p.name,
        ifIndex: p.ifIndex,
        offset: oids.length,
        binding,
        lanes: p.lanes,
        expectName: named?.text,
      });
      // The name is read back every poll: a device that rebooted while another replica held its
      // lease (so sysUpTime never went back for us) may have renumbered its interfaces, and this
      // ifIndex would then be another port. The status OID stands in when there is no name.
      oids.push(
        `${OID.ifAdminStatus}.${p.ifIndex}`,
        `${OID.ifOperStatus}.${p.ifIndex}`,
        named ? `${named.oid}.${p.ifIndex}` : `${OID.ifOperStatus}.${p.ifIndex}`,
      );
      if (binding) for (const o of binding.oids) oids.push(o);
    }
    const plan: Plan = {
      generation,
      optics: opticsGeneration,
      entLastChange,
      oids,
      chunks: chunk(oids, this.#pduSize),
      chunkSize: this.#pduSize,
      slots,
      missing,
    };
    this.#plans.delete(key);
    this.#plans.set(key, plan);
    if (this.#plans.size > MAX_PLANS) this.#plans.delete(this.#plans.keys().next().value!);
    return plan;
  }

  /**
   * Compares what discovery bound with what the previous discovery did, per port, and keeps an
   * `opticsChange` for each port whose transceiver came, went or was swapped. The first discovery
   * of a port is the baseline: nothing changed as far as anyone knows.
   */
  async #noteModules(
    ports: readonly OpticsPort[],
    bindings: ReadonlyMap<string, OpticsBinding>,
  ): Promise<void> {
    const entities = [...new Set([...bindings.values()].map((b) => b.entity).filter((e) => e !== undefined))];
    const info = new Map<number, ModuleInfo>();
    if (entities.length > 0) {
      try {
        const vbs = await getMany(
          this.#session,
          entities.flatMap((e) => [
            `${OID.entPhysicalMfgName}.${e}`,
            `${OID.entPhysicalModelName}.${e}`,
            `${OID.entPhysicalSerialNum}.${e}`,
          ]),
        );
        entities.forEach((e, i) => {
          const text = (vb: Varbind | undefined) => (isMissing(vb) ? null : textValue(vb) || null);
          info.set(e, { vendor: text(vbs[i * 3]), part: text(vbs[i * 3 + 1]), serial: text(vbs[i * 3 + 2]) });
        });
      } catch (err) {
        // Identity is a nicety of the event; the binding itself is what polling needs.
        this.#log.debug(
          { device: this.device.id, err: errorMessage(err) },
          'no module identity (entPhysical)',
        );
      }
    }
    const none: ModuleInfo = { vendor: null, part: null, serial: null };
    for (const p of ports) {
      const b = bindings.get(p.name);
      const now: PortModule = b
        ? { entity: b.entity, ...((b.entity !== undefined && info.get(b.entity)) || none) }
        : null;
      const before = this.#modules.get(p.name);
      this.#modules.set(p.name, now);
      if (before === undefined) continue;
      let change: OpticsChange['change'] | undefined;
      if (before === null && now !== null) change = 'inserted';
      else if (before !== null && now === null) change = 'removed';
      else if (
        before !== null &&
        now !== null &&
        (before.entity !== now.entity || before.serial !== now.serial)
      )
        change = 'replaced';
      if (!change) continue;
      const m = (now ?? before)!;
      this.#changes.set(p.name, { change, module: { vendor: m.vendor, part: m.part, serial: m.serial } });
      this.#log.info(
        { device: this.device.id, port: p.name, change, serial: m.serial },
        'transceiver changed',
      );
    }
  }

  async #fetch(plan: Plan): Promise<(Varbind | undefined)[]> {
    const vbs = new Array<Varbind | undefined>(plan.oids.length);
    const chunks = plan.chunks;
    const full = plan.chunkSize;
    if (chunks.length === 1) await this.#fetchChunk(chunks[0]!.oids, chunks[0]!.start, vbs, full);
    else await Promise.all(chunks.map((c) => this.#fetchChunk(c.oids, c.start, vbs, full)));
    return vbs;
  }

  /**
   * GETs one PDU into `into[start…]`; splits it on tooBig and drops what noSuchName blames.
   * `full` is the PDU size this chunk was cut to: only a full chunk failing says that size is too
   * big (the short last chunk failing only says its own length is).
   */
  async #fetchChunk(
    oids: readonly string[],
    start: number,
    into: (Varbind | undefined)[],
    full: number,
  ): Promise<void> {
    let answer: Varbind[];
    try {
      answer = await this.#session.get(oids);
    } catch (err) {
      if (!isSnmpError(err) || err.errorStatus === undefined) throw err;
      if (err.errorStatus === ErrorStatus.tooBig && oids.length > 1) {
        const half = Math.ceil(oids.length / 2);
        // Remember the size that fits, so later polls do not pay for the failed attempt again.
        if (oids.length >= full && half < this.#pduSize) {
          this.#log.info(
            { device: this.device.id, varbinds: half },
            'device answered tooBig; smaller PDUs from now on',
          );
          this.#pduSize = half;
        }
        await Promise.all([
          this.#fetchChunk(oids.slice(0, half), start, into, half),
          this.#fetchChunk(oids.slice(half), start + half, into, half),
        ]);
        return;
      }
      // SNMPv1-style agents answer a missing object with noSuchName for the whole PDU.
      const blamed =
        err.errorStatus === ErrorStatus.noSuchName && err.errorOid ? oids.indexOf(err.errorOid) : -1;
      if (blamed >= 0) {
        const rest = oids.filter((_, i) => i !== blamed);
        if (rest.length === 0) return;
        const restVbs: (Varbind | undefined)[] = [];
        await this.#fetchChunk(rest, 0, restVbs, full);
        for (let i = 0, j = 0; i < oids.length; i++) if (i !== blamed) into[start + i] = restVbs[j++];
        return;
      }
      throw err;
    }
    for (let i = 0; i < answer.length; i++) into[start + i] = answer[i];
  }

  #results(plan: Plan, vbs: readonly (Varbind | undefined)[], at: number): PortPollResult[] {
    const device = this.device.id;
    const out: PortPollResult[] = [];
    const readsOptics = this.adapter.readsOptics;
    for (const s of plan.slots) {
      const admin = vbs[s.offset];
      const oper = vbs[s.offset + 1];
      const opticsChange = this.#changes.get(s.name);
      if (opticsChange) this.#changes.delete(s.name);
      const change = opticsChange ? { opticsChange } : {};
      const failed = (reason: PollFailureReason, message: string): PortPollFailure => ({
        ok: false,
        device,
        port: s.name,
        ifIndex: s.ifIndex,
        reason,
        message,
        at,
        ...change,
      });
      if (this.#otherName(s, vbs)) {
        // Still another interface after remapping: do not report its state as this port's.
        this.#stale = true;
        out.push(failed('no-such-port', `device ${device}: ifIndex ${s.ifIndex} is no longer ${s.name}`));
        continue;
      }
      if (isMissing(admin) && isMissing(oper)) {
        // The ifIndex is gone (module removed, interface deleted, renumbered): map again next poll.
        this.#stale = true;
        out.push(
          failed('no-such-port', `device ${device}: ifIndex ${s.ifIndex} of ${s.name} no longer answers`),
        );
        continue;
      }
      // CONTRACT §5: a missing OID says nothing about the link; an `unknown` status would read as
      // admin down, and a missing optics value as no light.
      if (isMissing(admin) || isMissing(oper)) {
        out.push(
          failed(
            'no-such-object',
            `device ${device}: ${isMissing(admin) ? 'ifAdminStatus' : 'ifOperStatus'}.${s.ifIndex} of ${s.name} did not answer`,
          ),
        );
        continue;
      }
      if (s.binding) {
        let gone = -1;
        for (let i = 0; i < s.binding.oids.length && gone < 0; i++)
          if (isMissing(vbs[s.offset + 3 + i])) gone = i;
        if (gone >= 0) {
          // The transceiver's rows went away (pulled, swapped, re-indexed): bind again soon.
          this.#opticsSuspect = true;
          out.push(
            failed(
              'no-such-object',
              `device ${device}: optics OID ${s.binding.oids[gone]} of ${s.name} did not answer`,
            ),
          );
          continue;
        }
      } else if (readsOptics) {
        // No transceiver found when bound: it may be inserted since. Look again now and then.
        this.#opticsSuspect = true;
      }
      let lanes: LaneReading[];
      try {
        lanes = s.binding ? s.binding.decode(vbs, s.offset + 3) : readsOptics ? darkLanes(s.lanes) : [];
      } catch (err) {
        this.#log.warn({ device, port: s.name, err: errorMessage(err) }, 'optics decode failed; no reading');
        lanes = darkLanes(s.lanes);
      }
      const rxDbm = new Array<number | null>(lanes.length);
      const txDbm = new Array<number | null>(lanes.length);
      for (let i = 0; i < lanes.length; i++) {
        rxDbm[i] = lanes[i]!.rxDbm;
        txDbm[i] = lanes[i]!.txDbm;
      }
      out.push({
        ok: true,
        device,
        port: s.name,
        ifIndex: s.ifIndex,
        adminStatus: ifStatusWord(admin),
        operStatus: ifStatusWord(oper),
        lanes,
        rxDbm,
        txDbm,
        opticsRead: readsOptics,
        ...(readsOptics ? { opticPresent: s.binding !== undefined } : {}),
        at,
        ...change,
      });
    }
    for (const name of plan.missing) {
      out.push({
        ok: false,
        device,
        port: name,
        reason: 'no-such-port',
        message: `device ${device} has no interface named ${name} (ifName/ifDescr)`,
        at,
      });
    }
    return out;
  }
}

export interface SnmpPollerOptions {
  logger?: Logger;
  clock?: () => number;
  /** Test hook: how sessions are made (default: a net-snmp SnmpSession per device). */
  sessionFactory?: (device: DeviceConfig, agentLimit: Semaphore) => PollSession & { close(): void };
  resolver?: PortResolverOptions;
}

/**
 * The agent's SNMP side: one session and one DevicePoller per device, created on first use and
 * reused, one agent-wide cap on requests in flight.
 */
export class SnmpPoller {
  readonly #devices: ReadonlyMap<string, DeviceConfig>;
  readonly #monitoring: AgentConfig['monitoring'];
  readonly #options: SnmpPollerOptions;
  readonly #agentLimit: Semaphore;
  readonly #pollers = new Map<string, { poller: DevicePoller; session: PollSession & { close(): void } }>();
  #closed = false;

  constructor(
    devices: readonly DeviceConfig[],
    monitoring: AgentConfig['monitoring'],
    options: SnmpPollerOptions = {},
  ) {
    this.#devices = new Map(devices.map((d) => [d.id, d]));
    this.#monitoring = monitoring;
    this.#options = options;
    this.#agentLimit = new Semaphore(monitoring.maxInFlight);
  }

  devicePoller(deviceId: string): DevicePoller {
    if (this.#closed) throw new SnmpError('lifecycle', 'snmp-error', 'SNMP poller is closed');
    const existing = this.#pollers.get(deviceId);
    if (existing) return existing.poller;
    const device = this.#devices.get(deviceId);
    if (!device) throw new DcAgentError('unknown-device', `no device ${deviceId} in the inventory`);
    const m = this.#monitoring;
    const session =
      this.#options.sessionFactory?.(device, this.#agentLimit) ??
      new SnmpSession(device, {
        maxInFlight: m.maxInFlightPerDevice,
        agentLimit: this.#agentLimit,
        ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      });
    const poller = new DevicePoller(device, session, {
      varbindsPerPdu: device.snmp.version === '3' ? m.varbindsPerPduV3 : m.varbindsPerPduV2c,
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      ...(this.#options.resolver ? { resolver: this.#options.resolver } : {}),
      opticsRediscoveryMs: m.opticsRediscoverySeconds * 1000,
    });
    this.#pollers.set(deviceId, { poller, session });
    return poller;
  }

  poll(deviceId: string, ports?: readonly string[]): Promise<PortPollResult[]> {
    return this.devicePoller(deviceId).poll(ports);
  }

  /**
   * One cycle over every device (or `deviceIds`), at most `monitoring.maxDevicesInFlight` at a
   * time, handing each device's results to `onResults` as soon as that device is done.
   *
   * Starting every device at once would let the request caps pace them, but each waiting device
   * then holds its half-done poll for most of the cycle, long enough for V8 to promote it to the
   * old generation: at 500 devices that doubled peak RSS for no gain in cycle time. Nothing is
   * kept for the whole cycle here, so a consumer that handles results as they come (the health
   * tracker) keeps memory flat.
   */
  async cycle(
    onResults: (results: PortPollResult[]) => void,
    deviceIds: readonly string[] = [...this.#devices.keys()],
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < deviceIds.length) {
        const id = deviceIds[next++]!;
        onResults(await this.poll(id));
      }
    };
    const workers = Math.max(1, Math.min(this.#monitoring.maxDevicesInFlight, deviceIds.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /** One cycle's results in one array (for one-shot callers; the agent should use `cycle`). */
  async pollAll(): Promise<PortPollResult[]> {
    const out: PortPollResult[] = [];
    await this.cycle((results) => {
      for (const r of results) out.push(r);
    });
    return out;
  }

  close(): void {
    this.#closed = true;
    for (const { session } of this.#pollers.values()) session.close();
    this.#pollers.clear();
  }
}
