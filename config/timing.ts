/**
 * Worst-case timings derived from the configuration, shared by validation (config/load.ts), the
 * poll lease (agent/app.ts, inventoryPollLeaseMs) and the SNMP transport's messages, so all three agree on one formula
 * (documented in docs/snmp.md, "Worst-case poll time").
 */

export interface SnmpTiming {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoff: number;
}

/**
 * How long one SNMP request can take before it is declared lost: net-snmp waits `timeoutMs`
 * for the first try and multiplies the wait by `backoff` for each retransmission, so
 * timeoutMs × (1 + b + b² + … + b^retries).
 */
export function snmpRequestWorstMs(s: SnmpTiming): number {
  let total = 0;
  let wait = s.timeoutMs;
  for (let i = 0; i <= s.retries; i++) {
    total += wait;
    wait *= s.backoff;
  }
  return Math.ceil(total);
}

export interface PollShape {
  /** Optical lanes of every configured port of the device. */
  readonly portLanes: readonly number[];
  readonly varbindsPerPdu: number;
  readonly maxInFlightPerDevice: number;
  /** Some polls also read each port's ifInErrors (error counters, or qualification). */
  readonly countsErrors?: boolean;
}

/**
 * Varbinds the largest poll reads: sysUpTime and entLastChangeTime once, then per port
 * ifAdminStatus, ifOperStatus, its name read back, Rx and Tx per lane (the optics adapters read one
 * value per lane and direction), and ifInErrors on the polls that count errors.
 */
export function pollVarbinds(portLanes: readonly number[], countsErrors = false): number {
  const perPortExtra = countsErrors ? 1 : 0;
  return 2 + portLanes.reduce((n, lanes) => n + 3 + 2 * lanes + perPortExtra, 0);
}

/** The PDUs of a full poll go out `maxInFlightPerDevice` at a time: that many waves, one after another. */
export function pollWaves(shape: PollShape): number {
  const pdus = Math.ceil(
    pollVarbinds(shape.portLanes, shape.countsErrors) / Math.max(1, shape.varbindsPerPdu),
  );
  return Math.max(1, Math.ceil(pdus / Math.max(1, shape.maxInFlightPerDevice)));
}

/** A poll of every port in which every request needs every try: the longest a poll can run. */
export function worstCasePollMs(s: SnmpTiming, shape: PollShape): number {
  return snmpRequestWorstMs(s) * pollWaves(shape);
}

/**
 * The poll lease must outlive the longest poll plus one renewal period: a replica that holds a
 * device while its poll is still waiting for a late answer must still hold it when the answer
 * lands, or a second replica starts polling the same device.
 */
export function pollLeaseMs(intervalMs: number, worstPollMs: number): number {
  return Math.max(intervalMs, worstPollMs) + leaseRenewMs(intervalMs);
}

/**
 * The poll lease of every inventory the agent can run: validation (load.ts) refuses a device
 * whose worst-case poll exceeds the interval, at start and on every reload alike, and the interval
 * itself cannot change without a restart. So a lease sized from the interval outlives the slowest
 * poll of any device a reload can add, and nothing needs sizing again.
 */
export function inventoryPollLeaseMs(monitoring: { readonly intervalSeconds: number }): number {
  const intervalMs = monitoring.intervalSeconds * 1000;
  return pollLeaseMs(intervalMs, intervalMs);
}

/** Leases are renewed on their own timer, independent of poll rounds. */
export function leaseRenewMs(intervalMs: number): number {
  return Math.max(250, Math.floor(intervalMs / 2));
}
