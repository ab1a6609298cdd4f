import { z } from 'zod';

/**
 * What the operator commands print with `--json` (CONTRACT §7): part of the outside surface, so
 * scripts can rely on it; exported to docs/schema/cli.*.schema.json like the job and event schemas.
 */

/** Job states an operator can list (BullMQ's names; `waiting` is BullMQ's `wait`). */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What `dcagent jobs --json` prints per job (docs/schema/cli.jobs.schema.json). */
export const jobViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  connectionId: z.string().nullable(),
  device: z.string().nullable(),
  port: z.string().nullable(),
  attemptsMade: z.number().int().min(0),
  attemptsMax: z.number().int().min(1),
  failedReason: z.string().nullable(),
  createdAt: z.iso.datetime(),
  processedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  delayMs: z.number().int().min(0),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** `jobs show --json` adds the job's data and result, as BullMQ holds them. */
export const jobDetailSchema = jobViewSchema.extend({
  data: z.unknown(),
  returnvalue: z.unknown(),
});
export type JobDetail = z.infer<typeof jobDetailSchema>;
