import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import { deviceSubject, type EventData, type EventType, JOB_EVENT_TYPES } from '../../contract/events.js';
import { FAILURE_CODES, type FailureCode } from '../../contract/failure-codes.js';
import { connectionIdSchema } from '../../contract/jobs.js';
import { DcAgentError, EventRefusedError, InvalidJobError, isDcAgentError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { scrubSecrets } from '../../core/secret.js';
import type { DeviceDriver } from '../../drivers/driver.js';
import { backend } from '../backend.js';
import type { DeviceLock } from '../device-lock.js';
import type { JobHandler, Prepared } from '../handlers/handler.js';
import { isJobName, parseJob } from '../handlers/index.js';
import { MemoryIntentStore } from '../memory-intents.js';
import type { ConnectionWatch, EventPublisher, IntentStore, JobQueueView } from '../ports.js';

export interface ProcessorDeps {
  cfg: AgentConfig;
  driverFor(device: DeviceConfig): DeviceDriver;
  events: EventPublisher;
  lock: Pick<DeviceLock, 'tryAcquire'>;
  watch: ConnectionWatch;
  /** Where intents are recorded; in memory when not given (a process of its own, such as a test). */
  intents?: IntentStore;
  /** The queue heal consults; without one, no job counts as pending. */
  queue?: JobQueueView;
  logger: Logger;
  /** `dcagent run --dry-run`: every job is only planned. */
  dryRunAll?: boolean;
  /** Called with the outcome of every attempt, for metrics. */
  onOutcome?(name: string, outcome: JobOutcome, seconds: number): void;
  /** Called for each drift field an audit publishes, for metrics. */
  onDrift?(device: string, field: string): void;
}

export type JobOutcome = 'succeeded' | 'failed' | 'retrying' | 'blocked' | 'planned' | 'delayed';

/**
 * The subject of a job's events: its connection; for an audit that names none, its device
 * (`device:<id>`, docs/decisions/0005-audit-events.md); else `job-<id>`.
 */
function subjectOf(job: Job, data: unknown): string {
  const d = data as { connectionId?: unknown; device?: unknown } | null;
  if (connectionIdSchema.safeParse(d?.connectionId).success) return d?.connectionId as string;
  const device = job.name === 'audit' && typeof d?.device === 'string' ? deviceSubject(d.device) : undefined;
  if (device) return device;
  return `job-${String(job.id ?? 'unknown')
    .replace(/\s+/g, '_')
    .slice(0, 200)}`;
}

function toProjectError(err: unknown, signal: AbortSignal, deviceTouched: boolean): DcAgentError {
  if (isDcAgentError(err)) return err;
  if (signal.aborted) {
    const reason = signal.reason;
    if (isDcAgentError(reason)) return reason;
    return new DcAgentError('timeout', reason instanceof Error ? reason.message : 'job deadline passed', {
      cause: err,
    });
  }
  // A defect of ours or a library's. Before the device was touched a retry would only repeat it;
  // after, the port may be half-way to the intent, and since every job is idempotent the next
  // attempt is what finishes it (a final failure here would leave a changed port nobody tracks).
  return new DcAgentError(
    'rpc-error',
    `unexpected error: ${err instanceof Error ? err.message : String(err)}`,
    {
      retryable: deviceTouched,
      cause: err,
    },
  );
}

function failureCode(code: string): FailureCode {
  if (code === 'internal') return 'internal-error';
  return (FAILURE_CODES as readonly string[]).includes(code) ? (code as FailureCode) : 'rpc-error';
}

/**
 * What BullMQ records as the job's end: `failedReason` starts with the same code as the event.
 * An unrecoverable error ends the job at once; a retryable one lets BullMQ decide from `attempts`.
 */
function jobError(e: DcAgentError): Error {
  const reason = `${failureCode(e.code)}: ${e.message}`;
  if (!e.retryable) return new UnrecoverableError(reason);
  return new DcAgentError(e.code, reason, { retryable: true, cause: e });
}

/** The `*.failed` type of a job; a job with an unknown name reports as a provision. */
function failedTypeOf(name: string): EventType | undefined {
  return isJobName(name) ? JOB_EVENT_TYPES[name]?.failed : 'provision.failed';
}

/**
 * Builds the BullMQ processor for every job type (CONTRACT §3): the envelope around the handler
 * table. It validates, resolves the target, plans (dry runs) or takes the device lock and runs the
 * handler, and turns every error into the job's `*.failed` event and BullMQ's retry decision.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { cfg, logger } = deps;
  const intents = deps.intents ?? new MemoryIntentStore();
  const queue: JobQueueView = deps.queue ?? { hasPendingJob: async () => false };

  return async function processJob(job: Job, token?: string, workerSignal?: AbortSignal): Promise<unknown> {
    const started = Date.now();
    const attempt = job.attemptsMade + 1;
    // BullMQ stores `attempts: 0` when the producer sets none, and runs such a job once (CONTRACT §3).
    const attemptsMax = Math.max(1, job.opts.attempts || 1);
    const name = job.name;
    const subject = subjectOf(job, job.data);
    const jobId = String(job.id);
    const log = logger.child({ jobId, job: name, connectionId: subject });
    const deadline = AbortSignal.timeout(cfg.queues.jobTimeoutSeconds * 1000);
    const signals = [deadline, ...(workerSignal ? [workerSignal] : [])];
    let target: Prepared | undefined;
    /** Set once anything was sent that may change the device. */
    let deviceTouched = false;
    let held: Awaited<ReturnType<DeviceLock['tryAcquire']>>;
    const outcome = (o: JobOutcome) => deps.onOutcome?.(name, o, (Date.now() - started) / 1000);

    try {
      const parsed = parseJob(name, job.data);
      const handler: JobHandler<unknown> = parsed.handler;
      target = handler.prepare(cfg, parsed.data);
      const driver = deps.driverFor(target.device);
      const planned = JOB_EVENT_TYPES[parsed.name]?.planned;

      // A job type without a plan (audit) only reads the device, so under `run --dry-run` it runs.
      if (handler.plan && planned && ((parsed.data as { dryRun?: boolean }).dryRun || deps.dryRunAll)) {
        // Planning reads the device only: no lock, no edit.
        const plan = await handler.plan(target, driver, { signal: AbortSignal.any(signals) });
        const data: EventData<'provision.planned'> = {
          device: target.device.id,
          port: plan.port,
          jobId,
          rpc: plan.rpc,
          diff: plan.diff,
          changes: plan.changes,
          platform: target.device.platform,
        };
        await deps.events.publish({ type: planned, subject, data, id: `${jobId}:${planned}` });
        outcome('planned');
        return data;
      }

      const deviceId = target.device.id;
      held = await backend('taking the device lock', () => deps.lock.tryAcquire(deviceId, jobId));
      if (!held) {
        // Another job is writing to this device: wait our turn without spending an attempt.
        log.debug({ device: deviceId }, 'device busy; delaying job');
        outcome('delayed');
        await backend('delaying the job', () =>
          job.moveToDelayed(Date.now() + cfg.queues.deviceLockRetryMs, token),
        );
        throw new DelayedError();
      }
      const result = await handler.run(target, {
        jobId,
        started,
        driver,
        signal: AbortSignal.any([...signals, held.lost]),
        lease: held.token,
        publish: async (type, data) => {
          await deps.events.publish({ type, subject, data, id: `${jobId}:${type}` });
        },
        watch: deps.watch,
        intents,
        queue,
        events: deps.events,
        dryRun: deps.dryRunAll ?? false,
        ...(deps.onDrift ? { onDrift: deps.onDrift } : {}),
        log,
        touchDevice: () => {
          deviceTouched = true;
        },
      });
      outcome(result.outcome);
      return result.value;
    } catch (err) {
      if (err instanceof DelayedError || (err as Error)?.name === 'DelayedError') throw err;
      const e = toProjectError(err, AbortSignal.any(signals), deviceTouched);
      if (e instanceof EventRefusedError && e.reported) {
        // The outbox has already published this job's final internal-error in the refused event's place.
        outcome('failed');
        throw jobError(e);
      }
      const final = !e.retryable || attempt >= attemptsMax;
      const type = failedTypeOf(name);
      if (type) {
        const failed: EventData<'provision.failed'> = {
          device: target?.device.id ?? stringOrNull((job.data as { device?: unknown })?.device),
          port: target ? target.port : stringOrNull((job.data as { port?: unknown })?.port),
          jobId,
          code: failureCode(e.code),
          // Foreign error text ends up in an event; scrub it as the log sink does, in case a library quoted a secret.
          message: scrubSecrets(e.message),
          retryable: e.retryable,
          attempt,
          attemptsMax,
          final,
          ...(e instanceof InvalidJobError ? { fields: [...e.issues] } : {}),
        };
        try {
          await deps.events.publish({ type, subject, data: failed, id: `${jobId}:${type}:${attempt}` });
        } catch (publishErr) {
          // Our own failure event was malformed: the outbox published the final internal-error instead.
          if (publishErr instanceof EventRefusedError && publishErr.reported) {
            outcome('failed');
            throw jobError(publishErr);
          }
          throw publishErr;
        }
      }
      log.warn(
        { code: e.code, retryable: e.retryable, attempt, attemptsMax, err: e.message },
        'job attempt failed',
      );
      outcome(final ? 'failed' : 'retrying');
      throw jobError(e);
    } finally {
      await held?.release();
    }
  };
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : null;
}
