// Over 400 lines: the composition root, the one place that builds connections and wires every room, kept whole.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Queue, Worker } from 'bullmq';
import type { AgentConfig, DeviceConfig } from '../config/load.js';
import { inventoryPollLeaseMs } from '../config/timing.js';
import { ConfigError, errorMessage, LifecycleError, RedisAccessError } from '../core/errors.js';
import { LogLimiter } from '../core/log-limit.js';
import { createLogger, type Logger } from '../core/logger.js';
import { RedisKeys } from '../core/redis-keys.js';
import type { DeviceDriver } from '../drivers/driver.js';
import { createDriver, type DriverDeps } from '../drivers/factory/factory.js';
import { NetconfPool } from '../drivers/netconf/pool.js';
import { SnmpPoller } from '../drivers/snmp/poller.js';
import { DeviceLock } from '../jobs/device-lock.js';
import { RedisNetconfLocks } from '../jobs/netconf-locks.js';
import { createProcessor } from '../jobs/pipeline/processor.js';
import { createQueue, createWorker } from '../jobs/pipeline/queue.js';
import { AuditScheduler, BullJobQueueView } from './audits.js';
import { ConnectionStore } from './connections.js';
import { EventOutbox } from './events/outbox.js';
import { createHttpServer } from './http.js';
import { RedisIntentStore } from './intents.js';
import { AgentLifecycle } from './lifecycle.js';
import { createMetrics, jobNameLabel, type Metrics } from './metrics.js';
import { Monitor } from './monitor.js';
import { OpticsWatch } from './optics-watch.js';
import { PollLeases } from './poll-leases.js';
import { createRedis, persistenceWarning, type RedisClient } from './redis.js';
import { checkAgentPermissions, classifyRedisError, connectOrExplain } from './redis-access.js';
import { RedisGuard } from './redis-guard.js';
import type { ConfigDiff } from './reload.js';
import { ReloadablePoller } from './reloadable-poller.js';
import { TrapService } from './trap-service.js';

const PAUSE_POINTS = {
  'before-commit': 'beforeCommit',
  'after-confirmed-commit': 'afterConfirmedCommit',
  'after-commit': 'afterCommit',
} as const;

/**
 * Test-only fault injection (docs/testing.md): `DCAGENT_TEST_PAUSE_AT=<point>` stops every NETCONF
 * transaction at that point, so a crash test can SIGKILL the agent at an exact moment. With
 * `DCAGENT_TEST_PAUSE_UNTIL=<file>` the pause ends once that file exists, so a fault test can break
 * something else (Redis) while a job sits mid-transaction and then let it go on.
 * Read here only, so no other layer can grow a dependency on it.
 */
function testPauseHooks(
  logger: Logger,
  at = process.env.DCAGENT_TEST_PAUSE_AT,
  until = process.env.DCAGENT_TEST_PAUSE_UNTIL,
): DriverDeps['netconfTransaction'] {
  if (!at) return undefined;
  const hook = PAUSE_POINTS[at as keyof typeof PAUSE_POINTS];
  if (!hook) {
    throw new ConfigError([
      { path: 'DCAGENT_TEST_PAUSE_AT', message: `must be one of ${Object.keys(PAUSE_POINTS).join(', ')}` },
    ]);
  }
  return {
    hooks: {
      [hook]: () => {
        logger.warn({ point: at }, `test fault: paused at ${at}`);
        if (!until) return new Promise<void>(() => {});
        return new Promise<void>((resolve) => {
          const look = () => (existsSync(until) ? resolve() : setTimeout(look, 20));
          look();
        }).then(() => logger.warn({ point: at }, `test fault: resumed at ${at}`));
      },
    },
  };
}

export interface AgentOptions {
  cfg: AgentConfig;
  /** `run --dry-run`: every job is only planned. */
  dryRun?: boolean;
  logger?: Logger;
}

/**
 * The composition root: the only place that builds connections and wires the layers together
 * (docs/architecture.md). `start()` brings the agent to running; `stop()` drains it.
 */
