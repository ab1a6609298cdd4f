// Over 400 lines: one class, the poll loop (leases, fixed-rate schedule, tracker steps, inventory swap), kept whole so its timers read together.
import type { AgentConfig, PortConfig } from '../config/load.js';
import { findDevice, findPort } from '../config/load.js';
import { leaseRenewMs } from '../config/timing.js';
import type { EventType } from '../contract/events.js';
import type { LaneThresholds } from '../contract/optics.js';
import { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import { Semaphore } from '../core/semaphore.js';
import type { PollOptions, PortPollResult } from '../drivers/snmp/poll-result.js';
import type { ConnectionWatch, WatchedPort } from '../jobs/ports.js';
import type { ConnectionRecord, ConnectionStore } from './connections.js';
import type { EventOutbox } from './events/outbox.js';
import { type ErrorCounterRecord, nextErrorCounter, parseErrorCounter } from './health/error-counter.js';
import { type ResolvedThresholds, resolveThresholds, sameLaneThresholds } from './health/lane-state.js';
import { errorCountedPorts } from './health/qualification.js';
import {
  initialState,
  lastPollOf,
  observedState,
  type PortTrackState,
  portTrackStateSchema,
  type TrackerConfig,
} from './health/track-state.js';
import { step } from './health/tracker.js';
import { type Metrics, thresholdLaneBounds } from './metrics.js';
import type { HourAggregator } from './optics-history.js';
import type { OpticsWatch } from './optics-watch.js';
import { PollFailureLog } from './poll-failure-log.js';
import type { PollLeases } from './poll-leases.js';
import { PollSchedule } from './poll-schedule.js';
import type { ConnectionSeries } from './port-series.js';
import type { PollNowResult } from './traps/hints.js';

/**
 * A monitoring event's id: the same transition of the same tracked connection (its record's
 * `since` tells a re-provisioned one from the earlier one), seen twice (two replicas, a
 * redelivery), has the same id, so the outbox writes it once and consumers can deduplicate.
 */
export function monitoringEventId(record: ConnectionRecord, ver: number, type: string): string {
  return `mon:${record.connectionId}:${Date.parse(record.since)}:${ver}:${type}`;
}

/** The slice of SnmpPoller the monitor uses. */
export interface PortPoller {
  poll(deviceId: string, ports?: readonly string[], options?: PollOptions): Promise<PortPollResult[]>;
}

export interface MonitorDeps {
  cfg: AgentConfig;
  poller: PortPoller;
  store: ConnectionStore;
  leases: PollLeases;
  events: Pick<EventOutbox, 'publish' | 'depth'>;
  logger: Logger;
  metrics?: Metrics;
  clock?: () => number;
  /**
   * A held device's polls work again after an outage of at least `downPolls` failed polls (the
   * one `monitoring.degraded` reports): it may have changed while unreachable. Once per recovery.
   */
  onRecovered?(device: string, outageSince: number): void;
  /** Baseline, hourly history and Rx trend (issue 15 §3); absent, none are kept. */
  optics?: Pick<OpticsWatch, 'hourOf' | 'observe' | 'forget' | 'baselineDbm'>;
}

interface Tracked {
  record: ConnectionRecord;
  state: PortTrackState;
  port: PortConfig;
  /** The state in memory is newer than Redis's (a save failed or had to wait): the next poll saves it. */
  unsaved?: boolean;
  /** The port's input error counter as last written to Redis. */
  errors?: ErrorCounterRecord;
  /** A device restart was seen since the counter was last read. */
  errorsReset?: boolean;
  /** The connection's series and its port's (metrics.ports); undefined once they are removed. */
  series?: ConnectionSeries;
  /** The judged bounds the row's threshold series were last built from. */
  seriesBounds?: Tracked['judged'];
  /**
   * The bounds this port is judged by, resolved from its module's thresholds (kept from the last
   * reading that had them) and its configured ones; rebuilt only when either changes.
   */
  judged?: {
    /** Moved on to an equal module's object, so the next poll's compare is by identity again. */
    module: LaneThresholds | undefined;
    readonly port: PortConfig;
    readonly resolved: ResolvedThresholds;
    /** What the trend forecast is judged against, built once. */
    readonly trend: { readonly thresholds: ResolvedThresholds['alarm'] };
  };
  /** The connection's hour of optics history in memory (OpticsWatch.hourOf), kept to skip a lookup per poll. */
  hour?: HourAggregator;
  /** When the current unhealthy streak began (the first poll that saw the port go bad), for dcagent_detection_seconds. */
  unhealthySince?: number;
}

/**
 * A tracked connection with every field present from the start. Fields given later (the series at
 * the first poll, the error record at the first counter sweep) would each move the object to
 * another map, in an order that differs between connections; the per-port code of every poll
 * would then meet several maps where it could meet one.
 */
function trackedEntry(
  record: ConnectionRecord,
  state: PortTrackState,
  port: PortConfig,
  errors: ErrorCounterRecord | undefined,
): Tracked {
  return {
    record,
    state,
    port,
    unsaved: false,
    errors,
    errorsReset: undefined,
    series: undefined,
    seriesBounds: undefined,
    judged: undefined,
    unhealthySince: undefined,
    hour: undefined,
  };
}

/** Which path's poll published a change: trap-led polls are timed by agent/traps/ from the trap. */
type PollSource = 'poll' | 'trap';

/** A device's tracked connections and their distinct ports (the poll's port list), rebuilt when `tracked` changes. */
interface DeviceConns {
  readonly conns: Tracked[];
  readonly ports: readonly string[];
}
const NO_CONNS: DeviceConns = { conns: [], ports: [] };

/**
 * Polls every tracked connection's port and turns poll results into lifecycle events
 * (CONTRACT §5). Implements the jobs' ConnectionWatch, so provisioning starts the watch and
 * deprovisioning ends it.
 *
 * Work is shared with other replicas through poll leases; state is written to Redis whenever a
 * poll changes it (and only then), so whichever replica polls next (or this one after a restart) continues the same streaks and
 * never repeats `construction.completed`. While Redis is away the monitor keeps polling the
 * devices it holds, from memory, and its events wait in the outbox spill.
 */
export class Monitor implements ConnectionWatch {
  private readonly tracked = new Map<string, Tracked>();
  /** `tracked` by device, rebuilt after it changes: each poll looks its device up in it. */
  private byDevice: Map<string, DeviceConns> | undefined;
  /** Devices this replica holds the poll lease of: their in-memory state is the newest. */
  private held: ReadonlySet<string> = new Set();
  /** The tracked-set version last loaded; undefined forces a load. */
  private seenVersion: string | null | undefined;
  private readonly schedule: PollSchedule;
  private readonly devicesInFlight: Semaphore;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per device, the tail of its polls (regular turns and trap polls): they never overlap. */
  private readonly devicePolls = new Map<string, Promise<unknown>>();
  private readonly failureLog: PollFailureLog;
  private leaseTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private leaseRound: Promise<void> | undefined;
  private stopped = false;
  private readonly trackerCfg: TrackerConfig;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  /** The inventory ports are looked up in; a config reload replaces it (setInventory). */
  private inventory: AgentConfig;

  /** Redis faults repeat every round; one line a minute per kind is enough (CONTRACT §2). */
  private readonly logLimit: LogLimiter;

  constructor(private readonly deps: MonitorDeps) {
    this.logLimit = new LogLimiter(deps.logger);
    this.inventory = deps.cfg;
    this.trackerCfg = deps.cfg.monitoring;
    this.clock = deps.clock ?? Date.now;
    this.intervalMs = deps.cfg.monitoring.intervalSeconds * 1000;
    this.schedule = new PollSchedule(this.intervalMs);
    this.devicesInFlight = new Semaphore(deps.cfg.monitoring.maxDevicesInFlight);
    this.failureLog = new PollFailureLog(deps.logger, Math.max(60_000, 6 * this.intervalMs));
  }

  /**
   * Starts two independent loops: leases are claimed and renewed every half interval on their
   * own timer (a slow poll can never make a lease lapse), and each held device is polled on a
   * fixed-rate grid (agent/poll-schedule.ts).
   */
  start(): void {
    const every = leaseRenewMs(this.intervalMs);
    const loop = () => {
      if (this.stopped) return;
      this.leaseRound = this.claimRound()
        .catch((err) => {
          this.logLimit.log('error', 'round', { err: (err as Error).message }, 'monitor lease round failed');
        })
        .finally(() => {
          this.leaseRound = undefined;
          if (!this.stopped) {
            this.leaseTimer = setTimeout(loop, every);
            this.wake();
          }
        });
    };
    loop();
  }

  /** Devices this replica holds the poll lease of (the periodic audit's share too). */
  heldDevices(): ReadonlySet<string> {
    return this.held;
  }

  /** Devices with a tracked connection, whichever replica polls them. */
  trackedDevices(): ReadonlySet<string> {
    return new Set([...this.tracked.values()].map((t) => t.record.device));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.leaseTimer);
    clearTimeout(this.pollTimer);
    await this.leaseRound;
    await Promise.all([...this.inFlight]);
    await this.deps.leases.releaseAll();
  }

  /** Refreshes the tracked set when it changed, and claims and renews leases. */
  async claimRound(): Promise<void> {
    // The whole set is read only when it changed (a provision or deprovision anywhere), not every
    // round: with thousands of connections that read would dominate the monitor's Redis traffic.
    const version = await this.deps.store.version().catch(() => undefined);
    if (version !== undefined && version !== this.seenVersion && (await this.refresh())) {
      this.seenVersion = version;
    }
    const devices = [...this.deviceIndex().keys()];
    const mine = await this.deps.leases.claim(devices, this.clock());
    // A device still being polled keeps its in-memory state: reloading it under the running
    // poll would let that poll's result land on a state it was not computed from.
    const newlyHeld = [...mine].filter((d) => !this.held.has(d) && !this.schedule.busy(d));
    if (newlyHeld.length > 0) await this.refresh(new Set(newlyHeld));
    // Another replica polls these now and exports their series; ours would only go stale.
    for (const d of this.held) {
      if (mine.has(d)) continue;
      for (const t of this.tracked.values()) if (t.record.device === d) this.forgetMetrics(t);
    }
    for (const d of this.held) {
      if (mine.has(d)) continue;
      this.failureLog.forget(d);
      // Held again later, its first poll reads the counters afresh (from the record reloaded then).
      this.sinceErrorSweep.delete(d);
    }
    this.held = new Set(mine);
  }

  /** Starts the polls whose turn it is, counts skipped turns, and sleeps until the next turn. */
  private wake(): void {
    if (this.stopped) return;
    clearTimeout(this.pollTimer);
    const { start, overruns } = this.schedule.take(this.pollable(), this.clock());
    for (const [device, n] of overruns) {
      this.deps.metrics?.pollOverruns.inc({ device }, n);
      this.deps.logger.debug({ device, skipped: n }, 'poll still running at its next turn; turn skipped');
    }
    // The round's length says how much of the interval the fleet's polling takes (cycle time).
    const round = { t0: performance.now(), left: start.length };
    for (const device of start) {
      // A bounded pool: hundreds of polls started at once each hold a half-done poll for most of
      // the round, which doubles peak memory for no gain in round time.
      const p: Promise<void> = this.devicesInFlight
        .run(() => this.serial(device, () => this.pollDevice(device)))
        .catch((err) => this.deps.logger.error({ device, err: (err as Error).message }, 'device poll failed'))
        .finally(() => {
          this.schedule.done(device);
          this.inFlight.delete(p);
          if (--round.left === 0) this.deps.metrics?.pollRound.observe((performance.now() - round.t0) / 1000);
        });
      this.inFlight.add(p);
    }
    const next = this.schedule.nextTurn();
    if (next !== undefined) {
      this.pollTimer = setTimeout(() => this.wake(), Math.max(1, next - this.clock()));
    }
  }

  /** The held devices with tracked ports, in one array kept until either set changes. */
  private pollableList:
    | { held: ReadonlySet<string>; index: Map<string, DeviceConns>; list: string[] }
    | undefined;

  /**
   * The devices to poll, by device and not by connection. The monitor wakes several times an
   * interval (poll-schedule.ts), and the list, built anew at each wake, was a tenth of what the
   * agent allocated.
   */
  private pollable(): readonly string[] {
    const index = this.deviceIndex();
    const kept = this.pollableList;
    if (kept && kept.held === this.held && kept.index === index) return kept.list;
    const list: string[] = [];
    for (const device of index.keys()) if (this.held.has(device)) list.push(device);
    this.pollableList = { held: this.held, index, list };
    return list;
  }

  /**
   * A trap's hint (agent/traps/): polls the tracked ports of a device this replica holds now,
   * outside its grid, after any poll of it under way. Undefined when the device is not held here.
   */
  async pollNow(deviceId: string): Promise<PollNowResult | undefined> {
    if (this.stopped || !this.held.has(deviceId)) return undefined;
    const conns = () => [...this.tracked.values()].filter((t) => t.record.device === deviceId);
    // Ahead of queued polls (a start-up round queues every device): behind them it would wait for them all.
    return this.devicesInFlight.run(
      () =>
        this.serial(deviceId, async () => {
          // Availability as reported before the poll; a port under construction has none yet.
          const before = new Map(
            conns().map((c) => [
              c.record.connectionId,
              c.state.underConstruction ? undefined : c.state.reported,
            ]),
          );
          await this.pollDevice(deviceId, 'trap');
          const after = conns();
          const changed = after.filter((c) => {
            const was = before.get(c.record.connectionId);
            return was !== undefined && was !== c.state.reported;
          }).length;
          return { states: after.map((c) => c.state), changed };
        }),
      { first: true },
    );
  }

  /** Runs `fn` after the device's previous poll: two results must never land on one state. */
  private serial<T>(device: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.devicePolls.get(device) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.devicePolls.set(device, tail);
    void tail.then(() => {
      if (this.devicePolls.get(device) === tail) this.devicePolls.delete(device);
    });
    return run;
  }

  /**
   * Loads tracked connections from Redis. For devices this replica keeps polling, the in-memory
   * state is the newest; for any other (or the `force` set, just taken over) the stored one is.
   */
  /** False when nothing could be loaded (Redis away, or events still waiting in the spill). */
  private async refresh(force?: ReadonlySet<string>): Promise<boolean> {
    // Spilled events carry the tracker state they produced (written with them); until they are
    // in Redis, its stored state is older than what consumers will see, so it is not loaded.
    if (this.deps.events.depth() > 0) return false;
    let rows: Awaited<ReturnType<ConnectionStore['list']>>;
    try {
      rows = await this.deps.store.list();
    } catch (err) {
      this.logLimit.warn(
        'list',
        { err: (err as Error).message },
        'monitor: cannot list connections; using the last known set',
      );
      return false;
    }
    const seen = new Set<string>();
    const gone: typeof rows = [];
    for (const row of rows) {
      const { record, tracker } = row;
      seen.add(record.connectionId);
      const mineNow = this.held.has(record.device) && !force?.has(record.device);
      const existing = this.tracked.get(record.connectionId);
      if (existing && mineNow) continue;
      const port = this.portConfig(record);
      if (!port) {
        gone.push(row);
        continue;
      }
      const stored = portTrackStateSchema.safeParse(tracker);
      const state = stored.success
        ? stored.data
        : initialState(record.device, record.port, { underConstruction: true });
      const errors = parseErrorCounter(row.errors);
      this.tracked.set(record.connectionId, trackedEntry(record, state, port, errors));
      this.byDevice = undefined;
    }
    for (const [id, t] of [...this.tracked]) {
      if (seen.has(id)) continue;
      this.tracked.delete(id);
      this.byDevice = undefined;
      this.forgetMetrics(t);
    }
    for (const row of gone) await this.notInInventory(row.record, row.tracker);
    return true;
  }

  /**
   * A config reload: ports are looked up in `cfg` from now on. Connections whose port left the
   * inventory stop being polled at once; the next lease round reloads the tracked set, which
   * reports them (notInInventory) and picks up ports that came back.
   */
  setInventory(cfg: AgentConfig): void {
    this.inventory = cfg;
    this.seenVersion = undefined;
    for (const [id, t] of [...this.tracked]) {
      const device = findDevice(cfg, t.record.device);
      const port = device && findPort(device, t.record.port);
      if (port) {
        // Its thresholds may have changed with the file: the next poll judges it anew.
        t.port = port;
        continue;
      }
      this.tracked.delete(id);
      this.byDevice = undefined;
      this.forgetMetrics(t);
    }
  }

  /**
   * `monitoring.degraded` with reason `not-in-inventory`, once per connection: the degraded
   * reason is stored with the tracker state, so later rounds (and other replicas, whose write is
   * refused as stale) do not repeat it. A port that comes back recovers through the tracker.
   */
  private async notInInventory(record: ConnectionRecord, tracker: unknown): Promise<void> {
    const stored = portTrackStateSchema.safeParse(tracker);
    const base = stored.success
      ? stored.data
      : initialState(record.device, record.port, { underConstruction: true });
    if (base.degraded?.reason === 'not-in-inventory') return;
    const now = this.clock();
    const state: PortTrackState = {
      ...base,
      ver: base.ver + 1,
      degraded: { reason: 'not-in-inventory', since: now },
      recoverStreak: 0,
      monitoringDamping: { ...base.monitoringDamping, reportedDegraded: true },
    };
    const { connectionId, device, port } = record;
    try {
      const res = await this.deps.events.publish({
        type: 'monitoring.degraded',
        subject: connectionId,
        id: monitoringEventId(record, state.ver, 'monitoring.degraded'),
        data: { device, port, reason: 'not-in-inventory', since: new Date(now).toISOString() },
        state: this.deps.store.trackerWrite(connectionId, state, base.ver, true),
      });
      if (!res.stale)
        this.deps.logger.info({ connectionId, device, port }, 'port left the inventory: degraded');
    } catch (err) {
      // Tried again at the next refresh: the stored state still lacks the reason.
      this.logLimit.warn(
        'not-in-inventory',
        { err: (err as Error).message },
        'monitor: cannot report a removed port',
      );
    }
  }

  private portConfig(record: ConnectionRecord): PortConfig | undefined {
    const device = findDevice(this.inventory, record.device);
    const port = device && findPort(device, record.port);
    if (!port) {
      this.deps.logger.warn(
        { connectionId: record.connectionId, device: record.device, port: record.port },
        'tracked port is not in the inventory; not monitoring it',
      );
    }
    return port;
  }

  /** Tracked connections by device, built when first asked after the tracked set changed. */
  private deviceIndex(): Map<string, DeviceConns> {
    this.connectionsOf('');
    return this.byDevice as Map<string, DeviceConns>;
  }

  private connectionsOf(device: string): DeviceConns {
    if (!this.byDevice) {
      const built = new Map<string, { conns: Tracked[]; ports: string[] }>();
      for (const t of this.tracked.values()) {
        const entry = built.get(t.record.device);
        if (!entry) built.set(t.record.device, { conns: [t], ports: [t.record.port] });
        else {
          entry.conns.push(t);
          if (!entry.ports.includes(t.record.port)) entry.ports.push(t.record.port);
        }
      }
      // Frozen: the poller knows an array that cannot change by its identity, and so finds the
      // device's poll plan without a key built from the port names on every poll.
      this.byDevice = new Map();
      for (const [d, e] of built) this.byDevice.set(d, { conns: e.conns, ports: Object.freeze(e.ports) });
    }
    return this.byDevice.get(device) ?? NO_CONNS;
  }

  private async pollDevice(deviceId: string, source: PollSource = 'poll'): Promise<void> {
    if (this.stopped || !this.held.has(deviceId)) return;
    const { conns, ports } = this.connectionsOf(deviceId);
    if (conns.length === 0) return;
    // Built only while qualification is on: the steady path allocates nothing for it.
    const errorFreePolls = this.trackerCfg.qualification?.errorFreePolls ?? 0;
    const qualifying =
      errorFreePolls > 0
        ? errorCountedPorts(
            conns.map((c) => ({ port: c.record.port, underConstruction: c.state.underConstruction })),
            errorFreePolls,
          )
        : undefined;
    // Trap-led and confirmation polls are extra: they neither read the counters nor use up a turn.
    const sweep = source === 'poll' && this.errorSweepDue(deviceId);
    const counted = sweep ? ports : qualifying;
    const t0 = performance.now();
    let results: PortPollResult[];
    try {
      results = counted
        ? await this.deps.poller.poll(deviceId, ports, { errorCounters: counted })
        : await this.deps.poller.poll(deviceId, ports);
    } catch (err) {
      // The poller reports per-port failures itself; a throw here is unexpected, so treat every port as failed.
      this.deps.logger.error({ deviceId, err: (err as Error).message }, 'poll threw');
      results = ports.map((port) => ({
        ok: false,
        device: deviceId,
        port,
        reason: 'snmp-error',
        message: (err as Error).message,
        at: this.clock(),
      }));
    }
    this.deps.metrics?.pollDuration.observe(deviceId, (performance.now() - t0) / 1000);
    const recovery = this.failureLog.note(deviceId, results, this.clock());
    if (recovery && recovery.failedPolls >= this.trackerCfg.downPolls) {
      this.deps.onRecovered?.(deviceId, recovery.since);
    }
    // Results come in the order of `ports`, which is that of `conns`: matched in step, with a map
    // only for what is out of step (a port the device lacks comes last, two connections on a port).
    let byPort: Map<string, PortPollResult> | undefined;
    let next = 0;
    for (const c of conns) {
      let r = results[next];
      if (r?.port === c.record.port) next++;
      else {
        byPort ??= new Map(results.map((x) => [x.port, x]));
        r = byPort.get(c.record.port);
      }
      if (!r) continue;
      // Most polls change nothing: those return no promise, so a steady port costs no await.
      const work = this.apply(c, r, source);
      if (work) await work;
      if (!r.ok) continue;
      // A restart seen on any poll holds until the next counter read: the counters start again.
      if (r.countersReset) c.errorsReset = true;
      // Only the periodic read is kept: qualification's reads are its own, and a record written
      // from them would stand unrefreshed with the periodic read off.
      if (sweep && typeof r.inErrors === 'number') {
        // Decided here, without an await: on almost every read nothing moved.
        const next = nextErrorCounter(c.errors, r.inErrors, r.at, c.errorsReset === true);
        c.errorsReset = undefined;
        if (next) await this.saveErrors(c, next);
      }
    }
  }

  /** Per device, polls since every tracked port's error counter was last read. */
  private readonly sinceErrorSweep = new Map<string, number>();

  /** True on one poll of a device in `monitoring.errorCounters.everyPolls`, its first one included. */
  private errorSweepDue(deviceId: string): boolean {
    const every = this.inventory.monitoring.errorCounters.everyPolls;
    if (every === 0) return false;
    const polls = this.sinceErrorSweep.get(deviceId) ?? every;
    const due = polls >= every;
    this.sinceErrorSweep.set(deviceId, due ? 1 : polls + 1);
    return due;
  }

  /**
   * Writes the port's error counter record, which moved. Refused when the record in Redis is not
   * the one this one follows (another replica wrote meanwhile): that one is read back instead,
   * and the next read compares with it.
   */
  private async saveErrors(c: Tracked, next: ErrorCounterRecord): Promise<void> {
    const { connectionId } = c.record;
    try {
      const outcome = await this.deps.store.saveErrorCounter(connectionId, next, c.errors?.changedAt ?? null);
      if (outcome === 'saved') c.errors = next;
      else if (outcome === 'stale')
        c.errors = parseErrorCounter(await this.deps.store.readErrorCounter(connectionId));
    } catch (err) {
      // The old record stays in memory, so the next read writes again.
      this.logLimit.warn(
        'errors',
        { err: (err as Error).message },
        'monitor: error counter not saved (Redis away); the next read retries',
      );
    }
  }

  /** One poll's result for one connection; a promise only when there is something to write. */
  private apply(c: Tracked, r: PortPollResult, source: PollSource): Promise<void> | undefined {
    const base = c.state.ver;
    const now = this.clock();
    const judged = this.judge(c, r);
    const stepped = step(c.state, r, judged.resolved.alarm, now, this.trackerCfg, judged.resolved.bounds);
    if (stepped.state.unhealthyStreak === 0) c.unhealthySince = undefined;
    else if (c.state.unhealthyStreak === 0) c.unhealthySince = now;
    // An optics change is an event too, and every event needs a version of its own (its id).
    const state =
      r.opticsChange && stepped.state.ver === base ? { ...stepped.state, ver: base + 1 } : stepped.state;
    // Before any await, so a scrape never sees this poll's health without the state it led to.
    this.observeMetrics(c, r, state);
    // Every poll feeds the hour in memory; Redis only hears of a closed hour or a completion.
    const optics = this.deps.optics;
    if (optics && !c.hour && r.ok && r.opticsRead) c.hour = optics.hourOf(c.record.connectionId);
    const history = optics?.observe(c.record, judged.trend, r, stepped.events, this.clock(), c.hour);
    // A poll that changed nothing writes nothing (the state in Redis is this very one).
    if (!history && state === c.state && !c.unsaved) return undefined;
    return this.record(c, r, source, { base, judged, events: stepped.events, state, history });
  }

  /** The writing half of `apply`: the hour of history, then the events and the state. */
  private async record(
    c: Tracked,
    r: PortPollResult,
    source: PollSource,
    o: {
      base: number;
      judged: NonNullable<Tracked['judged']>;
      events: ReturnType<typeof step>['events'];
      state: PortTrackState;
      history: Promise<void> | undefined;
    },
  ): Promise<void> {
    const { device, port, connectionId } = c.record;
    const { base, judged, state } = o;
    if (o.history) await o.history;
    if (state === c.state && !c.unsaved) return;
    // Kept with the state and saved when the state is (on a change, not per poll), so
    // `dcagent connections` shows the poll that last changed something. Only a state about to be
    // saved gets it: built on every poll it was most of a steady poll's garbage.
    state.lastPoll = lastPollOf(r, judged.resolved);
    // A transceiver that came, went or was swapped is reported before what its readings caused.
    const events: readonly { type: EventType; data: unknown }[] = r.opticsChange
      ? [{ type: 'optics.changed', data: { device, port, ...r.opticsChange } }, ...o.events]
      : o.events;
    // The last event carries the new state, written in the same script (or spilled with it), so
    // the stored state never lags the events: a restart cannot repeat or miss a transition. Every
    // event is checked against the stored version: a replica whose copy is older (it slept
    // through its lease while another polled) is refused rather than reporting the past again.
    for (const [i, ev] of events.entries()) {
      const last = i === events.length - 1;
      let idType: string = ev.type;
      if (ev.type === 'optics.degrading') {
        // Several lanes may open an episode in one poll: each is its own event.
        const d = ev.data as { lane: number; direction: 'rx' | 'tx'; baselineDbm: number | null };
        idType = `${ev.type}:${d.lane}:${d.direction}`;
        d.baselineDbm = (await this.deps.optics?.baselineDbm(connectionId, d.lane, d.direction)) ?? null;
      }
      const res = await this.deps.events.publish({
        type: ev.type,
        subject: connectionId,
        id: monitoringEventId(c.record, state.ver, idType),
        data: ev.data as never,
        state: this.deps.store.trackerWrite(connectionId, state, base, last),
      });
      if (res.stale) return this.reload(c);
      this.deps.logger.info({ connectionId, device, port, type: ev.type }, 'port transition');
      if (ev.type === 'availability.changed' && source === 'poll') this.observeDetection(c, state);
    }
    c.state = state;
    c.unsaved = false;
    if (events.length > 0) return; // saved with the last event, or spilled with it
    // While older events wait in the spill, a direct save would land before their states and be
    // overwritten by them. The next poll saves it.
    if (this.deps.events.depth() > 0) {
      c.unsaved = true;
      return;
    }
    try {
      if ((await this.deps.store.saveTracker(connectionId, state, base)) === 'stale') await this.reload(c);
    } catch (err) {
      c.unsaved = true;
      this.deps.logger.debug(
        { err: (err as Error).message },
        'monitor: state not saved (Redis away); kept in memory',
      );
    }
  }

  /**
   * The port's bounds for this poll. A failed poll carries no module thresholds, so the last ones
   * seen stay. A reading's are its binding's object, shared by equal values (core/intern.ts), so an
   * unchanged module mostly costs one compare; other equal numbers are found by value.
   */
  private judge(c: Tracked, r: PortPollResult): NonNullable<Tracked['judged']> {
    const module = r.ok ? r.moduleThresholds : c.judged?.module;
    const j = c.judged;
    if (j && j.port === c.port) {
      if (j.module === module) return j;
      if (sameLaneThresholds(j.module, module)) {
        j.module = module;
        return j;
      }
    }
    const resolved = resolveThresholds(c.port.thresholds, module);
    c.judged = { module, port: c.port, resolved, trend: { thresholds: resolved.alarm } };
    return c.judged;
  }

  /** Another replica moved this connection on: continue from its stored state. */
  private async reload(c: Tracked): Promise<void> {
    this.deps.logger.info(
      { connectionId: c.record.connectionId, device: c.record.device },
      'monitor: stored state is newer than ours (another replica polled); reloading it',
    );
    try {
      const row = await this.deps.store.get(c.record.connectionId);
      const stored = row && portTrackStateSchema.safeParse(row.tracker);
      if (stored?.success) c.state = stored.data;
      else if (!row) {
        this.tracked.delete(c.record.connectionId);
        this.byDevice = undefined;
        this.forgetMetrics(c);
      }
    } catch (err) {
      // The next refresh of a device we do not hold reads it anyway; until then no write lands.
      this.deps.logger.debug({ err: (err as Error).message }, 'monitor: reload failed');
    }
  }

  /**
   * A change found by the regular polls: from the first poll that saw it to its event (the
   * trap path times its own, from the trap). A streak older than this process (state loaded
   * from Redis) has no known start and is not sampled.
   */
  private observeDetection(c: Tracked, state: PortTrackState): void {
    const since = state.reported === 'available' ? state.healthySince : c.unhealthySince;
    if (since === null || since === undefined) return;
    this.deps.metrics?.detection.observe({ source: 'poll' }, Math.max(0, this.clock() - since) / 1000);
  }

  private observeMetrics(c: Tracked, r: PortPollResult, state: PortTrackState): void {
    const m = this.deps.metrics;
    if (!m) return;
    if (!c.series) {
      c.series = m.ports.hold(c.record.connectionId, c.record.device, c.record.port);
      c.seriesBounds = undefined;
    }
    c.series.state = observedState(state);
    const row = c.series.port;
    if (c.judged && c.seriesBounds !== c.judged) {
      // The bounds the verdict uses, so alerts compare each lane against its own thresholds.
      row.bounds = thresholdLaneBounds(c.judged.resolved.bounds, c.port.lanes);
      c.seriesBounds = c.judged;
    }
    if (!r.ok) {
      m.pollFailures.inc({ device: c.record.device, reason: r.reason });
      return;
    }
    row.operUp = r.operStatus === 'up' ? 1 : 0;
    // The step has judged this poll already: a healthy one leaves a healthy streak, an unhealthy one none.
    row.healthy = state.healthyStreak > 0 ? 1 : 0;
    if (!r.opticsRead) return;
    if (r.opticPresent !== undefined) row.opticPresent = r.opticPresent ? 1 : 0;
    // No reading is no sample: a gap in the graph, not a fake number (port-series.ts).
    row.lanes = r.lanes;
  }

  private forgetMetrics(t: Tracked): void {
    t.series = undefined;
    t.seriesBounds = undefined;
    // Not polled here any more: its partial hour of optics history goes with its series, and a
    // lease won back starts a new one.
    this.deps.optics?.forget(t.record.connectionId);
    t.hour = undefined;
    this.deps.metrics?.ports.forget(t.record.connectionId);
  }

  async watch(p: WatchedPort): Promise<void> {
    await this.deps.store.add(p, new Date(this.clock()));
    // Polled at the next round by whichever replica holds the device.
  }

  async unwatch(connectionId: string): Promise<void> {
    const t = this.tracked.get(connectionId);
    await this.deps.store.remove(connectionId);
    this.tracked.delete(connectionId);
    this.byDevice = undefined;
    if (t) this.forgetMetrics(t);
  }

  async lightPresent(device: string, port: string): Promise<boolean> {
    const [r] = await this.deps.poller.poll(device, [port]);
    return Boolean(r?.ok && r.rxDbm.some((v) => v !== null));
  }
}
