import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import type { EventData, EventType } from '../../contract/events.js';
import type { JobName } from '../../contract/jobs.js';
import type { Logger } from '../../core/logger.js';
import type { DeviceDriver, Plan, PlanOptions } from '../../drivers/driver.js';
import type { ConnectionWatch, EventPublisher, IntentStore, JobQueueView } from '../ports.js';

/** What a job's data resolves to in the inventory, before anything talks to a device. */
export interface Prepared {
  device: DeviceConfig;
  /** The port its events name; null when the job names none (an audit of a whole device). */
  port: string | null;
}

/** What the envelope gives a handler's execution once the device lock is held. */
export interface JobContext {
  jobId: string;
  /** Epoch ms when the attempt started. */
  started: number;
  driver: DeviceDriver;
  /** Job deadline, worker shutdown and loss of the device lock. */
  signal: AbortSignal;
  /** The device lease token, for drivers that record who took their locks. */
  lease: string;
  /** Publishes one of the job's events, with an id stable across redelivery (`<jobId>:<type>`). */
  publish<T extends EventType>(type: T, data: EventData<T>): Promise<void>;
  watch: ConnectionWatch;
  /** Recorded intents and audit results (CONTRACT §3, §5). */
  intents: IntentStore;
  /** Waiting, delayed and active jobs, so heal leaves a connection with work pending alone. */
  queue: JobQueueView;
  /** Events about other subjects than the job's own (an audit's drifts, one per connection). */
  events: EventPublisher;
  /** `run --dry-run`: a job that only reads (audit) runs, but changes nothing (no heal). */
  dryRun: boolean;
  /** Counts each drift published, for `dcagent_drift_total`. */
  onDrift?(device: string, field: string): void;
  log: Logger;
  /** Called before the first call that may change the device (an unknown error after it is retryable). */
  touchDevice(): void;
}

export type HandlerOutcome = 'succeeded' | 'blocked';

export interface HandlerResult {
  outcome: HandlerOutcome;
  /** The job's return value: the data of its final event, or what an audit read. */
  value: unknown;
}

/**
 * One job type: its inventory checks, its plan and its execution. The envelope (processor.ts)
 * does validation, locking, the planned event and the failed event around it.
 */
export interface JobHandler<D, P extends Prepared = Prepared> {
  readonly name: JobName;
  /** Inventory lookup and the checks the inventory alone can make; pure and device-free. */
  prepare(cfg: AgentConfig, data: D): P;
  /** Reads the device (or, offline, nothing) and fails exactly where the job would. */
  plan?(prepared: P, driver: DeviceDriver, options: PlanOptions): Promise<Plan>;
  run(prepared: P, ctx: JobContext): Promise<HandlerResult>;
}
