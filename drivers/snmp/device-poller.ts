// Over 400 lines: one class, a device's poll (port plan, PDU batching, rediscovery triggers, result decoding), kept whole because plan and decode index the same varbind layout.
import { DEFAULTS } from '../../config/defaults.js';
import type { DeviceConfig } from '../../config/load.js';
import { errorMessage } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { ifStatusWord, instanceOid, intValue, isMissing, OID } from '../mib/mib.js';
import {
  darkLanes,
  type LaneReading,
  type OpticsAdapter,
  type OpticsBinding,
  type OpticsPort,
} from '../optics/adapter.js';
import { opticsAdapter } from '../optics/registry.js';
import { isSnmpError, type SnmpReader, type Varbind, VarbindType } from '../transport/snmp.js';
import { LruCache } from './lru-cache.js';
import { ModuleWatch } from './module-watch.js';
import { type Chunk, chunk, PduFetcher } from './pdu-fetcher.js';
import {
  balancedPduSize,
  budgetFor,
  INTEGER_VALUE_BYTES,
  stringValueBytes,
  varbindAnswerBytes,
  varbindsThatFit,
} from './pdu-size.js';
import type {
  PollFailureReason,
  PollOptions,
  PortPollFailure,
  PortPollResult,
  PortReading,
} from './poll-result.js';
import { interfaceName, PortResolver, type PortResolverOptions } from './port-resolver.js';

/** The slice of DeviceConfig the poller needs. */
export interface PolledDevice {
  readonly id: string;
  readonly optics: DeviceConfig['optics'];
  readonly ports: readonly { readonly name: string; readonly lanes: number }[];
}

export interface DevicePollerOptions {
  /** Varbinds per GET PDU at most (config monitoring.varbindsPerPduV2c / V3). */
  varbindsPerPdu: number;
  /**
   * Bytes an answer's varbinds may take to fit one frame (pdu-size.ts): a plan whose PDUs could
   * exceed it is logged with the count that fits. Default: a frame less a v2c header with a
   * 32-byte community (SnmpPoller passes the device's own, `answerBudget`).
   */
  answerBytes?: number;
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
  /** Told when the device restarted (sysUpTime went back), so the agent can audit it soon. */
  onRestart?: (deviceId: string) => void;
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
  /** The bytes last read back that spelt `expectName`: the same bytes again need no decoding. */
  nameBytes: Buffer | undefined;
  /** The optics values last decoded and what they decoded to (`#lanesOf`). */
  decoded: Decoded | undefined;
  /** Index of this port's ifInErrors when the poll counts its errors. */
  readonly errorsAt: number | undefined;
}

/** Everything a poll needs, computed once per device and port set, then reused every interval. */
interface Plan {
  readonly generation: number;
  /** DevicePoller's optics generation when built. */
  readonly optics: number;
  /** Index of entLastChangeTime in `oids`, for entity-indexed adapters. */
  readonly entLastChange: number | undefined;
  readonly oids: readonly string[];
  /** Varbinds a PDU: the plan's PDUs by `varbindsPerPdu`, filled evenly (pdu-size.ts). */
  readonly balanced: number;
  chunks: readonly Chunk[];
  chunkSize: number;
  readonly slots: readonly Slot[];
  /** Ports the device does not have (by name). */
  readonly missing: readonly string[];
}

/**
 * A port set mapped to ifIndex and bound to its optics: what every plan for these ports starts
 * from. The steady poll and the error-counter poll share it, so the counter poll neither
 * discovers optics again nor binds the same module to new objects.
 */
interface Bound {
  readonly generation: number;
  readonly optics: number;
  readonly ports: readonly OpticsPort[];
  readonly oids: ReadonlyMap<string, PortOids>;
  readonly bindings: ReadonlyMap<string, OpticsBinding> | undefined;
  readonly missing: readonly string[];
}

