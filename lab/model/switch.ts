// Over 400 lines: SimSwitch is one physics model (ports, light, link, reboot, silence) whose control actions all move the same state.
import { createHash } from 'node:crypto';
import { DEFAULT_THRESHOLDS } from '../../config/defaults.js';
import type { LaneThresholds } from '../../contract/optics.js';
import { type Platform, PORT_TYPE_FACTS, PORT_TYPES, type PortType } from '../../contract/port-types.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { bounds } from '../../drivers/optics/thresholds.js';
import { DARK_DBM, round2 } from '../../drivers/optics/units.js';
import { ErrorCounter } from './error-counter.js';
import { type Impairment, NO_IMPAIRMENT, seededRandom } from './impair.js';
import { type Drift, driftDb, LabClock } from './lab-clock.js';

/** One interface's live state, for `<get>`. */
export interface InterfaceStatus {
  name: string;
  adminUp: boolean;
  operUp: boolean;
  subinterface: boolean;
}

/**
 * One simulated Direct Connection switch: its ports and the physics that ties their light and
 * link to what is committed. How the configuration is held and changed (NETCONF datastores, a CLI
 * running config) is a subclass's business (netconf-switch.ts, cli-switch.ts); the physics here is
 * the same for both. Transports (SSH, SNMP) subscribe to changes and never compute physics
 * themselves.
 *
 * The physics, per port:
 * - admin state follows the committed running configuration (enabled → admin up; `undo
 *   shutdown` / `no shutdown` on a CLI);
 * - Tx light is the port's own laser: present while admin up, dark when shut (most platforms
 *   disable the transmitter on shutdown) and while the switch reboots;
 * - Rx light is the customer's laser coming in over the cross-connect: present whenever the
 *   fibre is patched, whatever our admin state, because the receiver's monitor works with the
 *   laser off. A degrade lowers it; below the DOM floor (−40 dBm) it reads dark;
 * - oper goes up linkUpDelayMs after admin is up and every lane's Rx is above the port type's
 *   loss-of-signal level, and down at once when either stops being true. Between the
 *   sensitivity threshold and LOS the link stays up with Rx out of range, as real optics do.
 */

/**
 * How often (real ms) a drifting port's readings are refreshed for SNMP: at a clock factor of
 * 36000 that is every 15 lab minutes, several readings per lab hour.
 */
const DRIFT_REFRESH_MS = 25;

export interface LabPortSpec {
  name: string;
  portType: PortType;
}

export interface LaneLight {
  lane: number;
  /** null: dark (no light the monitor can measure). */
  rxDbm: number | null;
  txDbm: number | null;
}

/** Nominal launch power and received power after the cross-connect, and loss of signal, in dBm. */
export const OPTICAL_PROFILE: Readonly<Record<PortType, { txDbm: number; rxDbm: number; losDbm: number }>> =
  Object.freeze({
    '1000BASE-LX': { txDbm: -6, rxDbm: -9, losDbm: -25 },
    '10GBASE-LR': { txDbm: -2, rxDbm: -3, losDbm: -20 },
    '100GBASE-LR4': { txDbm: 0.5, rxDbm: -1.5, losDbm: -15 },
  });

/**
 * The alarm and warning bounds a lab transceiver carries in its DOM EEPROM, per lane, in dBm.
 * The alarms are the port type's defaults (CONTRACT §5: receiver sensitivity and overload,
 * minimum and maximum launch), so an agent judging the lab by the module's bounds calls the same
 * ports healthy as one judging it by the defaults; the warnings sit 2 dB inside the low alarm
 * and 1 dB inside the high one, as SFF-8472/CMIS modules of these types commonly ship. The
 * nominal light of OPTICAL_PROFILE sits inside every warning band (closest: 10GBASE-LR Tx, 1.1 dB
 * below its high warning).
 */
export const MODULE_THRESHOLDS: Readonly<Record<PortType, LaneThresholds>> = Object.freeze(
  Object.fromEntries(
    PORT_TYPES.map((t) => {
      const d = DEFAULT_THRESHOLDS[t];
      const dir = ([low, high]: readonly [number, number]) =>
        bounds(low, round2(low + 2), round2(high - 1), high);
      return [t, { rx: dir(d.rx), tx: dir(d.tx) }];
    }),
  ) as Record<PortType, LaneThresholds>,
);

