import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { AgentConfig, DeviceConfig } from '../config/load.js';
import type { EventData } from '../contract/events.js';
import { connectionIdSchema, connectionOfDescription, JOB_SCHEMAS, type JobName } from '../contract/jobs.js';
import {
  DcAgentError,
  EventRefusedError,
  errorMessage,
  FAILURE_CODES,
  type FailureCode,
  InvalidJobError,
  isDcAgentError,
} from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { scrubSecrets } from '../core/secret.js';
import { toFieldIssues } from '../core/zod-issues.js';
import type { DeviceDriver, Operation } from '../drivers/driver.js';
import type { DeviceLock } from './device-lock.js';
import { clearIntent, provisionIntent, resolveTarget, type Target } from './intent.js';
import type { ConnectionWatch, EventPublisher } from './ports.js';

export interface ProcessorDeps {
  cfg: AgentConfig;
  driverFor(device: DeviceConfig): DeviceDriver;
  events: EventPublisher;
  lock: DeviceLock;
  watch: ConnectionWatch;
  logger: Logger;
  /** `dcagent run --dry-run`: every job is only planned. */
  dryRunAll?: boolean;
  /** Called with the outcome of every attempt, for metrics. */
  onOutcome?(name: string, outcome: JobOutcome, seconds: number): void;
}

export type JobOutcome = 'succeeded' | 'failed' | 'retrying' | 'blocked' | 'planned' | 'delayed';

type FinalData =
  | EventData<'provision.succeeded'>
  | EventData<'deprovision.succeeded'>
  | EventData<'deprovision.blocked'>
  | EventData<'provision.planned'>
  | EventData<'provision.failed'>;

