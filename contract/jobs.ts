import { z } from 'zod';
import { PORT_TYPES } from './port-types.js';

/** Job payloads of CONTRACT §3, the BullMQ queue `dc-port-jobs`. */

export const JOB_SCHEMA_VERSION = 1 as const;
export const JOB_NAMES = ['provision', 'deprovision'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const CONNECTION_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;

/**
 * "Printable" in the Unicode sense: letters, marks, digits, punctuation, symbols and plain
 * spaces. Control characters, line/paragraph separators and format characters (which include
 * the bidi overrides used to make text read differently than it is stored) are refused.
 */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]*$/u;
export const DESCRIPTION_MAX = 64;

export const connectionIdSchema = z
  .string()
  .regex(CONNECTION_ID, 'must match ^[a-z0-9][a-z0-9-]{2,62}$ (lower-case letters, digits, -)');

export const descriptionSchema = z
  .string()
  // Both checks are patterns (not refinements) so the exported JSON Schema carries them too;
  // with the u flag `.` counts code points, as JSON Schema's maxLength does.
  .regex(new RegExp(`^.{0,${DESCRIPTION_MAX}}$`, 'su'), `must be at most ${DESCRIPTION_MAX} characters`)
  .regex(PRINTABLE, 'must contain printable characters only (no control, format or line-break characters)');

// Device ids and port names are checked against the inventory by the processor; the schema only
// bounds them so a hostile payload cannot carry megabytes into logs and events.
const deviceIdSchema = z.string().min(1).max(64);
const portNameSchema = z.string().min(1).max(64);

export const provisionJobSchema = z.strictObject({
  schemaVersion: z.literal(JOB_SCHEMA_VERSION),
  connectionId: connectionIdSchema,
  device: deviceIdSchema,
  port: portNameSchema,
  portType: z.enum(PORT_TYPES).optional(),
  description: descriptionSchema.optional(),
  bandwidthMbps: z.number().int().positive().optional(),
  dryRun: z.boolean().optional(),
});

export const deprovisionJobSchema = z.strictObject({
  schemaVersion: z.literal(JOB_SCHEMA_VERSION),
  connectionId: connectionIdSchema,
  device: deviceIdSchema,
  port: portNameSchema,
  dryRun: z.boolean().optional(),
});

export type ProvisionJob = z.infer<typeof provisionJobSchema>;
export type DeprovisionJob = z.infer<typeof deprovisionJobSchema>;

export const JOB_SCHEMAS = { provision: provisionJobSchema, deprovision: deprovisionJobSchema } as const;

/** BullMQ refuses ':' in custom ids and treats all-digit ids as its own counters. */
export const jobIdSchema = z
  .string()
  .min(1)
  .max(200)
  .refine((s) => !s.includes(':'), 'must not contain ":"')
  .refine((s) => !/^\d+$/.test(s), 'must not be all digits');

/** The text the agent writes on the port: `HC <connectionId> <description>`. */
export function portDescription(connectionId: string, description?: string): string {
  return description ? `HC ${connectionId} ${description}` : `HC ${connectionId}`;
}

/** The connection a port description belongs to, or undefined when it is not one of ours. */
export function connectionOfDescription(text: string | undefined): string | undefined {
  if (!text?.startsWith('HC ')) return undefined;
  const id = text.slice(3).split(' ', 1)[0] ?? '';
  return CONNECTION_ID.test(id) ? id : undefined;
}