/** A small fixed offset per lane (±0.4 dB), so ports do not all read the same number. */
function laneOffset(key: string): number {
  const h = createHash('sha1').update(key).digest();
  return round2((h.readUInt16BE(0) / 0xffff) * 0.8 - 0.4);
}

/** A plausible, stable serial number per switch, cage and insertion. */
function opticSerial(switchId: string, ifIndex: number, n: number): string {
  return `LAB${createHash('sha1').update(`${switchId}/${ifIndex}/${n}`).digest('hex').slice(0, 9).toUpperCase()}`;
}

export type SwitchChange =
  | { kind: 'port'; port: SimPort }
  | { kind: 'interfaces' }
  | { kind: 'reachability' }
  | { kind: 'renumbered' }
  | { kind: 'running'; why: string };

export class LabActionError extends Error {
  override readonly name = 'LabActionError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** A transceiver in a lab cage. */
export interface LabOptic {
  readonly serial: string;
  /** What its DOM EEPROM says its bounds are; served in each vendor MIB's own unit. */
  readonly thresholds: LaneThresholds;
}

export class SimPort {
  readonly name: string;
  readonly portType: PortType;
  /** Renumbered by a `reboot --renumber`, as some platforms do on boot. */
  ifIndex: number;
  readonly laneCount: number;
  readonly nominalTx: readonly number[];
  readonly nominalRx: readonly number[];
  adminUp = false;
  operUp = false;
  patched: boolean;
  degradeDb = 0;
  /** A slow change of the received light over lab time (`lab ctl drift`); null: none. */
  drift: Drift | null = null;
  driftTimer: NodeJS.Timeout | undefined;
  /** IF-MIB ifInErrors (`lab ctl errors`). */
  readonly inErrors = new ErrorCounter();
  /** sysUpTime (centiseconds) of the last oper change. */
  lastChange = 0;
  description: string | undefined;
  subinterfaces: readonly string[] = [];
  flaps = 0;
  flapsLeft = 0;
  /** True during the dark half of a flap. */
  flapDark = false;
  upTimer: NodeJS.Timeout | undefined;
  flapTimer: NodeJS.Timeout | undefined;
  /** The transceiver in the cage (its serial and its own DOM thresholds), or null for an empty cage. */
  optic: LabOptic | null;
  /** Transceivers inserted here so far, for fresh serials. */
  insertions = 0;

