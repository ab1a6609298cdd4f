import type { Queue } from 'bullmq';
import type { Command } from 'commander';
import { z } from 'zod';
import { FAILURE_CODES } from '../../contract/failure-codes.js';
import { connectionIdSchema, jobIdSchema } from '../../contract/jobs.js';
import { DcAgentError } from '../../core/errors.js';
import type { AuditResult } from '../../jobs/handlers/audit.js';
import { createQueue, defaultJobId, enqueueJob } from '../../jobs/pipeline/queue.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { prepareCliJob } from '../views/job-check.js';
import { configFrom } from './common.js';
import { withCliRedis } from './redis.js';

/**
 * `dcagent audit`: enqueues an `audit` job (CONTRACT §3, §7). With `--wait` it polls the job until
 * it ends and prints what the agent read: the job's return value, which is its final
 * `audit.completed` event's data plus the ports as read.
 */

/** How often `--wait` asks Redis for the job's state. */
const WAIT_POLL_MS = 250;

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  device: z.string().min(1).max(64),
  port: z.string().min(1).max(64).optional(),
  connection: connectionIdSchema.optional(),
  jobId: jobIdSchema.optional(),
  wait: z.boolean().optional(),
  timeout: intFlag.default(300),
  json: z.boolean().optional(),
});

export function formatAudit(r: AuditResult): string[] {
  const n = r.drifts.length;
  const verdict =
    n === 0
      ? 'no drift'
      : `${n} connection${n === 1 ? '' : 's'} drifted${r.policy === 'heal' ? `, ${r.healed} healed` : ''}`;
  const lines = [
    `audit ${r.device} (job ${r.jobId ?? '?'}): ${r.ports.length} port${r.ports.length === 1 ? '' : 's'} read, ${verdict} (policy ${r.policy})`,
  ];
  // The drifts first: they are what the engineer ran the audit to find.
  for (const d of r.drifts) {
    const what = d.healed ? 'healed' : d.published ? 'reported' : 'already reported';
    lines.push(`  DRIFT ${d.connectionId} on ${d.port} (${what}):`);
    for (const f of d.drifts) {
      lines.push(`    ${f.field}: expected ${JSON.stringify(f.expected)}, found ${JSON.stringify(f.actual)}`);
    }
  }
  lines.push('  ports as read:');
  for (const p of r.ports) {
    if (!p.exists) {
      lines.push(`    ${p.port}: no configuration`);
      continue;
    }
    const enabled = p.enabled === null ? 'enabled unknown' : p.enabled ? 'enabled' : 'shutdown';
    const description = p.description === null ? 'no description' : JSON.stringify(p.description);
    const subs = p.subinterfaces.length > 0 ? `, sub-interfaces ${p.subinterfaces.join(', ')}` : '';
    lines.push(`    ${p.port}: ${enabled}, ${description}${subs}`);
  }
  return lines;
}

/** The agent's failedReason starts with the failure code (`unknown-port: …`); it is reported as that code. */
function failureOf(jobId: string, reason: string): DcAgentError {
  const m = /^([a-z-]+): (.*)$/s.exec(reason);
  const code = FAILURE_CODES.find((c) => c === m?.[1]) ?? 'internal-error';
  return new DcAgentError(code, `audit ${jobId} failed: ${m ? m[2] : reason}`);
}

/** Waits for the job to end: its return value, or its failure as the agent recorded it. */
async function waitForJob(queue: Queue, jobId: string, timeoutSeconds: number): Promise<AuditResult> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const job = await queue.getJob(jobId);
    if (job?.finishedOn !== undefined) {
      if (job.failedReason) throw failureOf(jobId, job.failedReason);
      return job.returnvalue as AuditResult;
    }
    if (Date.now() >= deadline) {
      throw new DcAgentError('timeout', `job ${jobId} did not finish within ${timeoutSeconds} s`);
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

export function registerAudit(program: Command, io: Output = processOutput): void {
  program
    .command('audit')
    .description("enqueue an audit job: the agent reads the device's port configuration and changes nothing")
    .requiredOption('--device <id>', 'device id from the inventory')
    .option('--port <name>', 'only this port (default: every inventory port of the device)')
    .option('--connection <id>', 'the Hosted Connection the audit is for, if any')
    .option('--job-id <id>', 'idempotency key (default audit-<connection or device>-<unix ms>)')
    .option('--wait', 'wait for the job to end and print what it read; exit 1 if it failed')
    .option('--timeout <seconds>', 'with --wait: give up after this long', '300')
    .option('--json', 'with --wait: print the result as one JSON document')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const cfg = configFrom(flags);
      const data = {
        schemaVersion: 1,
        device: flags.device,
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.connection !== undefined ? { connectionId: flags.connection } : {}),
      };
      // The job's own checks first, so a typo exits 2 with the words `plan` and `status` use.
      if (cfg.devices.length > 0) prepareCliJob(cfg, 'audit', data);
      const jobId = flags.jobId ?? defaultJobId('audit', flags.connection ?? flags.device);
      await withCliRedis(cfg, 'dcagent-audit', async (redis) => {
        const queue = createQueue(cfg, redis);
        // BullMQ also reports its failures as 'error' events; the awaited calls report them once.
        queue.on('error', () => {});
        try {
          await enqueueJob(queue, 'audit', data, jobId);
          io.err(`enqueued audit ${jobId}`);
          if (!flags.wait) {
            io.out(jobId);
            process.exitCode = EXIT_OK;
            return;
          }
          const result = await waitForJob(queue, jobId, flags.timeout);
          io.out(flags.json ? JSON.stringify(result, null, 2) : formatAudit(result).join('\n'));
          process.exitCode = EXIT_OK;
        } finally {
          await queue.close().catch(() => {});
        }
      });
    });
}
