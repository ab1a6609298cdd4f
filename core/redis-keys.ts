/**
 * Every Redis key the agent uses, in one place. All sit under the configured prefix; with Redis
 * Cluster the prefix carries a hash tag (`{dcagent}`) so the keys one Lua script touches share a slot.
 */
export class RedisKeys {
  constructor(
    readonly prefix: string,
    private readonly streamName: string,
  ) {}

  /** The status event stream, `<prefix>:events` by default. */
  get events(): string {
    return `${this.prefix}:${this.streamName}`;
  }
  /** Last sequence number given to a subject's events. */
  sequence(subject: string): string {
    return `${this.prefix}:seq:${subject}`;
  }
  /** Marks an event id as published, so a redelivered event is not written twice. */
  eventId(id: string): string {
    return `${this.prefix}:evid:${id}`;
  }
  deviceLock(deviceId: string): string {
    return `${this.prefix}:lock:device:${deviceId}`;
  }
  /** Which device lease each NETCONF session that took a lock on the device ran under (hash by session-id). */
  netconfLockSessions(deviceId: string): string {
    return `${this.prefix}:netconf-lockers:${deviceId}`;
  }
  /** A tracked connection's record (device, port, lifecycle phase, health state). */
  connection(connectionId: string): string {
    return `${this.prefix}:conn:${connectionId}`;
  }
  /** A connection's per-lane Rx/Tx at `construction.completed` (agent/optics-history.ts). */
  opticsBaseline(connectionId: string): string {
    return `${this.prefix}:optics-baseline:${connectionId}`;
  }
  /** A connection's hourly per-lane min/avg/max, a list capped at `monitoring.trend.windowHours`. */
  opticsHistory(connectionId: string): string {
    return `${this.prefix}:optics-history:${connectionId}`;
  }
  /** The lanes whose trend episode is open (reported once), so a restart or lease move does not repeat it. */
  opticsTrend(connectionId: string): string {
    return `${this.prefix}:optics-trend:${connectionId}`;
  }
  /** Bumped on every add/remove of a tracked connection, so monitors reload the set only when it changed. */
  get trackedVersion(): string {
    return `${this.prefix}:tracked-version`;
  }
  get trackedConnections(): string {
    return `${this.prefix}:tracked`;
  }
  /** A device's recorded intents (hash by connection id, JSON values). */
  intents(deviceId: string): string {
    return `${this.prefix}:intent:${deviceId}`;
  }
  /** The last audit of each connection on a device (hash by connection id, JSON values). */
  audits(deviceId: string): string {
    return `${this.prefix}:audit:${deviceId}`;
  }
  /** Which replica runs the periodic audit of a device that no replica polls (no tracked connection). */
  auditClaim(deviceId: string): string {
    return `${this.prefix}:audit-claim:${deviceId}`;
  }
  pollLease(deviceId: string): string {
    return `${this.prefix}:poll-lease:${deviceId}`;
  }
  /** Trap hints passed to whichever replica holds the device (agent/traps/hint-stream.ts), a capped stream. */
  get trapHints(): string {
    return `${this.prefix}:trap-hints`;
  }
  /** Live replicas, a sorted set scored by heartbeat time. */
  get replicas(): string {
    return `${this.prefix}:replicas`;
  }
}
