import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DbmRange, Thresholds } from '../config/defaults.js';
import { JOB_NAMES } from '../contract/jobs.js';
import type { Bounds, LaneThresholds } from '../contract/optics.js';
import { agentVersion } from '../core/version.js';
import { DeviceHistogram } from './device-histogram.js';
import { type LaneBounds, PORT_SERIES_NAMES, PortSeries } from './port-series.js';

/**
 * The `name` label of the job series. A job's name is whatever the producer wrote; each new
 * label value is a new series held forever, so only the contract's names get their own.
 */
export function jobNameLabel(name: string): string {
  return (JOB_NAMES as readonly string[]).includes(name) ? name : 'other';
}

/**
 * The Prometheus series of CONTRACT §8, on a registry of our own (not the global one) so tests
 * and several agents in one process never share counters. The per-port families are not in the
 * registry: `ports` keeps them (see port-series.ts), and a scrape is the registry's text, then theirs.
 */
export interface Metrics {
  registry: Registry;
  ports: PortSeries;
  jobsTotal: Counter<'name' | 'outcome'>;
  jobDuration: Histogram<'name'>;
  /** Observed on every poll: kept by device in rows of its own (device-histogram.ts). */
  pollDuration: DeviceHistogram;
  pollFailures: Counter<'device' | 'reason'>;
  pollOverruns: Counter<'device'>;
  pollRound: Histogram;
  driftTotal: Counter<'device' | 'field'>;
  eventsPublished: Counter<'type'>;
  eventsRefused: Counter<'type'>;
  outboxDepth: Gauge;
  trapsReceived: Counter<'device' | 'type' | 'result'>;
  detection: Histogram<'source'>;
  trapHintsActive: Gauge;
  ready: Gauge;
  buildInfo: Gauge<'version'>;
  /** Read at each scrape for `dcagent_ready`; the composition root sets it (false until then). */
  readiness: () => boolean;
}

/** How often the event-loop lag histogram samples (ms). */
const EVENT_LOOP_SAMPLE_MS = 100;

export function createMetrics(): Metrics {
  const registry = new Registry();
  const opts = { registers: [registry] };
  // process_* and nodejs_* under their standard names, so stock dashboards and alerts fit. The
  // event-loop lag is sampled by a timer: prom-client's default of every 10 ms woke an idle agent
  // 100 times a second, about 6 of its 40 µs per port-poll at 10,000 ports (each wake is a
  // context switch; decision 0010). A stall shorter than the period can fall between samples; the
  // agent's own stalls worth an alert (a collection, a large scrape) last longer.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  // prom-client also serves these three gauges with a `_total` suffix, which Prometheus keeps for
  // counters (`promtool check metrics` flags them). The per-type gauges without the suffix
  // (nodejs_active_handles{type}, …) carry the same numbers: sum them.
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
  const m: Metrics = {
    registry,
    ports: new PortSeries(),
    readiness: () => false,
    jobsTotal: new Counter({
      name: 'dcagent_jobs_total',
      help: 'Jobs finished, by outcome',
      labelNames: ['name', 'outcome'],
      ...opts,
    }),
    jobDuration: new Histogram({
      name: 'dcagent_job_duration_seconds',
      help: 'Duration of one job attempt',
      labelNames: ['name'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      ...opts,
    }),
    pollDuration: new DeviceHistogram({
      name: 'dcagent_poll_duration_seconds',
      help: 'Duration of one SNMP poll of a device',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registry,
    }),
    pollRound: new Histogram({
      name: 'dcagent_poll_round_seconds',
      help: 'From the start of the polls that came due together (one phase step of the interval, or every device at start-up) to the end of the last of them',
      // Small buckets too: with devices spread over the interval a round is one step's devices.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 20, 30, 60],
      ...opts,
    }),
    pollOverruns: new Counter({
      name: 'dcagent_poll_overruns_total',
      help: 'Poll turns skipped because the previous poll of the device was still running',
      labelNames: ['device'],
      ...opts,
    }),
    driftTotal: new Counter({
      name: 'dcagent_drift_total',
      help: 'Drifts published in drift.detected (once per distinct drift), by device and field',
      labelNames: ['device', 'field'],
      ...opts,
    }),
    pollFailures: new Counter({
      name: 'dcagent_poll_failures_total',
      help: 'Failed SNMP polls, by reason',
      labelNames: ['device', 'reason'],
      ...opts,
    }),
    eventsPublished: new Counter({
      name: 'dcagent_events_published_total',
      help: 'Events written to the stream',
      labelNames: ['type'],
      ...opts,
    }),
    eventsRefused: new Counter({
      name: 'dcagent_events_refused_total',
      help: 'Events that failed their own schema (an agent bug); each job event is replaced by a final internal-error',
      labelNames: ['type'],
      ...opts,
    }),
    outboxDepth: new Gauge({
      name: 'dcagent_outbox_depth',
      help: 'Events waiting in the local spill for Redis',
      ...opts,
    }),
    trapsReceived: new Counter({
      name: 'dcagent_traps_received_total',
      help: 'SNMP traps received, by sender device ("" when unknown), trap type and what became of them',
      labelNames: ['device', 'type', 'result'],
      ...opts,
    }),
    detection: new Histogram({
      name: 'dcagent_detection_seconds',
      help: 'From the first sign of a change to the availability.changed it led to: source trap from the receipt of a linkDown/linkUp trap, source poll from the first regular poll that saw it',
      labelNames: ['source'],
      buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 30, 60],
      ...opts,
    }),
    trapHintsActive: new Gauge({
      name: 'dcagent_trap_hints_active',
      help: 'Devices with a trap-triggered poll (or its confirmation polls) under way; at most one per device',
      ...opts,
    }),
    ready: new Gauge({
      name: 'dcagent_ready',
      help: '1 when the agent is running with Redis connected and its job worker consuming (as /readyz, from memory)',
      ...opts,
      collect() {
        this.set(m.readiness() ? 1 : 0);
      },
    }),
    buildInfo: new Gauge({
      name: 'dcagent_build_info',
      help: 'Always 1; the labels say which build runs',
      labelNames: ['version'],
      ...opts,
    }),
  };
  m.buildInfo.set({ version: agentVersion() }, 1);
  return m;
}

