import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_NAMES } from '../contract/jobs.js';

/**
 * The `name` label of the job series. A job's name is whatever the producer wrote; each new
 * label value is a new series held forever, so only the contract's names get their own.
 */
export function jobNameLabel(name: string): string {
  return (JOB_NAMES as readonly string[]).includes(name) ? name : 'other';
}

/**
 * The Prometheus series of CONTRACT §8, on a registry of our own (not the global one) so tests
 * and several agents in one process never share counters.
 */
export interface Metrics {
  registry: Registry;
  portRxDbm: Gauge<'device' | 'port' | 'lane'>;
  portTxDbm: Gauge<'device' | 'port' | 'lane'>;
  portOperUp: Gauge<'device' | 'port'>;
  portHealthy: Gauge<'device' | 'port'>;
  jobsTotal: Counter<'name' | 'outcome'>;
  jobDuration: Histogram<'name'>;
  pollDuration: Histogram<'device'>;
  pollFailures: Counter<'device' | 'reason'>;
  pollOverruns: Counter<'device'>;
  eventsPublished: Counter<'type'>;
  eventsRefused: Counter<'type'>;
  outboxDepth: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const opts = { registers: [registry] };
  return {
    registry,
    portRxDbm: new Gauge({
      name: 'dcagent_port_rx_dbm',
      help: 'Optical receive power per lane, dBm',
      labelNames: ['device', 'port', 'lane'],
      ...opts,
    }),
    portTxDbm: new Gauge({
      name: 'dcagent_port_tx_dbm',
      help: 'Optical transmit power per lane, dBm',
      labelNames: ['device', 'port', 'lane'],
      ...opts,
    }),
    portOperUp: new Gauge({
      name: 'dcagent_port_oper_up',
      help: '1 when ifOperStatus is up',
      labelNames: ['device', 'port'],
      ...opts,
    }),
    portHealthy: new Gauge({
      name: 'dcagent_port_healthy',
      help: '1 when the port is healthy by CONTRACT §5',
      labelNames: ['device', 'port'],
      ...opts,
    }),
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
    pollDuration: new Histogram({
      name: 'dcagent_poll_duration_seconds',
      help: 'Duration of one SNMP poll of a device',
      labelNames: ['device'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ...opts,
    }),
    pollOverruns: new Counter({
      name: 'dcagent_poll_overruns_total',
      help: 'Poll turns skipped because the previous poll of the device was still running',
      labelNames: ['device'],
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
  };
}