  constructor(switchId: string, spec: LabPortSpec, ifIndex: number, patched: boolean, withOptic = true) {
    this.name = spec.name;
    this.optic = withOptic
      ? { serial: opticSerial(switchId, ifIndex, 0), thresholds: MODULE_THRESHOLDS[spec.portType] }
      : null;
    this.portType = spec.portType;
    this.ifIndex = ifIndex;
    this.laneCount = PORT_TYPE_FACTS[spec.portType].lanes;
    this.patched = patched;
    const p = OPTICAL_PROFILE[spec.portType];
    const tx: number[] = [];
    const rx: number[] = [];
    for (let l = 1; l <= this.laneCount; l++) {
      tx.push(round2(p.txDbm + laneOffset(`${switchId}/${spec.name}/${l}/tx`)));
      rx.push(round2(p.rxDbm + laneOffset(`${switchId}/${spec.name}/${l}/rx`)));
    }
    this.nominalTx = tx;
    this.nominalRx = rx;
  }
}

export interface SwitchOptions {
  id: string;
  optics: OpticsAdapterId;
  ports: readonly LabPortSpec[];
  /** How long a port takes to come up once it can (default 1000 ms). */
  linkUpDelayMs?: number;
  /** The clock drifts run on (default real time). */
  clock?: LabClock;
  /** Start with every customer fibre patched (default false: a new port is dark). */
  patched?: boolean;
  /** Ports whose cage starts empty (no transceiver), as when ports are configured before optics arrive. */
  emptyPorts?: readonly string[];
}

export interface FlapOptions {
  count: number;
  /** Dark time of each flap (default 500 ms). */
  downMs?: number;
  /** Lit time after each flap (default 1000 ms). */
  upMs?: number;
}

/** What the committed configuration says of one physical port, however the switch holds it. */
export interface PortConfig {
  adminUp: boolean;
  description: string | undefined;
  /** `<port>.<n>` sub-interfaces configured under it, in order. */
  subinterfaces: readonly string[];
}

/** What the physics and SNMP need to know of a platform. */
export interface SwitchPlatform {
  readonly name: Platform;
  /** The interface's ifName when it differs from the configured name (IOS: `Te1/0/1`). */
  ifName?(name: string): string;
}

/** How configuration reaches the switch: a NETCONF server or a CLI over SSH. */
export type LabTransport = 'netconf' | 'cli';

/** Management sessions of a switch, for `describe()`. */
export interface SessionStatus {
  sessions: number;
  locks: { running: number | null; candidate: number | null };
  confirmPendingSeconds: number | null;
}

/** First ifIndex handed to sub-interfaces, clear of any physical port. */
const SUBINTERFACE_IFINDEX_BASE = 1000;

/** An out-of-band change to one port, as `lab ctl edit` makes it. */
export type PortEdit = { kind: 'description'; text: string } | { kind: 'shutdown' } | { kind: 'delete' };

export abstract class SimSwitch {
  readonly id: string;
  abstract readonly transport: LabTransport;
  abstract readonly platform: SwitchPlatform;
  readonly optics: OpticsAdapterId;
  readonly ports: readonly SimPort[];
  readonly linkUpDelayMs: number;
  readonly clock: LabClock;
  #bootTime = Date.now();
  #silent = false;
  #rebooting = false;
  #impairment: Impairment = NO_IMPAIRMENT;
  #random = seededRandom(NO_IMPAIRMENT.seed);
  #rebootTimer: NodeJS.Timeout | undefined;
  #snmpHold: { ms: number; left: number } | undefined;
  /** sysUpTime (centiseconds) of the last change to the entity tables: ENTITY-MIB entLastChangeTime. */
  #entityChangedAt = 0;
  #snmpHeld = 0;
  readonly #byName: Map<string, SimPort>;
  readonly #listeners = new Set<(c: SwitchChange) => void>();
  readonly #subIfIndex = new Map<string, number>();
  #nextSubIfIndex = SUBINTERFACE_IFINDEX_BASE + 1;
  #stopped = false;