export class Agent {
  readonly lifecycle = new AgentLifecycle();
  readonly metrics: Metrics;
  readonly logger: Logger;
  private readonly fast: RedisClient;
  private readonly bull: RedisClient;
  /** The trap-hint follower's blocking connection (only with traps on and forwarded). */
  private readonly trapFollower: RedisClient | undefined;
  private readonly traps: TrapService | undefined;
  private readonly outbox: EventOutbox;
  private readonly pool: NetconfPool;
  private readonly poller: ReloadablePoller;
  /** The running config: the inventory changes on a reload (applyInventory), nothing else does. */
  private cfg: AgentConfig;
  private processor: ReturnType<typeof createProcessor> | undefined;
  private readonly monitor: Monitor;
  private readonly drivers = new Map<string, DeviceDriver>();
  private readonly lockManager: DeviceLock;
  private readonly netconfLocks: RedisNetconfLocks;
  private readonly testFaults: DriverDeps['netconfTransaction'];
  private worker: Worker | undefined;
  private readonly intents: RedisIntentStore;
  private readonly keys: RedisKeys;
  private queue: Queue | undefined;
  private audits: AuditScheduler | undefined;
  /** Jobs this process is running now, so the drain can wait for them without BullMQ's help. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Shown by /readyz without making the agent unready. */
  private readonly warnings: string[] = [];
  private http: Server | undefined;
  private stopping: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** start()'s own steps, without its clean-up on failure (which itself waits for stop()). */
  private startUpDone: Promise<void> | undefined;
  private stopRequested = false;
  /** One line a minute per kind for every error that repeats by itself (CONTRACT §2). */
  private readonly logLimit: LogLimiter;
  private readonly guard: RedisGuard;
  /** Why the agent gave up on its own, if it did: `run` then exits 1. */
  fatalReason: string | undefined;

