import type { Command } from 'commander';
import { z } from 'zod';
import { findDevice, findPort } from '../../config/load.js';
import type { DcEvent } from '../../contract/events.js';
import { type JobName, jobIdSchema } from '../../contract/jobs.js';
import { PORT_TYPES } from '../../contract/port-types.js';
import { DcAgentError, UsageError } from '../../core/errors.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { createQueue, defaultJobId, enqueueJob } from '../../jobs/queue.js';
import { createRedis } from '../redis.js';
import { configFrom, connectionTargetFlags, intFlag, parseFlags } from './common.js';
import { formatEvent } from './event-format.js';
import { followEvents } from './events.js';
import { EXIT_FAILURE, EXIT_OK, type Output, processOutput } from './io.js';

const flagsSchema = z.strictObject({
  ...connectionTargetFlags,
  portType: z.enum(PORT_TYPES).optional(),
  bandwidthMbps: intFlag.optional(),
  jobId: jobIdSchema.optional(),
  dryRun: z.boolean().optional(),
  wait: z.boolean().optional(),
  timeout: intFlag.default(300),
  json: z.boolean().optional(),
});

/** Whether this event ends the job `jobId`: its success, block, plan, or final failure. */
export function endsJob(ev: DcEvent, jobId: string): boolean {
  if ((ev.data as { jobId?: string }).jobId !== jobId) return false;
  if (ev.type === 'provision.failed' || ev.type === 'deprovision.failed') return ev.data.final === true;
  return ev.type.startsWith('provision.') || ev.type.startsWith('deprovision.');
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
    .option('--wait', "print the connection's events until the job ends; exit 1 if it failed")
    .option('--timeout <seconds>', 'with --wait: give up after this long', '300')
    .option('--json', 'with --wait: events as JSON lines')
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
      // The agent checks the inventory too; checking here saves a round trip for an obvious typo.
      if (cfg.devices.length > 0) {
        const device = findDevice(cfg, flags.device);
        if (!device)
          throw new UsageError(
            `--device: ${flags.device} is not in the inventory of ${cfg.source ?? 'the config'}`,
          );
        if (!findPort(device, flags.port))
          throw new UsageError(`--port: ${flags.port} is not a port of ${device.id}`);
      }
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
      const jobId = flags.jobId ?? defaultJobId(name, flags.connection);
      const redis = createRedis(cfg.redis, 'cli', 'dcagent-enqueue');
      const queue = createQueue(cfg, redis);
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      try {
        // Note the stream position first, so no event of this job can slip past the wait.
        const tail = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0';
        await enqueueJob(queue, name, data, jobId);
        io.err(`enqueued ${name} ${jobId}`);
        if (!flags.wait) {
          io.out(jobId);
          process.exitCode = EXIT_OK;
          return;
        }
        let final: DcEvent | undefined;
        const signal = AbortSignal.timeout(flags.timeout * 1000);
        await followEvents({
          redis,
          keys,
          after: tail,
          connection: flags.connection,
          signal,
          onEvent: ({ event }) => {
            io.out(flags.json ? JSON.stringify(event) : formatEvent(event, io.isTTY));
            if (endsJob(event, jobId)) final = event;
            return final !== undefined;
          },
        });
        if (!final)
          throw new DcAgentError('timeout', `job ${jobId} did not finish within ${flags.timeout} s`);
        process.exitCode = final.type.endsWith('.failed') ? EXIT_FAILURE : EXIT_OK;
      } finally {
        await queue.close();
        redis.disconnect();
      }
    });
}
