import { z } from 'zod';
import { type AgentConfig, loadConfig, loadConfigLean } from '../../config/load.js';
import { connectionIdSchema, descriptionSchema } from '../../contract/jobs.js';
import { resolveTarget, type Target } from '../../jobs/intent.js';
import { inventoryUsage } from '../views/job-check.js';

/** Loads the config named by `--config` (or DCAGENT_CONFIG, or the default path). */
export function configFrom(opts: { config?: string }): AgentConfig {
  return loadConfig(opts.config ? { path: opts.config } : {});
}

/** configFrom for the long-running commands: the YAML's parse garbage stays out of their heap. */
export function configFromLean(opts: { config?: string }): Promise<AgentConfig> {
  return loadConfigLean(opts.config ? { path: opts.config } : {});
}

/**
 * The flags naming one connection on one port, shared by `plan` and `enqueue`. The connection id
 * and description rules are the job contract's own, so the CLI can never accept what a job
 * would refuse (or the reverse).
 */
export const connectionTargetFlags = {
  config: z.string().optional(),
  device: z.string().min(1).max(64),
  port: z.string().min(1).max(64),
  connection: connectionIdSchema,
  description: descriptionSchema.optional(),
};

/**
 * The device and port a command names, looked up the way jobs look them up. A name that is not
 * in the inventory is the same mistake in every command, so it reads the same and exits 2
 * (bad usage) everywhere: `plan`, `status`, `enqueue`, `audit`.
 */
export function cliTarget(cfg: AgentConfig, device: string, port: string): Target {
  try {
    return resolveTarget(cfg, { device, port });
  } catch (err) {
    throw inventoryUsage(cfg, err, device, port);
  }
}
