import { z } from 'zod';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import { connectionIdSchema, descriptionSchema } from '../../contract/jobs.js';
import { UsageError } from '../../core/errors.js';
import { formatPath } from '../../core/zod-issues.js';

/** Loads the config named by `--config` (or DCAGENT_CONFIG, or the default path). */
export function configFrom(opts: { config?: string }): AgentConfig {
  return loadConfig(opts.config ? { path: opts.config } : {});
}

/**
 * Validates parsed CLI flags with zod; a problem is bad usage (exit 2), one line per flag.
 * Flag names are shown as typed (`--connection`), not as their camelCase keys.
 */
export function parseFlags<T extends z.ZodType>(
  schema: T,
  flags: unknown,
  names: Record<string, string> = {},
): z.output<T> {
  const r = schema.safeParse(flags);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = formatPath(i.path);
    const flag = names[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return `${flag}: ${i.message}`;
  });
  throw new UsageError(lines.join('\n  '));
}

/** A positive integer option, such as `--timeout 60`. */
export const intFlag = z.coerce.number().int().positive();

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