/** One port's own OIDs: built once per binding, as flat strings, and shared by every plan of it. */
interface PortOids {
  readonly admin: string;
  readonly oper: string;
  /**
   * Read back every poll: a device that rebooted while another replica held its lease (so
   * sysUpTime never went back for us) may have renumbered its interfaces, and this ifIndex would
   * then be another port. ifName, else ifDescr; the status OID stands in when there is no name.
   */
  readonly name: string;
  /** What `name` answered when mapped (undefined: no name to compare). */
  readonly expectName: string | undefined;
  readonly inErrors: string;
}

/** Plans kept per device: the port sets the monitor polls, which change as connections come and go. */
const MAX_PLANS = 32;

/** A v2c session with a 32-byte community (tests and benches make pollers without a session's settings). */
const DEFAULT_ANSWER_BYTES = budgetFor('2c', 32);

/** Lanes of a polled port the device's config does not list: one, the common case. */
const UNLISTED_PORT_LANES = 1;

type DecodedValue = { readonly type: number; readonly value: unknown } | undefined;

/** A port's optics values of one poll and their lanes; shared by later polls that read the same. */
interface Decoded {
  readonly values: readonly DecodedValue[];
  readonly lanes: LaneReading[];
  readonly rxDbm: (number | null)[];
  readonly txDbm: (number | null)[];
}

/** The same type and value (bytes for octet strings) as `values`, from `vbs[at]` on. */
function sameValues(
  values: readonly DecodedValue[],
  vbs: readonly (Varbind | undefined)[],
  at: number,
): boolean {
  for (let i = 0; i < values.length; i++) {
    const was = values[i];
    const vb = vbs[at + i];
    if (!was || !vb) {
      if (was !== vb) return false;
      continue;
    }
    if (was.type !== vb.type) return false;
    if (was.value === vb.value) continue;
    if (!(Buffer.isBuffer(was.value) && Buffer.isBuffer(vb.value) && was.value.equals(vb.value)))
      return false;
  }
  return true;
}

/** A port's failed poll, its optics change (if any) still reported; no closure per port per poll. */
function failure(
  device: string,
  s: Slot,
  at: number,
  opticsChange: PortReading['opticsChange'],
  reason: PollFailureReason,
  message: string,
): PortPollFailure {
  return { ok: false, device, port: s.name, ifIndex: s.ifIndex, reason, message, at, opticsChange };
}