/** The subject of a job's events: its connection, or `job-<id>` when the data names none usable. */
function subjectOf(job: Job, data: unknown): string {
  const id = (data as { connectionId?: unknown } | null)?.connectionId;
  if (connectionIdSchema.safeParse(id).success) return id as string;
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

/**
 * Runs one Redis step of a job. The clients the job uses fail fast while Redis is away (no
 * offline queue), and their plain errors must not read as a device fault: CONTRACT §4 makes any
 * Redis error inside a job a retryable `backend-unavailable`.
 */
async function backend<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isDcAgentError(err)) throw err;
    throw new DcAgentError('backend-unavailable', `Redis: ${what} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
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

/**
 * Builds the BullMQ processor for `provision` and `deprovision` jobs (CONTRACT §3). The returned
 * value is the data of the job's final event.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { cfg, logger } = deps;

  return async function processJob(job: Job, token?: string, workerSignal?: AbortSignal): Promise<FinalData> {
    const started = Date.now();
    const attempt = job.attemptsMade + 1;
    // BullMQ stores `attempts: 0` when the producer sets none, and runs such a job once (CONTRACT §3).
    const attemptsMax = Math.max(1, job.opts.attempts ?? 1);
    const name = job.name as JobName;
    const subject = subjectOf(job, job.data);
    const jobId = String(job.id);
    const log = logger.child({ jobId, job: name, connectionId: subject });
    const deadline = AbortSignal.timeout(cfg.queues.jobTimeoutSeconds * 1000);
    const signals = [deadline, ...(workerSignal ? [workerSignal] : [])];
    let target: Target | undefined;
    /** Set once anything was sent that may change the device. */
    let deviceTouched = false;
    let held: Awaited<ReturnType<DeviceLock['tryAcquire']>>;
    const outcome = (o: JobOutcome) => deps.onOutcome?.(name, o, (Date.now() - started) / 1000);

    try {
      // Own keys only: a job named `constructor` or `__proto__` would find Object.prototype's.
      const schema = Object.hasOwn(JOB_SCHEMAS, name) ? JOB_SCHEMAS[name] : undefined;
      if (!schema)
        throw new InvalidJobError([
          { path: '(name)', message: `unknown job name ${JSON.stringify(job.name)}` },
        ]);
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) {
        // A payload that is not an object at all has no field to name; `(data)` says that, like `(name)`.
        throw new InvalidJobError(
          toFieldIssues(parsed.error).map((i) => (i.path === '' ? { ...i, path: '(data)' } : i)),
        );
      }
      const data = parsed.data;
      target = resolveTarget(cfg, data);
      const intent =
        name === 'provision' ? provisionIntent(parsed.data as never, target) : clearIntent(data, target);
      const driver = deps.driverFor(target.device);

      if (data.dryRun || deps.dryRunAll) {
        // Planning reads the device only: no lock, no edit.
        const plan = await driver.plan(name as Operation, intent, { signal: AbortSignal.any(signals) });
        const planned: EventData<'provision.planned'> = {
          device: target.device.id,
          port: target.port.name,
          jobId,
          rpc: plan.rpc,
          diff: plan.diff,
          changes: plan.changes,
          platform: target.device.platform,
        };
        await deps.events.publish({
          type: `${name}.planned`,
          subject,
          data: planned,
          id: `${jobId}:${name}.planned`,
        });
        outcome('planned');
        return planned;
      }

      const deviceId = target.device.id;
      held = await backend('taking the device lock', () => deps.lock.tryAcquire(deviceId, jobId));
      if (!held) {
        // Another job is writing to this device: wait our turn without spending an attempt.
        log.debug({ device: target.device.id }, 'device busy; delaying job');
        outcome('delayed');
        await backend('delaying the job', () =>
          job.moveToDelayed(Date.now() + cfg.queues.deviceLockRetryMs, token),
        );
        throw new DelayedError();
      }
      const signal = AbortSignal.any([...signals, held.lost]);
      const current = await driver.readPortConfig(target.port.name, { signal });
      const owner = connectionOfDescription(current.description);
      if (owner && owner !== data.connectionId) {
        throw new DcAgentError(
          'port-in-use',
          `port ${target.port.name} on ${target.device.id} is configured for ${owner}`,
          {
            retryable: false,
          },
        );
      }

      if (name === 'provision') {
        deviceTouched = true;
        const result = await driver.apply(intent, { signal, lease: held.token });
        const ok: EventData<'provision.succeeded'> = {
          device: target.device.id,
          port: target.port.name,
          jobId,
          portType: intent.portType,
          description: intent.description,
          verified: true,
          confirmedCommit: result.confirmedCommit,
          durationMs: Date.now() - started,
          changed: result.changed,
        };
        const watched = {
          connectionId: data.connectionId,
          device: target.device.id,
          port: target.port.name,
          portType: target.port.portType,
        };
        await backend('tracking the connection', () => deps.watch.watch(watched));
        await deps.events.publish({
          type: 'provision.succeeded',
          subject,
          data: ok,
          id: `${jobId}:provision.succeeded`,
        });
        log.info({ changed: result.changed, ms: ok.durationMs }, 'provisioned');
        outcome('succeeded');
        return ok;
      }

      const subinterfaces = await driver.listSubinterfaces(target.port.name, { signal });
      if (subinterfaces.length > 0) {
        const blocked: EventData<'deprovision.blocked'> = {
          device: target.device.id,
          port: target.port.name,
          jobId,
          reason: 'private-virtual-interfaces',
          subinterfaces,
        };
        await deps.events.publish({
          type: 'deprovision.blocked',
          subject,
          data: blocked,
          id: `${jobId}:deprovision.blocked`,
        });
        log.info({ subinterfaces }, 'deprovision blocked by private virtual interfaces');
        outcome('blocked');
        return blocked;
      }
      deviceTouched = true;
      await driver.clear(target.port.name, { signal, lease: held.token });
      await backend('untracking the connection', () => deps.watch.unwatch(data.connectionId));
      let lightPresent = false;
      try {
        lightPresent = await deps.watch.lightPresent(target.device.id, target.port.name, signal);
      } catch (err) {
        // The port is cleared and verified; an unreadable optic only leaves this hint unknown.
        log.warn(
          { err: (err as Error).message },
          'could not read light after clearing; reporting lightPresent false',
        );
      }
      const done: EventData<'deprovision.succeeded'> = {
        device: target.device.id,
        port: target.port.name,
        jobId,
        verified: true,
        lightPresent,
      };
      await deps.events.publish({
        type: 'deprovision.succeeded',
        subject,
        data: done,
        id: `${jobId}:deprovision.succeeded`,
      });
      log.info({ lightPresent }, 'deprovisioned');
      outcome('succeeded');
      return done;
    } catch (err) {
      if (err instanceof DelayedError || (err as Error)?.name === 'DelayedError') throw err;
      const e = toProjectError(err, AbortSignal.any(signals), deviceTouched);
      if (e instanceof EventRefusedError && e.reported) {
        // The outbox has already published this job's final internal-error in the refused event's place.
        outcome('failed');
        throw jobError(e);
      }
      const final = !e.retryable || attempt >= attemptsMax;
      const failed: EventData<'provision.failed'> = {
        device: target?.device.id ?? stringOrNull((job.data as { device?: unknown })?.device),
        port: target?.port.name ?? stringOrNull((job.data as { port?: unknown })?.port),
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
      const type = name === 'deprovision' ? 'deprovision.failed' : 'provision.failed';
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
