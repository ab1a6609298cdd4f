import { z } from 'zod';
import { UsageError } from '../../core/errors.js';
import { formatPath } from '../../core/zod-issues.js';

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
