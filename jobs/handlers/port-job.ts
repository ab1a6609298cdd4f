import type { AgentConfig } from '../../config/load.js';
import type { DeviceDriver, Operation, Plan, PlanOptions, PortIntent } from '../../drivers/driver.js';
import { backend } from '../backend.js';
import { configHash, wantedOf } from '../drift.js';
import { assertPortFree, resolveTarget, type Target } from '../intent.js';
import type { IntentRecord } from '../ports.js';
import type { JobContext, Prepared } from './handler.js';

/** A job that changes one port for one connection (provision, deprovision). */
export interface PortJob extends Prepared {
  connectionId: string;
  target: Target;
  intent: PortIntent;
}

/** Resolves the job's port in the inventory and builds its intent there (`invalid-job` on a contradiction). */
export function preparePortJob<D extends { connectionId: string; device: string; port: string }>(
  cfg: AgentConfig,
  data: D,
  intentOf: (data: D, target: Target) => PortIntent,
): PortJob {
  const target = resolveTarget(cfg, data);
  const intent = intentOf(data, target);
  return { connectionId: data.connectionId, target, intent, device: target.device, port: target.port.name };
}

/**
 * The driver's plan plus the checks the job makes on what it reads: a plan for a port that another
 * connection holds fails `port-in-use`, as the job would. Offline there is nothing read to check.
 */
export async function planPortJob(
  operation: Operation,
  job: PortJob,
  driver: DeviceDriver,
  options: PlanOptions,
): Promise<Plan> {
  const plan = await driver.plan(operation, job.intent, options);
  if (plan.before) assertPortFree(plan.before, job.connectionId, job.target);
  return plan;
}

/** Under the lock, before any change: the port must be free or already this connection's. */
export async function checkPortFree(job: PortJob, ctx: JobContext): Promise<void> {
  const current = await ctx.driver.readPortConfig(job.target.port.name, { signal: ctx.signal });
  assertPortFree(current, job.connectionId, job.target);
}

/** After the job's change is verified: the intent audits compare the device with (CONTRACT §3). */
export async function recordIntent(
  job: PortJob,
  ctx: JobContext,
  state: IntentRecord['state'],
): Promise<void> {
  const base = {
    connectionId: job.connectionId,
    device: job.device.id,
    port: job.target.port.name,
    portType: job.intent.portType,
    description: state === 'configured' ? job.intent.description : '',
    ...(state === 'configured' && job.intent.bandwidthMbps !== undefined
      ? { bandwidthMbps: job.intent.bandwidthMbps }
      : {}),
    state,
    jobId: ctx.jobId,
    time: new Date().toISOString(),
  };
  const record: IntentRecord = { ...base, configHash: configHash(wantedOf({ ...base, configHash: '' })) };
  await backend('recording the intent', () => ctx.intents.record(record));
}
