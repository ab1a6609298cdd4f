import { z } from 'zod';
import { eventSchema } from './events.js';
import { OBSERVED_CONNECTION_STATES } from './lifecycle.js';

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

const nullableDbm = z.number().nullable();

/** What `dcagent connections --json` prints per tracked connection (docs/schema/cli.connections.schema.json). */
export const connectionViewSchema = z.strictObject({
  connectionId: z.string(),
  device: z.string(),
  port: z.string(),
  portType: z.string(),
  /** When provisioning put it under watch. */
  since: z.iso.datetime({ offset: true }),
  state: z.enum(OBSERVED_CONNECTION_STATES),
  /** Set while polls keep failing (`monitoring.degraded`); null otherwise. */
  degraded: z.strictObject({ reason: z.string(), since: z.iso.datetime() }).nullable(),
  /** The recorded intent audits compare against; null when none is recorded. */
  intent: z
    .strictObject({
      state: z.enum(['configured', 'cleared']),
      description: z.string(),
      portType: z.string(),
      bandwidthMbps: z.number().int().positive().nullable(),
      jobId: z.string(),
      time: z.iso.datetime({ offset: true }),
    })
    .nullable(),
  /** The last poll stored with the tracker state; null before the first one. */
  lastPoll: z
    .discriminatedUnion('ok', [
      z.strictObject({
        ok: z.literal(true),
        at: z.iso.datetime(),
        adminStatus: z.string(),
        operStatus: z.string(),
        lanes: z.array(
          z.strictObject({ lane: z.number().int().min(1), rxDbm: nullableDbm, txDbm: nullableDbm }),
        ),
      }),
      z.strictObject({ ok: z.literal(false), at: z.iso.datetime(), reason: z.string() }),
    ])
    .nullable(),
  /** The last audit of the connection; null before the first one. */
  lastAudit: z
    .strictObject({
      time: z.iso.datetime({ offset: true }),
      /** Standing drifts first (`resolved: false`), then those of the last episode that ended. */
      drifts: z.array(
        z.strictObject({
          field: z.string(),
          expected: z.union([z.string(), z.boolean()]).nullable(),
          actual: z.union([z.string(), z.boolean()]).nullable(),
          resolved: z.boolean(),
        }),
      ),
      driftSince: z.iso.datetime({ offset: true }).nullable(),
      resolvedAt: z.iso.datetime({ offset: true }).nullable(),
      healedAt: z.iso.datetime({ offset: true }).nullable(),
    })
    .nullable(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;

/**
 * `connections show --json` adds the connection's newest events (oldest first), found by reading
 * the stream backwards at most `eventsScanned` entries deep.
 */
export const connectionDetailSchema = connectionViewSchema.extend({
  events: z.array(eventSchema),
  eventsScanned: z.number().int().min(0),
});
export type ConnectionDetail = z.infer<typeof connectionDetailSchema>;
