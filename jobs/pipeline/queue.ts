import { type ConnectionOptions, type JobsOptions, Queue, Worker } from 'bullmq';
import type { AgentConfig } from '../../config/load.js';
import { type JobName, jobIdSchema } from '../../contract/jobs.js';
import { InvalidJobError } from '../../core/errors.js';
import { toFieldIssues } from '../../core/zod-issues.js';
import { parseJob } from '../handlers/index.js';

type Connection = ConnectionOptions;

/** Default options of every job: retries with exponential backoff, and bounded retention. */
export function defaultJobOptions(cfg: AgentConfig): JobsOptions {
  return {
    attempts: cfg.queues.attempts,
    backoff: { type: 'exponential', delay: cfg.queues.backoffMs },
    removeOnComplete: { age: cfg.queues.keepCompletedSeconds },
    removeOnFail: { age: cfg.queues.keepFailedSeconds },
  };
}

export function createQueue(cfg: AgentConfig, connection: Connection): Queue {
  return new Queue(cfg.queues.jobs, {
    connection,
    prefix: cfg.redis.prefix,
    defaultJobOptions: defaultJobOptions(cfg),
  });
}

export function createWorker(
  cfg: AgentConfig,
  connection: Connection,
  processor: ConstructorParameters<typeof Worker>[1],
  options: { autorun?: boolean } = {},
): Worker {
  return new Worker(cfg.queues.jobs, processor, {
    connection,
    prefix: cfg.redis.prefix,
    concurrency: cfg.agent.concurrency,
    autorun: options.autorun ?? true,
    // A crashed worker's job is taken back after stalledSeconds. Live workers renew the lock at
    // half that, so a slow device call does not count as a stall; jobTimeoutSeconds bounds the call.
    lockDuration: cfg.queues.stalledSeconds * 1000,
    stalledInterval: Math.max(1000, Math.floor((cfg.queues.stalledSeconds * 1000) / 2)),
    maxStalledCount: 3,
  });
}

/**
 * The default job id, `<operation>-<connectionId>-<unix ms>` (CONTRACT §7). An audit without a
 * connection is named for its device, with anything BullMQ would refuse (':') made a '-'.
 */
export function defaultJobId(name: JobName, subject: string, now = Date.now()): string {
  return `${name}-${subject.replace(/[^A-Za-z0-9._-]/g, '-')}-${now}`;
}

/**
 * Validates and adds a job. The data is checked before it reaches the queue, so a bad
 * `enqueue` fails at the command line, not in a worker. Adding an existing jobId is a no-op (BullMQ).
 */
export async function enqueueJob(queue: Queue, name: JobName, data: unknown, jobId: string): Promise<string> {
  const id = jobIdSchema.safeParse(jobId);
  if (!id.success) throw new InvalidJobError(toFieldIssues(id.error, ['jobId']));
  const parsed = parseJob(name, data);
  const job = await queue.add(name, parsed.data, { jobId: id.data });
  return String(job.id);
}