  /**
   * A subclass builds its configuration store after this and then calls `followConfig` once, so
   * the ports start as that store says.
   */
  constructor(o: SwitchOptions) {
    this.id = o.id;
    this.optics = o.optics;
    this.linkUpDelayMs = o.linkUpDelayMs ?? 1000;
    this.clock = o.clock ?? new LabClock();
    const empty = new Set(o.emptyPorts ?? []);
    this.ports = o.ports.map(
      (spec, i) => new SimPort(o.id, spec, i + 1, o.patched ?? false, !empty.has(spec.name)),
    );
    this.#byName = new Map(this.ports.map((p) => [p.name, p]));
    if (this.#byName.size !== this.ports.length) throw new Error(`switch ${o.id} has duplicate port names`);
  }

  // ---- what a subclass provides ------------------------------------------------------------

  /**
   * A reboot, seen by the configuration: sessions' uncommitted work is lost; with
   * `loseLastCommit` the last commit is lost too (the switch rebooted before it was saved).
   */
  protected abstract rebootConfig(loseLastCommit: boolean): void;
  /** An out-of-band change to one port, in running and in what survives a reboot. */
  protected abstract editPortConfig(port: SimPort, edit: PortEdit): void;
  /** Writes `<port>.<vlan>` into running (or removes it) as another operator would. */
  protected abstract changeSubinterface(port: string, vlan: number, add: boolean): void;
  protected abstract stopConfig(): void;
  protected abstract sessionStatus(): SessionStatus;

  /** sysName: the device's hostname. */
  get sysName(): string {
    return this.id;
  }

  /** ifName of an interface, as the platform's SNMP agent spells it (ifDescr is the full name). */
  ifName(name: string): string {
    return this.platform.ifName?.(name) ?? name;
  }

  hasPort(name: string): boolean {
    return this.#byName.has(name);
  }

  onChange(listener: (c: SwitchChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(c: SwitchChange): void {
    for (const l of this.#listeners) l(c);
  }

  /** sysUpTime in centiseconds. */
  uptimeTicks(now = Date.now()): number {
    return Math.floor((now - this.#bootTime) / 10);
  }

  /** False while silent or rebooting: SNMP and SSH give no answer at all. */
  get reachable(): boolean {
    return !this.#silent && !this.#rebooting;
  }

  get silent(): boolean {
    return this.#silent;
  }

  get rebooting(): boolean {
    return this.#rebooting;
  }

  port(name: string): SimPort {
    const p = this.#byName.get(name);
    if (!p) throw new LabActionError(`switch ${this.id} has no port ${name}`, 404);
    return p;
  }

  #portsOf(name: string | undefined): readonly SimPort[] {
    return name === undefined ? this.ports : [this.port(name)];
  }

  /** entLastChangeTime in centiseconds of sysUpTime. */
  get entityChangedAt(): number {
    return this.#entityChangedAt;
  }

  /** Light per lane as the transceiver's monitor reads it right now (all null with no transceiver). */
  light(p: SimPort): LaneLight[] {
    const out: LaneLight[] = [];
    const laserOn = p.optic !== null && p.adminUp && !this.#rebooting;
    const lit = p.optic !== null && p.patched && !p.flapDark;
    // One drift reading for every lane of this read: the lanes share the fibre that is ageing.
    const drifted = p.drift ? driftDb(p.drift, this.clock.now()) : 0;
    for (let i = 0; i < p.laneCount; i++) {
      const rx = lit ? round2(p.nominalRx[i]! - p.degradeDb + drifted) : null;
      out.push({
        lane: i + 1,
        rxDbm: rx !== null && rx > DARK_DBM ? rx : null,
        txDbm: laserOn ? p.nominalTx[i]! : null,
      });
    }
    return out;
  }

  #signalOk(p: SimPort): boolean {
    const los = OPTICAL_PROFILE[p.portType].losDbm;
    return this.light(p).every((l) => l.rxDbm !== null && l.rxDbm >= los);
  }

  /** Recomputes oper state after anything that feeds it changed; `now` skips the link-up delay. */
  #evaluate(p: SimPort, now = false): void {
    const ready = p.adminUp && !this.#rebooting && this.#signalOk(p);
    if (!ready) {
      if (p.upTimer) clearTimeout(p.upTimer);
      p.upTimer = undefined;
      if (p.operUp) {
        p.operUp = false;
        p.lastChange = this.uptimeTicks();
      }
    } else if (!p.operUp) {
      if (now || this.linkUpDelayMs === 0) {
        if (p.upTimer) clearTimeout(p.upTimer);
        p.upTimer = undefined;
        p.operUp = true;
        p.lastChange = this.uptimeTicks();
      } else if (!p.upTimer) {
        p.upTimer = setTimeout(() => {
          p.upTimer = undefined;
          this.#evaluate(p, true);
        }, this.linkUpDelayMs);
      }
    }
    this.#emit({ kind: 'port', port: p });
  }

  /** Takes the ports' admin state, description and sub-interfaces from committed configuration. */
  protected followConfig(read: (port: string) => PortConfig, why: string): void {
    let interfacesChanged = false;
    for (const p of this.ports) {
      const st = read(p.name);
      const adminUp = st.adminUp;
      const subs = st.subinterfaces;
      if (subs.join('\n') !== p.subinterfaces.join('\n')) {
        p.subinterfaces = [...subs];
        for (const s of subs) if (!this.#subIfIndex.has(s)) this.#subIfIndex.set(s, this.#nextSubIfIndex++);
        interfacesChanged = true;
      }
      const descriptionChanged = p.description !== st.description;
      p.description = st.description;
      if (adminUp !== p.adminUp) {
        p.adminUp = adminUp;
        this.#evaluate(p);
      } else if (descriptionChanged) this.#emit({ kind: 'port', port: p });
    }
    if (interfacesChanged) this.#emit({ kind: 'interfaces' });
    this.#emit({ kind: 'running', why });
  }

  /** Sub-interfaces with their ifIndex, in ifIndex order. */
  subinterfaceIndexes(): { name: string; ifIndex: number; parent: SimPort }[] {
    const out: { name: string; ifIndex: number; parent: SimPort }[] = [];
    for (const p of this.ports) {
      for (const s of p.subinterfaces) out.push({ name: s, ifIndex: this.#subIfIndex.get(s)!, parent: p });
    }
    return out.sort((a, b) => a.ifIndex - b.ifIndex);
  }

  interfaces(): InterfaceStatus[] {
    const out: InterfaceStatus[] = this.ports.map((p) => ({
      name: p.name,
      adminUp: p.adminUp,
      operUp: p.operUp,
      subinterface: false,
    }));
    for (const s of this.subinterfaceIndexes()) {
      out.push({ name: s.name, adminUp: s.parent.adminUp, operUp: s.parent.operUp, subinterface: true });
    }
    return out;
  }

  // ---- control actions -------------------------------------------------------------------

  patch(port?: string): void {
    for (const p of this.#portsOf(port)) {
      p.patched = true;
      this.#evaluate(p);
    }
  }

  cut(port?: string): void {
    for (const p of this.#portsOf(port)) {
      p.patched = false;
      this.#evaluate(p);
    }
  }

  /** Lowers Rx by `db` from nominal (0 restores it), as a dirty connector or a long patch would. */
  degrade(port: string | undefined, db: number): void {
    if (!Number.isFinite(db) || db < 0 || db > 60) throw new LabActionError('degrade takes 0..60 dB');
    for (const p of this.#portsOf(port)) {
      p.degradeDb = db;
      this.#evaluate(p);
    }
  }

  /** CRC errors on `port`'s receive side at `rate` a second (0 stops them); `count` sets ifInErrors first. */
  errors(port: string, rate: number, count?: number): void {
    if (!Number.isFinite(rate) || rate < 0 || rate > 1e9)
      throw new LabActionError('errors takes 0..1e9 a second');
    if (count !== undefined && !(Number.isInteger(count) && count >= 0 && count < 2 ** 32))
      throw new LabActionError('errors --count takes a Counter32 value, 0..4294967295');
    this.port(port).inErrors.set(rate, count);
  }

  /**
   * Starts the received light of `port` drifting by `dbPerHour` of lab time (negative: darker)
   * from where it is now, with ±`noiseDb` of seeded noise on each reading; 0 and 0 stops it. The
   * link state is not re-judged as the light moves (only the readings change): an agent judges
   * the readings, and a drift into loss of signal is a test of its own with `degrade`.
   */
  drift(port: string, dbPerHour: number, noiseDb = 0, seed = 1): void {
    if (!Number.isFinite(dbPerHour) || Math.abs(dbPerHour) > 60)
      throw new LabActionError('drift takes -60..60 dB per hour');
    if (!Number.isFinite(noiseDb) || noiseDb < 0 || noiseDb > 10)
      throw new LabActionError('drift noise takes 0..10 dB');
    const p = this.port(port);
    const now = this.clock.now();
    // Continue from the light as it is: the drift so far becomes part of the degrade.
    if (p.drift) p.degradeDb -= (p.drift.dbPerHour * (now - p.drift.since)) / 3_600_000;
    p.drift =
      dbPerHour === 0 && noiseDb === 0
        ? null
        : { dbPerHour, noiseDb, since: now, random: seededRandom(seed) };
    clearInterval(p.driftTimer);
    p.driftTimer = undefined;
    // The SNMP agent serves rows rebuilt on a change: a drifting light is a change every tick.
    if (p.drift) p.driftTimer = setInterval(() => this.#emit({ kind: 'port', port: p }), DRIFT_REFRESH_MS);
  }

  /**
   * Interrupts the light `count` times. The link drops with the light and, this being a
   * momentary interruption rather than a new link, returns as soon as the light does.
   */
  flap(port: string, o: FlapOptions): void {
    const p = this.port(port);
    if (!Number.isInteger(o.count) || o.count < 1 || o.count > 1000)
      throw new LabActionError('flap count must be 1..1000');
    const downMs = o.downMs ?? 500;
    const upMs = o.upMs ?? 1000;
    if (p.flapTimer) clearTimeout(p.flapTimer);
    p.flapsLeft = o.count;
    const darken = (): void => {
      if (this.#stopped) return;
      p.flapDark = true;
      p.flaps++;
      p.flapsLeft--;
      this.#evaluate(p);
      p.flapTimer = setTimeout(relight, downMs);
    };
    const relight = (): void => {
      p.flapDark = false;
      this.#evaluate(p, true);
      p.flapTimer = p.flapsLeft > 0 ? setTimeout(darken, upMs) : undefined;
    };
    darken();
  }

  /**
   * The next `count` SNMP requests are answered only after `ms`, with the values of that moment:
   * an agent that stalls mid-round (a busy control plane), so a test can freeze a poller while
   * its request is in flight.
   */
  holdSnmp(ms: number, count = 1): void {
    if (!Number.isInteger(ms) || ms < 1 || ms > 600_000) throw new LabActionError('hold takes 1..600000 ms');
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw new LabActionError('hold count must be 1..1000');
    this.#snmpHold = { ms, left: count };
  }

  /** For the SNMP responder, once per request: how long to hold this one (0: answer now). */
  takeSnmpHold(): number {
    const h = this.#snmpHold;
    if (!h) return 0;
    if (--h.left <= 0) this.#snmpHold = undefined;
    this.#snmpHeld++;
    return h.ms;
  }

  /** SNMP requests held so far (a test waits on it to know a poll is in flight). */
  get snmpHeld(): number {
    return this.#snmpHeld;
  }

  /** Pulls the transceiver out of the cage: the port goes dark and down, its optics rows vanish. */
  removeOptic(port: string): void {
    const p = this.port(port);
    if (!p.optic) throw new LabActionError(`${this.id} ${port} has no transceiver`, 409);
    p.optic = null;
    this.#entityChangedAt = this.uptimeTicks();
    this.#evaluate(p);
  }

  /**
   * Puts a transceiver in an empty cage: a new serial unless one is given, and the port type's
   * usual bounds unless the test gives the module its own (a null bound is one it leaves unset).
   */
  insertOptic(port: string, serial?: string, thresholds?: LaneThresholds): void {
    const p = this.port(port);
    if (p.optic)
      throw new LabActionError(`${this.id} ${port} already holds transceiver ${p.optic.serial}`, 409);
    if (serial !== undefined && !/^[A-Za-z0-9._-]{1,32}$/.test(serial))
      throw new LabActionError('serial: 1..32 letters, digits, ".", "_" or "-"');
    p.insertions++;
    p.optic = {
      serial: serial ?? opticSerial(this.id, p.ifIndex, p.insertions),
      thresholds: thresholds ?? MODULE_THRESHOLDS[p.portType],
    };
    this.#entityChangedAt = this.uptimeTicks();
    this.#evaluate(p);
  }

  /** A bad management network from here on (lab/impair.ts); omitted fields are cleared. */
  impair(i: Partial<Impairment>): void {
    this.#impairment = Object.freeze({ ...NO_IMPAIRMENT, ...i });
    // Re-seeded on every change, so the same sequence of actions drops the same requests.
    this.#random = seededRandom(this.#impairment.seed);
  }

  get impairment(): Impairment {
    return this.#impairment;
  }

  /** Whether the network loses this SNMP request (one draw per request). */
  snmpRequestLost(): boolean {
    return this.#impairment.snmpLoss > 0 && this.#random() < this.#impairment.snmpLoss;
  }

  silence(): void {
    this.#silent = true;
    this.#emit({ kind: 'reachability' });
  }

  wake(): void {
    this.#silent = false;
    this.#emit({ kind: 'reachability' });
  }

  /**
   * Drops every session, loses what sessions had not committed (NETCONF: the candidate and any
   * unconfirmed commit; CLI: running goes back to the saved configuration), takes every link down
   * for `downMs`, and comes back with sysUpTime restarting from zero.
   */
  reboot(downMs = 2000, options: { renumber?: boolean; loseConfig?: boolean } = {}): Promise<void> {
    if (this.#rebooting) throw new LabActionError(`switch ${this.id} is already rebooting`, 409);
    this.#rebooting = true;
    this.#emit({ kind: 'reachability' });
    this.rebootConfig(options.loseConfig === true);
    for (const p of this.ports) {
      if (p.flapTimer) clearTimeout(p.flapTimer);
      p.flapTimer = undefined;
      p.flapDark = false;
      p.flapsLeft = 0;
      this.#evaluate(p);
    }
    return new Promise<void>((resolve) => {
      this.#rebootTimer = setTimeout(() => {
        this.#rebootTimer = undefined;
        this.#rebooting = false;
        this.#bootTime = Date.now();
        this.#entityChangedAt = 0;
        if (options.renumber) {
          // Reversed: every ifIndex now belongs to another port (with two ports, a swap).
          const n = this.ports.length;
          this.ports.forEach((p, i) => {
            p.ifIndex = n - i;
          });
          this.#emit({ kind: 'renumbered' });
        }
        for (const p of this.ports) {
          p.lastChange = 0;
          p.inErrors.reset();
          this.#evaluate(p);
        }
        this.#emit({ kind: 'reachability' });
        resolve();
      }, downMs);
    });
  }

  /**
   * What an engineer on the switch does outside the agent (docs/lab.md "Out-of-band changes"):
   * set the description, shut the port, or delete its configuration. It lands in running at
   * once, and is saved, so the agent's next read sees it and a reboot keeps it.
   */
  editPort(port: string, edit: PortEdit): void {
    this.editPortConfig(this.port(port), edit);
  }

  addSubinterface(port: string, vlan: number): void {
    this.#checkVlan(vlan);
    const p = this.port(port);
    if (p.subinterfaces.includes(`${port}.${vlan}`))
      throw new LabActionError(`${port}.${vlan} already exists`, 409);
    this.changeSubinterface(port, vlan, true);
  }

  removeSubinterface(port: string, vlan: number): void {
    this.#checkVlan(vlan);
    const p = this.port(port);
    if (!p.subinterfaces.includes(`${port}.${vlan}`))
      throw new LabActionError(`${port}.${vlan} does not exist`, 404);
    this.changeSubinterface(port, vlan, false);
  }

  #checkVlan(vlan: number): void {
    if (!Number.isInteger(vlan) || vlan < 1 || vlan > 4094) throw new LabActionError('vlan must be 1..4094');
  }

  stop(): void {
    this.#stopped = true;
    this.stopConfig();
    if (this.#rebootTimer) clearTimeout(this.#rebootTimer);
    for (const p of this.ports) {
      if (p.upTimer) clearTimeout(p.upTimer);
      if (p.flapTimer) clearTimeout(p.flapTimer);
      clearInterval(p.driftTimer);
      p.driftTimer = undefined;
      p.upTimer = undefined;
      p.flapTimer = undefined;
    }
    this.#listeners.clear();
  }

  /** A JSON picture of the switch for the control API and `lab ctl status`. */
  describe(): SwitchStatus {
    return {
      id: this.id,
      platform: this.platform.name,
      transport: this.transport,
      optics: this.optics,
      uptimeSeconds: Math.floor(this.uptimeTicks() / 100),
      silent: this.#silent,
      rebooting: this.#rebooting,
      impairment: this.#impairment,
      ...this.sessionStatus(),
      ports: this.ports.map((p) => ({
        name: p.name,
        portType: p.portType,
        ifIndex: p.ifIndex,
        adminStatus: p.adminUp ? 'up' : 'down',
        operStatus: p.operUp ? 'up' : 'down',
        patched: p.patched,
        optic: p.optic ? { serial: p.optic.serial, thresholds: p.optic.thresholds } : null,
        degradeDb: p.degradeDb,
        flaps: p.flaps,
        description: p.description ?? null,
        subinterfaces: [...p.subinterfaces],
        lanes: this.light(p),
      })),
    };
  }
}

export interface SwitchStatus extends SessionStatus {
  id: string;
  platform: string;
  transport: LabTransport;
  optics: string;
  uptimeSeconds: number;
  silent: boolean;
  rebooting: boolean;
  impairment: Impairment;
  ports: {
    name: string;
    portType: PortType;
    ifIndex: number;
    adminStatus: 'up' | 'down';
    operStatus: 'up' | 'down';
    patched: boolean;
    optic: LabOptic | null;
    degradeDb: number;
    flaps: number;
    description: string | null;
    subinterfaces: string[];
    lanes: LaneLight[];
  }[];
}