/** A Counter32 reading; anything else (a noSuch*, a wrong type) is no reading. */
function counter32(vb: Varbind | undefined): number | null {
  return vb?.type === VarbindType.Counter32 ? intValue(vb) : null;
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
  readonly #device: PolledDevice;
  readonly #adapter: OpticsAdapter;
  readonly #resolver: PortResolver;
  readonly #session: SnmpReader;
  readonly #fetcher: PduFetcher;
  readonly #modules: ModuleWatch;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #lanes: Map<string, number>;
  readonly #allPorts: readonly string[];
  readonly #plans = new LruCache<string, Plan>(MAX_PLANS);
  readonly #bound = new LruCache<string, Bound>(MAX_PLANS);
  #stale = false;
  readonly #rediscoveryMs: number;
  readonly #varbindsPerPdu: number;
  readonly #answerBytes: number;
  readonly #onRestart: ((deviceId: string) => void) | undefined;
  /** Bumped to make every plan discover optics again. */
  #opticsGeneration = 0;
  /** A poll saw something optics discovery may explain (rate-limited by #rediscoveryMs). */
  #opticsSuspect = false;
  #discoveredAt = Number.NEGATIVE_INFINITY;
  #entLastChange: number | undefined;
  /** The last steady poll's port array and plan (`#steadyPlan`). */
  #steady: { readonly ports: readonly string[]; readonly plan: Plan } | undefined;

  constructor(device: PolledDevice, session: SnmpReader, options: DevicePollerOptions) {
    this.#device = device;
    this.#session = session;
    this.#adapter = options.adapter ?? opticsAdapter(device.optics);
    this.#resolver = new PortResolver(session, options.resolver);
    this.#log = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
    this.#fetcher = new PduFetcher(session, options.varbindsPerPdu, this.#log, device.id);
    this.#varbindsPerPdu = options.varbindsPerPdu;
    this.#answerBytes = options.answerBytes ?? DEFAULT_ANSWER_BYTES;
    this.#modules = new ModuleWatch(session, this.#log, device.id);
    this.#rediscoveryMs = options.opticsRediscoveryMs ?? DEFAULTS.opticsRediscoverySeconds * 1000;
    this.#onRestart = options.onRestart;
    this.#lanes = new Map(device.ports.map((p) => [p.name, p.lanes]));
    this.#allPorts = device.ports.map((p) => p.name);
  }

  /** Polls `ports` (default: every port of the device), one result per port, never throwing. */
  async poll(
    ports: readonly string[] = this.#allPorts,
    options: PollOptions = {},
  ): Promise<PortPollResult[]> {
    const at = this.#clock();
    const errorPorts = options.errorCounters ?? [];
    let restarted = false;
    try {
      let plan = this.#steadyPlan(ports, errorPorts) ?? (await this.#planFor(ports, errorPorts));
      let vbs = await this.#fetch(plan);
      const again = async (why: string) => {
        this.#log.info({ device: this.#device.id }, why);
        plan = await this.#planFor(ports, errorPorts);
        vbs = await this.#fetch(plan);
      };
      const uptime = intValue(vbs[0]);
      if (uptime !== null && this.#resolver.noteUptime(uptime)) {
        // Interfaces may have been renumbered by the reboot: what was just read may belong to
        // other ports, so map again and read again before saying anything.
        this.#onRestart?.(this.#device.id);
        restarted = true;
        await again('device restarted (sysUpTime went back); remapping ports');
      }
      if (this.#renamed(plan, vbs)) {
        this.#resolver.invalidate();
        await again(
          'an interface answers with another name (renumbered since we mapped it); remapping ports',
        );
      }
      if (this.#entityChanged(plan, vbs)) {
        // A transceiver went in or out (or the entity tables moved under it): bind again now, so
        // the change is seen within this interval, and read again with the new bindings.
        this.#opticsGeneration++;
        await again('entity tables changed (entLastChangeTime); rediscovering optics');
        this.#entityChanged(plan, vbs);
      }
      return this.#results(plan, vbs, at, restarted);
    } catch (err) {
      const reason = failureReason(err);
      const message = errorMessage(err);
      if (!isSnmpError(err))
        this.#log.error({ device: this.#device.id, err: message }, 'poll failed unexpectedly');
      return ports.map((port) => ({ ok: false, device: this.#device.id, port, reason, message, at }));
    }
  }

  #fetch(plan: Plan): Promise<(Varbind | undefined)[]> {
    return this.#fetcher.fetch(plan.oids, plan.chunks, plan.chunkSize);
  }

  /** True when some polled ifIndex now carries another name than the one it was mapped by. */
  #renamed(plan: Plan, vbs: readonly (Varbind | undefined)[]): boolean {
    return plan.slots.some((s) => this.#otherName(s, vbs));
  }

  /** The slot's ifIndex answers with a name, and not the one it was mapped by (a missing one is no evidence). */
  #otherName(s: Slot, vbs: readonly (Varbind | undefined)[]): boolean {
    if (s.expectName === undefined) return false;
    const vb = vbs[s.offset + 2];
    if (isMissing(vb) || vb?.type !== VarbindType.OctetString) return false;
    const raw = vb.value;
    if (s.nameBytes && Buffer.isBuffer(raw) && s.nameBytes.equals(raw)) return false;
    const name = interfaceName(raw);
    if (name === null) return false;
    if (name !== s.expectName) return true;
    // A copy: the value is a view of the whole response, which should not stay alive for it.
    if (Buffer.isBuffer(raw)) s.nameBytes = Buffer.from(raw);
    return false;
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

  /**
   * The plan the last steady poll of this very port array used, while nothing has moved since: no
   * key built from the port names, no lookup and no await, which every poll of every device paid.
   * Only an array that cannot change is known by its identity (frozen, or the device's own list).
   */
  #steadyPlan(ports: readonly string[], errorPorts: readonly string[]): Plan | undefined {
    const last = this.#steady;
    if (!last || last.ports !== ports || errorPorts.length > 0) return undefined;
    const plan = last.plan;
    if (
      this.#stale ||
      (this.#opticsSuspect && this.#clock() - this.#discoveredAt >= this.#rediscoveryMs) ||
      plan.generation !== this.#resolver.generation ||
      plan.optics !== this.#opticsGeneration ||
      plan.chunkSize !== Math.min(this.#fetcher.pduSize, plan.balanced)
    )
      return undefined;
    return plan;
  }

  async #planFor(ports: readonly string[], errorPorts: readonly string[]): Promise<Plan> {
    const plan = await this.#buildOrFind(ports, errorPorts);
    if (errorPorts.length === 0 && (ports === this.#allPorts || Object.isFrozen(ports)))
      this.#steady = { ports, plan };
    return plan;
  }

  async #buildOrFind(ports: readonly string[], errorPorts: readonly string[]): Promise<Plan> {
    const portsKey = ports === this.#allPorts ? '' : ports.join('\u0000');
    // The steady poll (no error counters) keeps the key it always had.
    const key = errorPorts.length === 0 ? portsKey : `${portsKey}\u0001${errorPorts.join('\u0000')}`;
    const counted = new Set(errorPorts);
    if (this.#opticsSuspect && this.#clock() - this.#discoveredAt >= this.#rediscoveryMs) {
      this.#opticsSuspect = false;
      this.#opticsGeneration++;
    }
    const cached = this.#plans.get(key);
    if (
      cached &&
      !this.#stale &&
      cached.generation === this.#resolver.generation &&
      cached.optics === this.#opticsGeneration
    ) {
      const size = Math.min(this.#fetcher.pduSize, cached.balanced);
      if (cached.chunkSize !== size) {
        cached.chunks = chunk(cached.oids, size);
        cached.chunkSize = size;
      }
      return cached;
    }
    const stale = this.#stale;
    if (stale) {
      this.#stale = false;
      this.#resolver.markStale();
    }
    let had = stale ? undefined : this.#bound.get(portsKey);
    // A port the device lacked may have been added since: asking walks again (rate-limited), and
    // a walk that finds it moves the generation, so the ports are bound anew.
    if (had && had.missing.length > 0) await this.#resolver.resolve(had.missing);
    if (had && (had.generation !== this.#resolver.generation || had.optics !== this.#opticsGeneration))
      had = undefined;
    const bound = had ?? (await this.#bind(ports, portsKey));
    const { generation, bindings, missing } = bound;
    const oids: string[] = [OID.sysUpTime];
    const entLastChange = this.#adapter.entityIndexed ? oids.push(OID.entLastChangeTime) - 1 : undefined;
    const slots: Slot[] = [];
    for (const p of bound.ports) {
      const binding = bindings?.get(p.name);
      const own = bound.oids.get(p.name)!;
      slots.push({
        name: p.name,
        ifIndex: p.ifIndex,
        offset: oids.length,
        binding,
        lanes: p.lanes,
        expectName: own.expectName,
        errorsAt: counted.has(p.name) ? oids.length + 3 + (binding?.oids.length ?? 0) : undefined,
        nameBytes: undefined,
        decoded: undefined,
      });
      oids.push(own.admin, own.oper, own.name);
      if (binding) for (const o of binding.oids) oids.push(o);
      if (counted.has(p.name)) oids.push(own.inErrors);
    }
    // Integers, but the name read back (as long as the name it was mapped by) and what a binding
    // says is longer (a lane list).
    const bytes = oids.map((o) => varbindAnswerBytes(o, INTEGER_VALUE_BYTES));
    for (const s of slots) {
      if (s.expectName !== undefined)
        bytes[s.offset + 2] = varbindAnswerBytes(oids[s.offset + 2]!, stringValueBytes(s.expectName));
      s.binding?.valueBytes?.forEach((v, i) => {
        if (v !== undefined) bytes[s.offset + 3 + i] = varbindAnswerBytes(oids[s.offset + 3 + i]!, v);
      });
    }
    const fit = varbindsThatFit(bytes, this.#varbindsPerPdu, this.#answerBytes);
    const balanced = balancedPduSize(oids.length, this.#varbindsPerPdu);
    if (fit < balanced) {
      this.#log.info(
        { device: this.#device.id, varbinds: oids.length, varbindsPerPdu: balanced, fits: fit },
        'answers may exceed one frame (IP fragments); a varbindsPerPdu of the `fits` count or less avoids that',
      );
    }
    const chunkSize = Math.min(this.#fetcher.pduSize, balanced);
    const plan: Plan = {
      generation,
      optics: bound.optics,
      entLastChange,
      oids,
      balanced,
      chunks: chunk(oids, chunkSize),
      chunkSize,
      slots,
      missing,
    };
    this.#plans.set(key, plan);
    return plan;
  }

  /** Maps `ports` to ifIndex and discovers their optics: once per port set until either moves. */
  async #bind(ports: readonly string[], portsKey: string): Promise<Bound> {
    const resolved = await this.#resolver.resolve(ports);
    const generation = this.#resolver.generation;
    const missing: string[] = [];
    const opticsPorts: OpticsPort[] = [];
    const oids = new Map<string, PortOids>();
    for (const name of ports) {
      const info = resolved.get(name);
      if (!info) {
        missing.push(name);
        continue;
      }
      const i = info.ifIndex;
      const oper = instanceOid(OID.ifOperStatus, i);
      const [nameColumn, expectName] =
        info.ifName !== undefined
          ? [OID.ifName, info.ifName]
          : info.ifDescr !== undefined
            ? [OID.ifDescr, info.ifDescr]
            : [undefined, undefined];
      oids.set(name, {
        admin: instanceOid(OID.ifAdminStatus, i),
        oper,
        name: nameColumn ? instanceOid(nameColumn, i) : oper,
        expectName,
        inErrors: instanceOid(OID.ifInErrors, i),
      });
      opticsPorts.push({
        name,
        ifIndex: info.ifIndex,
        lanes: this.#lanes.get(name) ?? UNLISTED_PORT_LANES,
        ...(info.ifName !== undefined ? { ifName: info.ifName } : {}),
        ...(info.ifDescr !== undefined ? { ifDescr: info.ifDescr } : {}),
      });
    }
    const opticsGeneration = this.#opticsGeneration;
    this.#discoveredAt = this.#clock();
    const discovery =
      opticsPorts.length > 0 ? await this.#adapter.discover(this.#session, opticsPorts) : undefined;
    for (const note of discovery?.notes ?? [])
      this.#log.info({ device: this.#device.id, adapter: this.#adapter.id }, note);
    if (discovery && this.#adapter.readsOptics) await this.#modules.note(opticsPorts, discovery.bindings);
    const bound: Bound = {
      generation,
      optics: opticsGeneration,
      ports: opticsPorts,
      oids,
      bindings: discovery?.bindings,
      missing,
    };
    this.#bound.set(portsKey, bound);
    return bound;
  }

  /**
   * The port's lanes, from the optics values of this poll. Light levels of a settled port read the
   * same poll after poll, so values equal to the last poll's give the last poll's (read-only)
   * lanes again: no decode, and no lane objects or Rx/Tx arrays built per port per poll.
   */
  #lanesOf(s: Slot, vbs: readonly (Varbind | undefined)[], readsOptics: boolean): Decoded {
    const binding = s.binding;
    if (!binding) {
      const lanes = readsOptics ? darkLanes(s.lanes) : [];
      return { values: [], lanes, rxDbm: lanes.map((l) => l.rxDbm), txDbm: lanes.map((l) => l.txDbm) };
    }
    const at = s.offset + 3;
    const last = s.decoded;
    if (last && sameValues(last.values, vbs, at)) return last;
    let lanes: LaneReading[];
    try {
      lanes = binding.decode(vbs, at);
    } catch (err) {
      // Not remembered: a value that cannot be decoded is logged on every poll that reads it.
      this.#log.warn(
        { device: this.#device.id, port: s.name, err: errorMessage(err) },
        'optics decode failed; no reading',
      );
      const dark = darkLanes(s.lanes);
      return { values: [], lanes: dark, rxDbm: dark.map((l) => l.rxDbm), txDbm: dark.map((l) => l.txDbm) };
    }
    const rxDbm = new Array<number | null>(lanes.length);
    const txDbm = new Array<number | null>(lanes.length);
    for (let i = 0; i < lanes.length; i++) {
      rxDbm[i] = lanes[i]!.rxDbm;
      txDbm[i] = lanes[i]!.txDbm;
    }
    const values: DecodedValue[] = [];
    for (let i = 0; i < binding.oids.length; i++) {
      const vb = vbs[at + i];
      values.push(vb ? { type: vb.type, value: vb.value } : undefined);
    }
    const decoded = { values, lanes, rxDbm, txDbm };
    s.decoded = decoded;
    return decoded;
  }

  #results(
    plan: Plan,
    vbs: readonly (Varbind | undefined)[],
    at: number,
    restarted: boolean,
  ): PortPollResult[] {
    const device = this.#device.id;
    const out: PortPollResult[] = [];
    const readsOptics = this.#adapter.readsOptics;
    for (const s of plan.slots) {
      const admin = vbs[s.offset];
      const oper = vbs[s.offset + 1];
      const opticsChange = this.#modules.take(s.name);
      if (this.#otherName(s, vbs)) {
        // Still another interface after remapping: do not report its state as this port's.
        this.#stale = true;
        out.push(
          failure(
            device,
            s,
            at,
            opticsChange,
            'no-such-port',
            `device ${device}: ifIndex ${s.ifIndex} is no longer ${s.name}`,
          ),
        );
        continue;
      }
      if (isMissing(admin) && isMissing(oper)) {
        // The ifIndex is gone (module removed, interface deleted, renumbered): map again next poll.
        this.#stale = true;
        out.push(
          failure(
            device,
            s,
            at,
            opticsChange,
            'no-such-port',
            `device ${device}: ifIndex ${s.ifIndex} of ${s.name} no longer answers`,
          ),
        );
        continue;
      }
      // CONTRACT §5: a missing OID says nothing about the link; an `unknown` status would read as
      // admin down, and a missing optics value as no light.
      if (isMissing(admin) || isMissing(oper)) {
        out.push(
          failure(
            device,
            s,
            at,
            opticsChange,
            'no-such-object',
            `device ${device}: ${isMissing(admin) ? 'ifAdminStatus' : 'ifOperStatus'}.${s.ifIndex} of ${s.name} did not answer`,
          ),
        );
        continue;
      }
      if (s.binding) {
        let gone = -1;
        for (let i = 0; i < s.binding.oids.length && gone < 0; i++) {
          if (isMissing(vbs[s.offset + 3 + i])) gone = i;
        }
        if (gone >= 0) {
          // The transceiver's rows went away (pulled, swapped, re-indexed): bind again soon.
          this.#opticsSuspect = true;
          out.push(
            failure(
              device,
              s,
              at,
              opticsChange,
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
      const { lanes, rxDbm, txDbm } = this.#lanesOf(s, vbs, readsOptics);
      // One literal with every field, those not set as undefined: an object given a property
      // after it was made takes a map V8 holds weakly, and as readings live for one poll, each
      // major collection freed those maps and threw away the optimised code of every function a
      // reading passes through (recompiled at once, at a few milliseconds each).
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
        opticPresent: readsOptics ? s.binding !== undefined : undefined,
        at,
        // Read with the binding at discovery; a rediscovery (optics change) makes a new binding.
        moduleThresholds: s.binding?.thresholds,
        module: readsOptics ? this.#modules.identity(s.name) : undefined,
        opticsChange,
        inErrors: s.errorsAt !== undefined ? counter32(vbs[s.errorsAt]) : undefined,
        countersReset: restarted || undefined,
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
