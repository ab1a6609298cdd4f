import type { Queue } from 'bullmq';
import type { Command } from 'commander';
import { z } from 'zod';
import { type DcEvent, JOB_EVENT_TYPES } from '../../contract/events.js';
import { type JobName, jobIdSchema } from '../../contract/jobs.js';
import { PORT_TYPES } from '../../contract/port-types.js';
import { DcAgentError, UsageError } from '../../core/errors.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { createQueue, defaultJobId, enqueueJob } from '../../jobs/pipeline/queue.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_BLOCKED, EXIT_FAILURE, EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { planCliJob, prepareCliJob } from '../views/job-check.js';
import { configFrom, connectionTargetFlags } from './common.js';
import { formatEvent } from './event-format.js';
import { followEvents } from './events.js';
import { withCliRedis } from './redis.js';

/**
 * How long a job may sit untaken before `enqueue` says that no agent seems to be consuming the
 * queue. Agents take a job within milliseconds when they run; 30 s leaves room for a busy agent
 * working through a backlog at full concurrency. `--warn-after` changes it (tests shorten it).
 */
export const NO_WORKER_WARNING_SECONDS = 30;

const flagsSchema = z.strictObject({
  ...connectionTargetFlags,
  portType: z.enum(PORT_TYPES).optional(),
  bandwidthMbps: intFlag.optional(),
  jobId: jobIdSchema.optional(),
  dryRun: z.boolean().optional(),
  wait: z.boolean().optional(),
  timeout: intFlag.default(300),
  warnAfter: intFlag.default(NO_WORKER_WARNING_SECONDS),
  json: z.boolean().optional(),
});

/** Whether this event ends the job `jobId`: its success, block, plan, or final failure. */
export function endsJob(ev: DcEvent, jobId: string): boolean {
  if ((ev.data as { jobId?: string }).jobId !== jobId) return false;
  const job = Object.values(JOB_EVENT_TYPES).find(
    (t) => t.planned === ev.type || t.failed === ev.type || t.outcomes.includes(ev.type),
  );
  if (!job) return false;
  return ev.type === job.failed ? (ev.data as { final?: boolean }).final === true : true;
}

/** CONTRACT §7: 1 for a failed job, 3 for a deprovision refused because PVIs remain. */
export function exitStatusFor(final: DcEvent): number {
  if (final.type === 'deprovision.blocked') return EXIT_BLOCKED;
  return final.type.endsWith('.failed') ? EXIT_FAILURE : EXIT_OK;
}

/** Age of the oldest job still waiting for a worker, if any. */
async function oldestWaitingAgeMs(queue: Queue): Promise<number | undefined> {
  const [oldest] = await queue.getJobs(['wait'], 0, 0, true);
  return oldest ? Date.now() - oldest.timestamp : undefined;
}

function noWorkerWarning(queueName: string, ms: number): string {
  return `dcagent: warning: no worker has taken a job from queue ${queueName} for ${Math.round(ms / 1000)} s (no agent is running?)`;
}