  constructor(private readonly opts: AgentOptions) {
    const { cfg } = opts;
    this.cfg = cfg;
    this.logger = opts.logger ?? createLogger({ level: cfg.agent.logLevel, name: `dcagent/${cfg.agent.id}` });
    this.metrics = createMetrics();
    this.testFaults = testPauseHooks(this.logger);
    const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
    this.keys = keys;
    this.fast = createRedis(cfg.redis, 'fast', `dcagent-${cfg.agent.id}`);
    this.bull = createRedis(cfg.redis, 'worker', `dcagent-${cfg.agent.id}-worker`);
    const traps = cfg.monitoring.traps;
    this.trapFollower =
      traps.enabled && traps.forward
        ? createRedis(cfg.redis, 'worker', `dcagent-${cfg.agent.id}-traps`)
        : undefined;
    this.logLimit = new LogLimiter(this.logger);
    this.guard = new RedisGuard({
      log: this.logLimit,
      exitAfterMs: cfg.redis.authFailureExitSeconds * 1000,
      check: () => checkAgentPermissions(this.fast, cfg.redis),
      pause: () => this.worker?.pause(true),
      resume: () => {
        if (this.lifecycle.state === 'running') return this.worker?.resume();
      },
      fatal: (reason) => {
        this.fatalReason = reason;
        this.logger.error(
          { reason, authFailureExitSeconds: cfg.redis.authFailureExitSeconds },
          'giving up: Redis keeps refusing the agent; exiting 1',
        );
        void this.stop();
      },
    });
    for (const [name, client] of [
      ['fast', this.fast],
      ['worker', this.bull],
      ...(this.trapFollower ? ([['traps', this.trapFollower]] as const) : []),
    ] as const) {
      // ioredis reconnects by itself; an unhandled 'error' event would crash the process instead.
      client.on('error', (err) => {
        const kind = classifyRedisError(err);
        // A refused login or certificate will not heal by reconnecting: the guard pauses jobs.
        if (kind === 'auth' || kind === 'tls') this.guard.report(`redis-${name}`, err);
        else
          this.logLimit.log(
            'debug',
            `redis-${name}:${kind ?? 'other'}`,
            { redis: name, err: errorMessage(err) },
            'redis connection error',
          );
      });
    }
    this.outbox = new EventOutbox({
      redis: this.fast,
      keys,
      agentId: cfg.agent.id,
      maxLen: cfg.events.maxLen,
      spillFile: cfg.events.spillFile,
      maxSubjects: cfg.events.maxSubjects,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.pool = new NetconfPool({ logger: this.logger });
    this.poller = new ReloadablePoller(
      (c) =>
        new SnmpPoller(c.devices, c.monitoring, {
          logger: this.logger,
          // A switch back from a reboot may have lost its last commit: audit it now, not at the interval.
          onRestart: (device) => void this.audits?.afterRestart(device),
        }),
      cfg,
    );
    this.monitor = new Monitor({
      cfg,
      poller: this.poller,
      store: new ConnectionStore(this.fast, keys),
      leases: new PollLeases(
        this.fast,
        keys,
        cfg.agent.id,
        inventoryPollLeaseMs(cfg.monitoring),
        this.logger,
      ),
      events: this.outbox,
      logger: this.logger,
      metrics: this.metrics,
      // Polls that work again after an outage: the device may have been changed meanwhile.
      onRecovered: (device, since) => void this.audits?.afterReconnect(device, since),
      optics: new OpticsWatch({
        redis: this.fast,
        keys,
        events: this.outbox,
        log: new LogLimiter(this.logger),
        cfg: cfg.monitoring.trend,
      }),
    });
    this.traps = traps.enabled
      ? new TrapService({
          cfg,
          monitor: this.monitor,
          metrics: this.metrics,
          logger: this.logger,
          log: this.logLimit,
          redis: this.fast,
          ...(this.trapFollower ? { follower: this.trapFollower } : {}),
          keys,
        })
      : undefined;
    this.intents = new RedisIntentStore(
      this.fast,
      keys,
      cfg.monitoring.audit.clearedRetentionDays,
      this.logger,
    );
    // A day: far longer than any device keeps a session whose host went quiet.
    this.netconfLocks = new RedisNetconfLocks(this.fast, keys, 86_400_000);
    this.lockManager = new DeviceLock(
      this.fast,
      keys,
      cfg.queues.deviceLockLeaseMs,
      this.logger,
      cfg.agent.id,
    );
  }

  private driverFor = (device: DeviceConfig): DeviceDriver => {
    let driver = this.drivers.get(device.id);
    if (!driver) {
      driver = createDriver(device, {
        logger: this.logger,
        netconfPool: this.pool,
        netconfLocks: this.netconfLocks,
        ...(this.testFaults ? { netconfTransaction: this.testFaults } : {}),
      });
      this.drivers.set(device.id, driver);
    }
    return driver;
  };

  /**
   * Brings the agent to running. Everything that can refuse to start (the HTTP port, the checks)
   * comes before the job worker, so a failed start has taken no job; a stop() requested meanwhile
   * is seen after every await, and start() then returns without starting anything more.
   */
  start(): Promise<void> {
    if (!this.starting) {
      this.startUpDone = this.startUp();
      this.starting = this.startUpDone.catch(async (err: unknown) => {
        // Leave nothing running (HTTP server, Redis clients, timers): the process must be able to end.
        await this.stop();
        throw err;
      });
    }
    return this.starting;
  }

  private async startUp(): Promise<void> {
    const { cfg } = this.opts;
    this.logger.info({ agent: cfg.agent.id }, 'dcagent starting');
    this.warnUnpinned(cfg.devices);
    this.http = createHttpServer({
      metrics: this.metrics,
      lifecycle: this.lifecycle,
      logger: this.logger,
      readiness: {
        checks: {
          redis: async () => this.fast.status === 'ready' && (await this.fast.ping()) === 'PONG',
          worker: async () => this.worker?.isRunning() ?? false,
          redisAccess: async () => this.guard.healthy,
        },
        warnings: () => this.warnings,
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.http?.once('error', (err) =>
        reject(
          new Error(
            `cannot serve metrics and health on ${cfg.agent.httpHost}:${cfg.agent.httpPort} (agent.httpPort): ${err.message}`,
          ),
        ),
      );
      this.http?.listen(cfg.agent.httpPort, cfg.agent.httpHost, () => resolve());
    });
    if (this.stopRequested) return;
    try {
      await connectOrExplain(this.fast, cfg.redis, cfg.redis.connectTimeoutMs);
      // Before the first job: a missing permission found now is one clear line, not a loop later.
      await checkAgentPermissions(this.fast, cfg.redis);
      const warning = await persistenceWarning(this.fast).catch(() => undefined);
      if (warning) {
        this.warnings.push(warning);
        this.logger.warn({ redis: 'no-persistence' }, warning);
      }
    } catch (err) {
      // Bad credentials, a missing permission or a TLS failure never heal by waiting: refuse to start.
      if (err instanceof RedisAccessError && err.kind !== 'unreachable') throw err;
      // Start anyway: monitoring works without Redis and events wait in the spill file.
      this.logger.warn(
        { err: (err as Error).message },
        'Redis not reachable at start; continuing, events will spill',
      );
    }
    if (this.stopRequested) return;
    this.outbox.open();
    this.monitor.start();
    // After the monitor: a trap is only a hint to poll, and the monitor does the polling.
    await this.traps?.start();
    if (this.stopRequested) return;
    const queue = createQueue(cfg, this.bull);
    queue.on('error', (err) => this.guard.report('job queue', err));
    this.queue = queue;
    this.processor = this.buildProcessor(cfg);
    // Last: from here on jobs are taken.
    this.worker = createWorker(cfg, this.bull, (job, token, signal) => {
      // The processor of the config current when the job starts (a reload replaces it).
      const processor = this.processor ?? this.buildProcessor(this.cfg);
      const run = processor(job, token, signal);
      this.inFlight.add(run);
      const done = () => this.inFlight.delete(run);
      run.then(done, done);
      return run;
    });
    this.worker.on('error', (err) => this.guard.report('job worker', err));
    this.audits = new AuditScheduler({
      cfg,
      queue,
      intents: this.intents,
      heldDevices: () => this.monitor.heldDevices(),
      untrackedDevices: () => {
        const tracked = this.monitor.trackedDevices();
        return this.cfg.devices.map((d) => d.id).filter((id) => !tracked.has(id));
      },
      claim: async (device, ms) =>
        (await this.fast.set(this.keys.auditClaim(device), cfg.agent.id, 'PX', ms, 'NX')) === 'OK',
      logger: this.logger,
      logLimit: this.logLimit,
    });
    this.audits.start();
    // /readyz's checks from memory (no PING per scrape), so an alert can see "not ready" over time.
    this.metrics.readiness = () =>
      this.lifecycle.state === 'running' &&
      this.fast.status === 'ready' &&
      this.guard.healthy &&
      (this.worker?.isRunning() ?? false);
    this.lifecycle.to('running');
    this.logger.info(
      {
        agent: cfg.agent.id,
        devices: cfg.devices.length,
        http: this.httpAddress(),
        dryRun: this.opts.dryRun ?? false,
      },
      'dcagent running',
    );
  }

  private buildProcessor(cfg: AgentConfig): ReturnType<typeof createProcessor> {
    const queue = this.queue;
    // Built in start() once the queue exists, and again by each reload after that.
    if (!queue) throw new LifecycleError('job processor built before the job queue');
    return createProcessor({
      cfg,
      driverFor: this.driverFor,
      events: this.outbox,
      lock: this.lockManager,
      watch: this.monitor,
      intents: this.intents,
      queue: new BullJobQueueView(queue),
      onDrift: (device, field) => this.metrics.driftTotal.inc({ device, field }),
      logger: this.logger,
      dryRunAll: this.opts.dryRun ?? false,
      onOutcome: (name, outcome, seconds) => {
        if (outcome === 'delayed') return;
        const label = jobNameLabel(name);
        this.metrics.jobsTotal.inc({ name: label, outcome });
        this.metrics.jobDuration.observe({ name: label }, seconds);
      },
    });
  }

  private warnUnpinned(devices: readonly DeviceConfig[]): void {
    for (const d of devices) {
      const ssh = d.netconf ?? d.cli;
      if (ssh?.insecureAcceptAnyHostKey) {
        this.logger.warn(
          { device: d.id },
          'host key NOT pinned (insecureAcceptAnyHostKey): any server can impersonate this device',
        );
      }
    }
  }

  /** The config the agent runs on now. */
  get config(): AgentConfig {
    return this.cfg;
  }

  /**
   * Puts a reloaded inventory to use (agent/reload.ts has already refused anything else that
   * changed). New jobs resolve against `next`; unchanged devices keep their driver and sessions;
   * removed and changed devices' drivers close once the jobs running now are done.
   */
  applyInventory(next: AgentConfig, diff: ConfigDiff): void {
    this.cfg = next;
    const fresh = new Set([...diff.added, ...diff.changed]);
    this.warnUnpinned(next.devices.filter((d) => fresh.has(d.id)));
    this.poller.reload(next, [...diff.added, ...diff.changed], diff.removed);
    if (this.processor) this.processor = this.buildProcessor(next);
    this.monitor.setInventory(next);
    const retired = [...diff.removed, ...diff.changed].flatMap((id) => {
      const driver = this.drivers.get(id);
      this.drivers.delete(id);
      return driver ? [{ id, driver }] : [];
    });
    if (retired.length === 0) return;
    void Promise.allSettled([...this.inFlight]).then(() =>
      Promise.allSettled(
        retired.map(({ id, driver }) => driver.close().then(() => this.pool.closeDevice(id))),
      ),
    );
  }

  /** Resolves once the agent has stopped (at once if it already has). */
  whenStopped(): Promise<void> {
    if (this.lifecycle.state === 'stopped') return Promise.resolve();
    return new Promise((resolve) =>
      this.lifecycle.on('change', (_prev, next) => {
        if (next === 'stopped') resolve();
      }),
    );
  }

  httpAddress(): string {
    const a = this.http?.address();
    return a && typeof a === 'object' ? `http://${a.address}:${a.port}` : '';
  }

  /**
   * Drains: stop taking jobs and let in-flight ones finish, stop polling, flush the outbox, close
   * connections. Whatever is not done by the deadline is abandoned (jobs are retried elsewhere,
   * events stay in the spill file).
   */
  stop(): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      if (this.lifecycle.state === 'starting') this.lifecycle.to('draining');
      // A start under way stops at its next step; draining before it has would race it.
      await this.startUpDone?.catch(() => {});
      await this.drain();
    })();
    return this.stopping;
  }

