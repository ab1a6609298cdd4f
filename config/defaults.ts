import type { PortType } from '../contract/port-types.js';

/** A closed dBm range [min, max]. */
export type DbmRange = readonly [number, number];

export interface Thresholds {
  rx: DbmRange;
  tx: DbmRange;
}

/** A port's configured bounds: the alarm ranges, warning ranges where configured, and where they came from. */
export interface PortThresholds extends Thresholds {
  rxWarning?: DbmRange;
  txWarning?: DbmRange;
  /** `config` when any bound came from the file, `default` when all are CONTRACT §5's table. */
  source: 'config' | 'default';
}

/**
 * Default optical thresholds (CONTRACT §5), per lane for multi-lane optics. They follow the
 * IEEE 802.3 receiver sensitivity / transmitter power budgets of each PMD.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<PortType, Readonly<Thresholds>>> = Object.freeze({
  '10GBASE-LR': Object.freeze({ rx: [-14.4, 0.5] as const, tx: [-8.2, 0.5] as const }),
  '100GBASE-LR4': Object.freeze({ rx: [-10.6, 4.5] as const, tx: [-4.3, 4.5] as const }),
  '1000BASE-LX': Object.freeze({ rx: [-19.0, -3.0] as const, tx: [-11.0, -3.0] as const }),
});

export const DEFAULTS = Object.freeze({
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'dcagent',
  redisAuthFailureExitSeconds: 300,
  concurrency: 8,
  httpPort: 9464,
  httpHost: '127.0.0.1',
  shutdownTimeoutSeconds: 30,
  jobsQueue: 'dc-port-jobs',
  attempts: 5,
  backoffMs: 2_000,
  jobTimeoutSeconds: 300,
  keepCompletedSeconds: 86_400,
  keepFailedSeconds: 7 * 86_400,
  deviceLockLeaseMs: 30_000,
  deviceLockRetryMs: 2_000,
  stalledSeconds: 30,
  eventsStream: 'events',
  eventsMaxLen: 1_000_000,
  spillFile: 'var/outbox-spill.jsonl',
  // Subjects whose last sequence the outbox remembers (its floor if Redis comes back empty): one
  // per connection is ~100 bytes, and far more subjects than connections only come from junk jobs.
  eventsMaxSubjects: 100_000,
  intervalSeconds: 10,
  upPolls: 3,
  downPolls: 2,
  dampingWindowSeconds: 600,
  dampingMaxFlaps: 4,
  dampingHoldSeconds: 300,
  // How often a suspicion (a noSuch* optics OID, a port with no transceiver) may re-walk a
  // device's optics tables; an entLastChangeTime that moved does so at once.
  opticsRediscoverySeconds: 60,
  snmpMaxInFlightPerDevice: 2,
  snmpMaxInFlight: 256,
  // Devices polled at once in a cycle. Few enough that a device's poll finishes before garbage
  // ages into the old generation (at 500 devices, 64+ in flight doubled peak RSS); each device
  // that times out holds a slot for timeoutMs × (retries + 1).
  snmpMaxDevicesInFlight: 32,
  // Optics trend (monitoring.trend): a day of hourly buckets, a three-day forecast, and a drop of
  // 1 dB from the baseline before a slope is worth reporting (connector dirt moves ~0.5 dB at once).
  trendWindowHours: 24,
  trendForecastHours: 72,
  trendMinDropDb: 1.0,
  // A lane leaves a warning episode only this far back inside its warning bounds: a lane that sits
  // on a bound, give or take a reading's 0.1–0.2 dB noise, stays in one episode.
  warningHysteresisDb: 0.5,
  // Polls without ifInErrors growth before construction.completed; 0 = no qualification.
  qualificationErrorFreePolls: 0,
  /** One poll in six: once a minute at the default interval. */
  errorCounterEveryPolls: 6,
  snmpVarbindsV2c: 60,
  snmpVarbindsV3: 30,
  auditIntervalSeconds: 900,
  // SNMP traps (monitoring.traps). 1162, not 162: an unprivileged process cannot bind below 1024.
  trapPort: 1162,
  trapListen: '0.0.0.0',
  /** `dcagent console`: loopback unless told otherwise (CONTRACT §9). */
  consoleListen: '127.0.0.1:9470',
  /** Each Prometheus query of the console's light chart. */
  consolePrometheusTimeoutMs: 5_000,
  /** Prometheus's own default scrape_interval. */
  consolePrometheusStepSeconds: 15,
  trapConfirmMs: 1_000,
  // Hints accepted per device per second; a storm beyond is counted and dropped (a burst of this size passes).
  trapRatePerDevice: 10,
  // How long a deprovisioned port stays intended-clear, so configuration appearing on it is noticed.
  auditClearedRetentionDays: 30,
  netconfPort: 830,
  cliPort: 22,
  connectTimeoutMs: 10_000,
  // TCP + SSH key exchange + auth + subsystem, then the NETCONF hello: measured under 400 ms RTT
  // and 5% loss in docs/netconf.md ("Deadlines on slow links").
  sshConnectTimeoutMs: 20_000,
  netconfHelloTimeoutMs: 10_000,
  rpcTimeoutMs: 30_000,
  keepaliveIntervalMs: 15_000,
  idleCloseSeconds: 300,
  confirmTimeoutSeconds: 120,
  // Far above a loaded device's usual first answer (ms on loopback), far below rpcTimeoutMs.
  firstReplyWatchdogMs: 2_000,
  maxMessageBytes: 64 * 1024 * 1024,
  snmpPort: 161,
  // First try 1 s, then 1.5 s, then 2.25 s: a lost datagram costs 1 s, not a whole long timeout,
  // and the last try waits longest so a late answer still lands (docs/snmp.md, worst case 4.75 s).
  snmpTimeoutMs: 1_000,
  snmpRetries: 2,
  snmpBackoff: 1.5,
});
