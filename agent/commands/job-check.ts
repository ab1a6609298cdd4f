import type { AgentConfig } from '../../config/load.js';
import type { JobName } from '../../contract/jobs.js';
import { type FieldIssue, InvalidJobError, UsageError } from '../../core/errors.js';
import type { Plan, PlanOptions } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import type { JobHandler, Prepared } from '../../jobs/handlers/handler.js';
import { parseJob } from '../../jobs/handlers/index.js';
import { inventoryUsage } from './common.js';

/** Job fields named as the flags that carry them, where the two differ. */
const FLAG_OF: Readonly<Record<string, string>> = { connectionId: '--connection' };

/**
 * A job the agent would refuse as `invalid-job` is bad usage here (exit 2); the message keeps
 * the code and names each field as the flag the user typed (`portType` → `--port-type`).
 */
export function invalidJobUsage(issues: readonly FieldIssue[]): UsageError {
  const flag = (path: string) => FLAG_OF[path] ?? `--${path.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return new UsageError(`invalid-job: ${issues.map((i) => `${flag(i.path)}: ${i.message}`).join('\n  ')}`);
}

function asUsage(err: unknown): unknown {
  return err instanceof InvalidJobError ? invalidJobUsage(err.issues) : err;
}

export interface CliJob {
  handler: JobHandler<unknown>;
  prepared: Prepared;
}

/**
 * The checks the agent makes on a job before it contacts a device (contract schema, inventory,
 * port type, bandwidth), made by the same code, so a command refuses exactly what a job would.
 */
export function prepareCliJob(
  cfg: AgentConfig,
  name: JobName,
  data: { device: string; port?: string } & Record<string, unknown>,
): CliJob {
  try {
    const parsed = parseJob(name, data);
    return { handler: parsed.handler, prepared: parsed.handler.prepare(cfg, parsed.data) };
  } catch (err) {
    throw asUsage(inventoryUsage(cfg, err, data.device, data.port));
  }
}

/**
 * The handler's own plan, on a driver opened for it and closed after. With `offline` it checks
 * what the platform's dialect can carry without contacting the device; a refusal from the driver
 * is a failure the command reports (`invalid-job`, exit 1), not a mistyped flag.
 */
export async function planCliJob(job: CliJob, options: PlanOptions): Promise<Plan | undefined> {
  if (!job.handler.plan) return undefined;
  const driver = createDriver(job.prepared.device);
  try {
    return await job.handler.plan(job.prepared, driver, options);
  } finally {
    await driver.close();
  }
}
