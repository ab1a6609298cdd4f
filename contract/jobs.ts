import { z } from 'zod';
import { PORT_TYPES } from './port-types.js';

/** Job payloads of CONTRACT §3, the BullMQ queue `dc-port-jobs`. */

export const JOB_SCHEMA_VERSION = 1 as const;
export const JOB_NAMES = ['provision', 'deprovision', 'audit'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const CONNECTION_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;

/**
 * What is not printable: the code points of Unicode's Cc (controls), Cf (format characters, which
 * include the bidi overrides and tag characters used to make text read differently than it is
 * stored), Co (private use), Zl and Zp (line and paragraph separators). Everything else counts as
 * printable, including code points a given Unicode version leaves unassigned, so the rule does not
 * depend on which Unicode version a consumer's regex engine knows. Lone surrogates are refused as
 * well (they are not text), by a separate check: languages whose strings cannot hold one need none.
 *
 * Kept as plain code point ranges, not `\p{..}` classes, so the exported JSON Schema is one
 * character class that every regex engine reads the same (Python's `re` has no `\p{..}`).
 */
export const NON_PRINTABLE_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x0600, 0x0605],
  [0x061c, 0x061c],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x0890, 0x0891],
  [0x08e2, 0x08e2],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0xe000, 0xf8ff],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffb],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0001, 0xe0001],
  [0xe0020, 0xe007f],
  [0xf0000, 0xffffd],
  [0x100000, 0x10fffd],
];

/** One character class of literal characters: `[` + ranges + `]` (none of them needs escaping). */
export const NON_PRINTABLE_CLASS = `[${NON_PRINTABLE_RANGES.map(([a, b]) =>
  a === b ? String.fromCodePoint(a) : `${String.fromCodePoint(a)}-${String.fromCodePoint(b)}`,
).join('')}]`;
const NON_PRINTABLE = new RegExp(NON_PRINTABLE_CLASS, 'u');
// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
export const DESCRIPTION_MAX = 64;

export const connectionIdSchema = z
  .string()
  .regex(CONNECTION_ID, 'must match ^[a-z0-9][a-z0-9-]{2,62}$ (lower-case letters, digits, -)');

export const descriptionSchema = z
  .string()
  // Code points, as JSON Schema's maxLength counts them (a string's length counts UTF-16 units).
  .refine((s) => [...s].length <= DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`)
  .refine(
    (s) => !NON_PRINTABLE.test(s) && !LONE_SURROGATE.test(s),
    'must contain printable characters only (no control, format or line-break characters)',
  )
  // The same rule for other languages: refinements do not export, so the schema says it here.
  .meta({ maxLength: DESCRIPTION_MAX, not: { pattern: NON_PRINTABLE_CLASS } });

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

/** Reads the device's configuration of one port, or of every port the agent tracks on it. */
export const auditJobSchema = z.strictObject({
  schemaVersion: z.literal(JOB_SCHEMA_VERSION),
  device: deviceIdSchema,
  port: portNameSchema.optional(),
  connectionId: connectionIdSchema.optional(),
  /**
   * Extension: what started the audit, reported as `drift.detected`'s `detectedBy`. The agent's
   * periodic audit and the one after a device reboot set it; a control plane's audit leaves it out.
   */
  trigger: z.enum(['audit', 'reboot', 'job']).optional(),
});

export type ProvisionJob = z.infer<typeof provisionJobSchema>;
export type DeprovisionJob = z.infer<typeof deprovisionJobSchema>;
export type AuditJob = z.infer<typeof auditJobSchema>;

/** One data schema per job name: a new job type without one does not compile. */
export const JOB_SCHEMAS = {
  provision: provisionJobSchema,
  deprovision: deprovisionJobSchema,
  audit: auditJobSchema,
} as const satisfies Record<JobName, z.ZodType>;

/** What each job's data is, by name. */
export type JobData<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;

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
