import type { Job, Queue } from 'bullmq';
import type { Command } from 'commander';
import { z } from 'zod';
import { JOB_STATES } from '../../contract/cli-output.js';
import { UsageError } from '../../core/errors.js';
import { createQueue } from '../../jobs/pipeline/queue.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_FAILURE, EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { findJob, jobDetail, listJobs, retryFailedJob } from '../views/job.js';
import { configFrom } from './common.js';
import { jobDetailText, jobsTable } from './job-view.js';
import { withCliRedis } from './redis.js';

/**
 * A job id as it sits in the queue: the control plane picks it, or BullMQ numbers it (all digits,
 * which `enqueue` refuses but a control plane on BullMQ's defaults gets). Never contains ':'.
 */
const jobIdArg = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !s.includes(':'), 'must not contain ":"');

const CONFIG_OPTION = [
  '--config <file>',
  'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)',
] as const;

const listFlags = z.strictObject({
  config: z.string().optional(),
  state: z.array(z.enum(JOB_STATES)).optional(),
  limit: intFlag.max(10_000).default(50),
  json: z.boolean().optional(),
});

const oneFlags = z.strictObject({
  config: z.string().optional(),
  json: z.boolean().optional(),
});

const missingJob = (queue: Queue, id: string) =>
  new UsageError(
    `no job ${id} in queue ${queue.name} (never added, or removed by its removeOnComplete/removeOnFail)`,
  );

/** The job, or a usage error saying why it is not there. */
async function jobOrUsage(queue: Queue, id: string): Promise<{ job: Job; state: string }> {
  const found = await findJob(queue, id);
  if (!found) throw missingJob(queue, id);
  return found;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerJobs(program: Command, io: Output = processOutput): void {
  const jobs = program
    .command('jobs')
    // Without this, `jobs show ID --json` would hand --json to `jobs` (which has one too).
    .enablePositionalOptions()
    .description('the job queue as an operator needs it: list by state, show one job, retry a failed one')
    .option(
      '--state <state>',
      `only jobs in this state (${JOB_STATES.join(' | ')}); repeat for several (default: all)`,
      collect,
    )
    .option('--limit <n>', 'at most this many jobs per state, newest first', '50')
    .option('--json', 'a JSON array (docs/schema/cli.jobs.schema.json)')
    .option(...CONFIG_OPTION)
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(listFlags, raw);
      const cfg = configFrom(flags);
      await withCliRedis(cfg, 'dcagent-jobs', async (redis) => {
        const queue = createQueue(cfg, redis);
        queue.on('error', () => {});
        try {
          const views = await listJobs(queue, flags.state ?? JOB_STATES, flags.limit);
          io.out(flags.json ? JSON.stringify(views) : views.length ? jobsTable(views) : '(no jobs)');
        } finally {
          await queue.close().catch(() => {});
        }
      });
      process.exitCode = EXIT_OK;
    });

  jobs
    .command('show')
    .description('one job: its state, attempts, failed reason, data and result')
    .argument('<id>', 'job id')
    .option('--json', 'one JSON object (docs/schema/cli.job.schema.json)')
    .option(...CONFIG_OPTION)
    .action(async (rawId: string, raw: Record<string, unknown>) => {
      const { id } = parseFlags(z.object({ id: jobIdArg }), { id: rawId });
      const flags = parseFlags(oneFlags, raw);
      const cfg = configFrom(flags);
      await withCliRedis(cfg, 'dcagent-jobs', async (redis) => {
        const queue = createQueue(cfg, redis);
        queue.on('error', () => {});
        try {
          const { job, state } = await jobOrUsage(queue, id);
          const detail = jobDetail(job, state);
          io.out(flags.json ? JSON.stringify(detail) : jobDetailText(detail));
        } finally {
          await queue.close().catch(() => {});
        }
      });
      process.exitCode = EXIT_OK;
    });

  jobs
    .command('retry')
    .description(
      'run a failed job once more: one more attempt, numbered on from its last, so its events stay distinct',
    )
    .argument('<id>', 'job id')
    .option(...CONFIG_OPTION)
    .action(async (rawId: string, raw: Record<string, unknown>) => {
      const { id } = parseFlags(z.object({ id: jobIdArg }), { id: rawId });
      const flags = parseFlags(oneFlags.omit({ json: true }), raw);
      const cfg = configFrom(flags);
      const retried = await withCliRedis(cfg, 'dcagent-jobs', async (redis) => {
        const queue = createQueue(cfg, redis);
        queue.on('error', () => {});
        try {
          const outcome = await retryFailedJob(queue, id);
          if (outcome === 'missing') throw missingJob(queue, id);
          return outcome === 'retried' ? undefined : outcome;
        } finally {
          await queue.close().catch(() => {});
        }
      });
      if (retried !== undefined) {
        io.err(`dcagent: job ${id} is ${retried}, not failed: only a failed job can be retried`);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      io.err(`retried ${id}`);
      process.exitCode = EXIT_OK;
    });
}