/** The alarm bounds of a [min, max] range; module warning bounds come with module thresholds. */
export function alarmBounds(range: DbmRange): LaneBounds {
  return { 'low-alarm': range[0], 'high-alarm': range[1] };
}

/** The per-lane bounds today's config gives: the same alarm bounds on every lane. */
export function configLaneBounds(
  thresholds: Thresholds,
  lanes: number,
): { rx: LaneBounds; tx: LaneBounds }[] {
  const one = { rx: alarmBounds(thresholds.rx), tx: alarmBounds(thresholds.tx) };
  return Array.from({ length: Math.max(1, lanes) }, () => one);
}

type SeriesBounds = readonly { readonly rx: LaneBounds; readonly tx: LaneBounds }[];

/** Per shared LaneThresholds (core/intern.ts), its series bounds by lane count. */
const seriesBoundsOf = new WeakMap<LaneThresholds, SeriesBounds[]>();

/**
 * Every lane's bounds as series values: alarm and warning, where given. One frozen array for
 * every port with these thresholds and lanes, so 10,000 ports do not each hold their own.
 */
export function thresholdLaneBounds(b: LaneThresholds, lanes: number): SeriesBounds {
  let byLanes = seriesBoundsOf.get(b);
  if (!byLanes) {
    byLanes = [];
    seriesBoundsOf.set(b, byLanes);
  }
  const n = Math.max(1, lanes);
  let made = byLanes[n];
  if (!made) {
    made = Object.freeze(laneBoundsOf(b, n));
    byLanes[n] = made;
  }
  return made;
}

function laneBoundsOf(b: LaneThresholds, lanes: number): { rx: LaneBounds; tx: LaneBounds }[] {
  const side = (x: Bounds): LaneBounds => {
    const out: LaneBounds = {};
    if (x.lowAlarm !== null) out['low-alarm'] = x.lowAlarm;
    if (x.lowWarning !== null) out['low-warning'] = x.lowWarning;
    if (x.highWarning !== null) out['high-warning'] = x.highWarning;
    if (x.highAlarm !== null) out['high-alarm'] = x.highAlarm;
    return out;
  };
  const one = Object.freeze({ rx: Object.freeze(side(b.rx)), tx: Object.freeze(side(b.tx)) });
  return Array.from({ length: lanes }, () => one);
}

/** The whole exposition as one string: the registry's families, then the per-port ones. */
export async function metricsText(m: Metrics): Promise<string> {
  return (await m.registry.metrics()) + m.ports.text();
}

/** Every family name the agent exports, for checks against dashboards, alerts and CONTRACT §8. */
export function exportedNames(m: Metrics): string[] {
  return [...m.registry.getMetricsAsArray().map((x) => x.name), ...PORT_SERIES_NAMES];
}
