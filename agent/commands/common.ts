import { z } from 'zod';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import { connectionIdSchema, descriptionSchema } from '../../contract/jobs.js';
import { isDcAgentError, UsageError } from '../../core/errors.js';
import { resolveTarget, type Target } from '../../jobs/intent.js';

/** Loads the config named by `--config` (or DCAGENT_CONFIG, or the default path). */
export function configFrom(opts: { config?: string }): AgentConfig {
  return loadConfig(opts.config ? { path: opts.config } : {});
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

/** How many names a "not in the inventory" message lists before it stops. */
const KNOWN_SHOWN = 12;

function known(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, KNOWN_SHOWN).join(', ');
  return names.length > KNOWN_SHOWN ? `${shown}, … ${names.length - KNOWN_SHOWN} more` : shown;
}

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

/** An `unknown-device` / `unknown-port` error as the usage message above; anything else as is. */
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