export function registerEnqueue(program: Command, io: Output = processOutput): void {
  program
    .command('enqueue')
    .description('put a provision or deprovision job on the queue, as the control plane would')
    .argument('<operation>', 'provision | deprovision')
    .requiredOption('--device <id>', 'device id from the inventory')
    .requiredOption('--port <name>', 'port name as the device spells it')
    .requiredOption('--connection <id>', 'Hosted Connection id, e.g. hc-7f2a9c')
    .option('--description <text>', 'customer text (provision only, at most 64 printable characters)')
    .option('--port-type <type>', `provision only: ${PORT_TYPES.join(' | ')}`)
    .option('--bandwidth-mbps <n>', 'provision only: bandwidth, at most the port speed')
    .option('--job-id <id>', 'idempotency key (default <operation>-<connection>-<unix ms>)')
    .option('--dry-run', 'plan only: the agent publishes *.planned and changes nothing')
    .option(
      '--wait',
      "print the connection's events until the job ends; exit 1 if it failed, 3 if deprovision.blocked",
    )
    .option('--timeout <seconds>', 'with --wait: give up after this long', '300')
    .option('--json', 'with --wait: events as JSON lines')
    .option(
      '--warn-after <seconds>',
      'warn when no worker has taken a job from the queue for this long',
      String(NO_WORKER_WARNING_SECONDS),
    )
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (operation: string, raw: Record<string, unknown>) => {
      if (operation !== 'provision' && operation !== 'deprovision') {
        throw new UsageError(`operation must be provision or deprovision, not ${JSON.stringify(operation)}`);
      }
      const name = operation as JobName;
      const flags = parseFlags(flagsSchema, raw);
      if (
        name === 'deprovision' &&
        (flags.description !== undefined || flags.portType || flags.bandwidthMbps)
      ) {
        throw new UsageError('--description, --port-type and --bandwidth-mbps apply to provision only');
      }
      const cfg = configFrom(flags);
      const data = {
        schemaVersion: 1,
        connectionId: flags.connection,
        device: flags.device,
        port: flags.port,
        ...(name === 'provision' && flags.description !== undefined
          ? { description: flags.description }
          : {}),
        ...(flags.portType ? { portType: flags.portType } : {}),
        ...(flags.bandwidthMbps ? { bandwidthMbps: flags.bandwidthMbps } : {}),
        ...(flags.dryRun ? { dryRun: true } : {}),
      };
      // The job's own checks, and what the platform's dialect can carry (an offline plan), before
      // anything reaches the queue. Without an inventory only the agent can check the target.
      if (cfg.devices.length > 0) await planCliJob(prepareCliJob(cfg, name, data), { offline: true });
      const jobId = flags.jobId ?? defaultJobId(name, flags.connection);
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      await withCliRedis(cfg, 'dcagent-enqueue', async (redis) => {
        const queue = createQueue(cfg, redis);
        // BullMQ also reports its failures as 'error' events; the awaited call below reports them once.
        queue.on('error', () => {});
        try {
          // Note the stream position first, so no event of this job can slip past the wait.
          const tail = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
          await enqueueJob(queue, name, data, jobId);
          io.err(`enqueued ${name} ${jobId}`);
          const warnMs = flags.warnAfter * 1000;
          const staleMs = await oldestWaitingAgeMs(queue);
          if (staleMs !== undefined && staleMs >= warnMs) io.err(noWorkerWarning(cfg.queues.jobs, staleMs));
          if (!flags.wait) {
            io.out(jobId);
            process.exitCode = EXIT_OK;
            return;
          }
          let final: DcEvent | undefined;
          const signal = AbortSignal.timeout(flags.timeout * 1000);
          // Said at most once, and only when nothing else explains the silence: the job is still waiting.
          const watchdog = setTimeout(() => {
            void queue
              .getJobState(jobId)
              .then((state) => {
                if (state === 'waiting' && !final) io.err(noWorkerWarning(cfg.queues.jobs, warnMs));
              })
              .catch(() => {});
          }, warnMs);
          watchdog.unref();
          signal.addEventListener('abort', () => clearTimeout(watchdog), { once: true });
          await followEvents({
            redis,
            keys,
            after: tail,
            filter: { connection: flags.connection },
            signal,
            onEvent: ({ event }) => {
              io.out(flags.json ? JSON.stringify(event) : formatEvent(event, io.isTTY));
              if (endsJob(event, jobId)) final = event;
              return final !== undefined;
            },
          });
          clearTimeout(watchdog);
          if (!final)
            throw new DcAgentError('timeout', `job ${jobId} did not finish within ${flags.timeout} s`);
          process.exitCode = exitStatusFor(final);
        } finally {
          await queue.close().catch(() => {});
        }
      });
    });
}
