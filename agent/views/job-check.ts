import type { AgentConfig } from '../../config/load.js';
import type { JobName } from '../../contract/jobs.js';
import { type FieldIssue, InvalidJobError, isDcAgentError, UsageError } from '../../core/errors.js';
import type { Operation, Plan, PlanOptions, PlanValidation } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { isConnectTimeout } from '../../drivers/transport/ssh.js';
import type { JobHandler, Prepared } from '../../jobs/handlers/handler.js';
import { parseJob } from '../../jobs/handlers/index.js';

/**
 * A job checked and planned as the agent would, for every reader that must agree with the agent:
 * `dcagent plan`, `enqueue`, `audit` and the console's plan page (CONTRACT §9: "the same code").
 */

/** How many names a "not in the inventory" message lists before it stops. */
const KNOWN_SHOWN = 12;

function known(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, KNOWN_SHOWN).join(', ');
  return names.length > KNOWN_SHOWN ? `${shown}, … ${names.length - KNOWN_SHOWN} more` : shown;
}

/**
 * An `unknown-device` / `unknown-port` error as a usage message listing what the inventory has;
 * anything else as is. A name that is not in the inventory is the same mistake everywhere.
 */
export function inventoryUsage(cfg: AgentConfig, err: unknown, device: string, port?: string): unknown {
  if (isDcAgentError(err) && err.code === 'unknown-device') {
    return new UsageError(
      `--device: ${device} is not in the inventory of ${cfg.source ?? 'the config'} (devices: ${known(cfg.devices.map((d) => d.id))})`,
    );
  }
  if (isDcAgentError(err) && err.code === 'unknown-port') {
    const d = cfg.devices.find((x) => x.id === device);
    return new UsageError(
      `--port: ${port} is not a port of ${device} in the inventory (ports: ${known(d?.ports.map((p) => p.name) ?? [])})`,
    );
  }
  return err;
}

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

/** `dcagent plan --json`'s document (docs/schema: the plan command), and the console's `POST /api/plan`. */
export interface PlanOutput {
  operation: Operation;
  connectionId: string;
  device: string;
  port: string;
  platform: string;
  rpc: string;
  diff: string;
  changes: number;
  /** With validate: what the device answered to the test-only edit. */
  validation?: PlanValidation;
}

/**
 * The whole dry run: the job's checks, then the handler's plan. A connect that ran out of time is
 * tried once more on a fresh connection (a job would get another attempt too; nothing was read or
 * sent yet, so it is safe); `onRetry` hears why.
 */
export async function planJob(
  cfg: AgentConfig,
  operation: Operation,
  data: { connectionId: string; device: string; port: string } & Record<string, unknown>,
  options: PlanOptions,
  onRetry: (reason: string) => void = () => {},
): Promise<PlanOutput> {
  const job = prepareCliJob(cfg, operation, { ...data, dryRun: true });
  const once = async (): Promise<Plan> => {
    const plan = await planCliJob(job, options);
    if (!plan) throw new UsageError(`${operation} has no plan`);
    return plan;
  };
  let plan: Plan;
  try {
    plan = await once();
  } catch (err) {
    if (!isConnectTimeout(err)) throw err;
    onRetry(`${(err as Error).message}; trying once more`);
    plan = await once();
  }
  return {
    operation,
    connectionId: data.connectionId,
    device: plan.device,
    port: plan.port,
    platform: plan.platform,
    rpc: plan.rpc,
    diff: plan.diff,
    changes: plan.changes,
    ...(plan.validation ? { validation: plan.validation } : {}),
  };
}