  private async drain(): Promise<void> {
    const deadlineMs = this.opts.cfg.agent.shutdownTimeoutSeconds * 1000;
    const started = Date.now();
    const left = () => Math.max(100, deadlineMs - (Date.now() - started));
    this.guard.stop();
    if (this.lifecycle.state !== 'stopped' && this.lifecycle.state !== 'draining')
      this.lifecycle.to('draining');
    this.logger.info({ deadlineMs }, 'draining');
    const within = async (what: string, p: Promise<unknown>) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), left());
      });
      const r = await Promise.race([p.then(() => 'ok' as const).catch(() => 'error' as const), timeout]);
      clearTimeout(timer);
      if (r !== 'ok') this.logger.warn({ step: what, result: r }, 'drain step did not finish cleanly');
    };
    // Stop fetching, let the jobs in hand finish, then close the worker. BullMQ's graceful close
    // waits for its blocking connection to end, which a connection that is reconnecting (Redis
    // down) never does: the drain used up its whole deadline and BullMQ's timers then kept the
    // process alive after 'stopped'. With Redis away the close is forced; our own count of jobs
    // in flight has already waited for them.
    this.audits?.stop();
    await within('jobs', this.worker?.pause(true) ?? Promise.resolve());
    await within(
      'jobs',
      (async () => {
        // A job fetched just before the pause may start after a first look at the set.
        while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      })(),
    );
    // A Redis that refuses us answers, but BullMQ's graceful close then waits on a loop that
    // cannot finish, just as it does for an unreachable one.
    const force = this.bull.status !== 'ready' || this.fatalReason !== undefined;
    if (force) this.logger.warn('Redis unreachable: closing the job worker without waiting for it');
    await within('jobs', this.worker?.close(force) ?? Promise.resolve());
    await within('jobs', this.queue?.close() ?? Promise.resolve());
    await within('traps', this.traps?.stop() ?? Promise.resolve());
    await within('monitor', this.monitor.stop());
    await within('outbox', this.outbox.close(left()));
    await within(
      'devices',
      Promise.all([...this.drivers.values()].map((d) => d.close())).then(() => this.pool.closeAll()),
    );
    this.poller.close();
    await within('http', new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r())));
    this.http?.closeAllConnections();
    // QUIT only what is connected: ioredis would hold a QUIT for a reconnect just like BullMQ's.
    const quit = (c: RedisClient) => (c.status === 'ready' ? c.quit() : Promise.resolve());
    await within('redis', Promise.all([quit(this.fast), quit(this.bull)]));
    this.fast.disconnect();
    this.bull.disconnect();
    this.trapFollower?.disconnect();
    this.lifecycle.to('stopped');
    this.logger.info({ ms: Date.now() - started }, 'stopped');
  }
}
