import type { Job, JobType, Queue } from 'bullmq';
import { z } from 'zod';
import type { JobDetail, JobState, JobView } from '../../contract/cli-output.js';

/**
 * Jobs as an operator reads them (`dcagent jobs`, the console's jobs page): the same view and the
 * same listing for both.
 */

/** The part of a BullMQ job this module reads; a structural type so tests need no Redis. */
export interface JobLike {
  id?: string | undefined;
  name: string;
  data: unknown;
  opts: { attempts?: number | undefined; delay?: number | undefined };
  attemptsMade: number;
  failedReason?: string | undefined;
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  returnvalue?: unknown;
}

/**
 * Job data in Redis was written by whoever added the job (another team's control plane, in any
 * language), so it is read defensively: only string fields are shown, anything else is null.
 */
const shownData = z
  .object({
    connectionId: z.string().max(200).optional().catch(undefined),
    device: z.string().max(200).optional().catch(undefined),
    port: z.string().max(200).optional().catch(undefined),
  })
  .catch({});

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

export function jobView(job: JobLike, state: string): JobView {
  const d = shownData.parse(typeof job.data === 'object' && job.data !== null ? job.data : {});
  return {
    id: String(job.id ?? ''),
    name: job.name,
    state,
    connectionId: d.connectionId ?? null,
    device: d.device ?? null,
    port: d.port ?? null,
    attemptsMade: job.attemptsMade,
    // The agent's rule (CONTRACT §3): a missing or 0 `attempts` counts as 1.
    attemptsMax: Math.max(1, job.opts.attempts ?? 1),
    failedReason: job.failedReason || null,
    createdAt: iso(job.timestamp) ?? new Date(0).toISOString(),
    processedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    delayMs: Math.max(0, job.opts.delay ?? 0),
  };
}

export function jobDetail(job: JobLike, state: string): JobDetail {
  return { ...jobView(job, state), data: job.data, returnvalue: job.returnvalue ?? null };
}

/**
 * BullMQ keeps a waiting job in one of three sets (plain, by priority, or waiting for its
 * children); an operator asking for waiting jobs means all three.
 */
const BULL_TYPES: Readonly<Record<JobState, readonly JobType[]>> = {
  waiting: ['wait', 'prioritized', 'waiting-children'],
  active: ['active'],
  delayed: ['delayed'],
  failed: ['failed'],
  completed: ['completed'],
};

/** Newest first within each state, at most `limit` per state. */
export async function listJobs(queue: Queue, states: readonly JobState[], limit: number): Promise<JobView[]> {
  const out: JobView[] = [];
  for (const state of states) {
    const jobs = await queue.getJobs([...BULL_TYPES[state]], 0, limit - 1, false);
    for (const job of jobs.slice(0, limit)) out.push(jobView(job, state));
  }
  return out;
}

/** A job and its state as `--state` names them (prioritized and waiting-children read as waiting). */
export async function findJob(queue: Queue, id: string): Promise<{ job: Job; state: string } | undefined> {
  const job = await queue.getJob(id);
  if (!job) return undefined;
  const state = await job.getState();
  return { job, state: state === 'prioritized' || state === 'waiting-children' ? 'waiting' : state };
}

/**
 * Runs a failed job once more: `retried`, or the state that forbids it. Only a failed job has
 * nothing running and nothing scheduled; retrying anything else would run one job twice at once.
 * attemptsMade is kept, so the next attempt gets the next number and its events carry ids
 * (`<jobId>:<type>:<attempt>`) the first round did not use.
 */
export async function retryFailedJob(queue: Queue, id: string): Promise<'retried' | 'missing' | string> {
  const found = await findJob(queue, id);
  if (!found) return 'missing';
  if (found.state !== 'failed') return found.state;
  await found.job.retry('failed');
  return 'retried';
}
