import { z } from 'zod';
import { eventSchema } from './events.js';
import { OBSERVED_CONNECTION_STATES } from './lifecycle.js';
import { LANE_STATES, laneThresholdsSchema, moduleInfoSchema, THRESHOLD_SOURCES } from './optics.js';

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
          z.strictObject({
            lane: z.number().int().min(1),
            rxDbm: nullableDbm,
            txDbm: nullableDbm,
            /** Judged by `thresholds` (CONTRACT §5 "Module thresholds"); absent in states saved before. */
            rxState: z.enum(LANE_STATES).optional(),
            txState: z.enum(LANE_STATES).optional(),
          }),
        ),
        /** The bounds every lane was judged by, and whose they are: the module's, the config's or the defaults. */
        thresholds: laneThresholdsSchema.optional(),
        thresholdSource: z.enum(THRESHOLD_SOURCES).optional(),
        /** The transceiver as the last discovery found it (ENTITY-MIB); absent when unknown. */
        module: moduleInfoSchema.optional(),
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

const dbmPair = z.tuple([z.number(), z.number()]);

/**
 * `dcagent status --json` for one port: CONTRACT §7's fields, in its order, then the extensions
 * of issue 15 (lane states and bounds, module, errors, baseline and trend, the verdict line).
 */
export const portStatusSchema = z.strictObject({
  device: z.string(),
  port: z.string(),
  ifIndex: z.number().int(),
  adminStatus: z.string(),
  operStatus: z.string(),
  lanes: z.array(
    z.strictObject({
      lane: z.number().int().min(1),
      rxDbm: nullableDbm,
      txDbm: nullableDbm,
      rxState: z.enum(LANE_STATES),
      txState: z.enum(LANE_STATES),
      thresholds: laneThresholdsSchema,
      thresholdSource: z.enum(THRESHOLD_SOURCES),
      /** Rx/Tx at `construction.completed`; null where no baseline is recorded (or Redis was not read). */
      baseline: z.strictObject({ rxDbm: nullableDbm, txDbm: nullableDbm }).nullable(),
      /** Rx now minus the Rx baseline, in dB; null without both. */
      rxDeltaDb: z.number().nullable(),
      /** The hourly Rx history's robust slope; null with too little history. `hoursToAlarm` null: not heading to the alarm bound. */
      trend: z
        .strictObject({ slopeDbPerDay: z.number(), hoursToAlarm: z.number().min(0).nullable() })
        .nullable(),
    }),
  ),
  rxDbm: z.array(nullableDbm),
  txDbm: z.array(nullableDbm),
  /** The alarm ranges health is judged by (the module's where it gives them). */
  thresholds: z.strictObject({ rx: dbmPair, tx: dbmPair }),
  healthy: z.boolean(),
  reasons: z.array(z.string()),
  thresholdSource: z.enum(THRESHOLD_SOURCES),
  module: moduleInfoSchema.nullable(),
  /** IF-MIB ifInErrors (HC where the device has it) at the read; null when not answered. */
  inErrors: z.number().int().min(0).nullable(),
  /** The tracked connection on the port, when Redis was read and one is. */
  connectionId: z.string().nullable(),
  /** What an engineer does next, in one line (docs/runbook.md "Reading status"). */
  verdict: z.string(),
});
export type PortStatus = z.infer<typeof portStatusSchema>;

/** `dcagent status --device D --json` (no `--port`): every inventory port of the device. */
export const deviceStatusSchema = z.strictObject({
  device: z.string(),
  /** Why baselines and trends are missing, when Redis could not be read; null when it was. */
  historyError: z.string().nullable(),
  ports: z.array(
    z.union([
      portStatusSchema,
      z.strictObject({
        device: z.string(),
        port: z.string(),
        ok: z.literal(false),
        reason: z.string(),
        message: z.string(),
      }),
    ]),
  ),
});
export type DeviceStatus = z.infer<typeof deviceStatusSchema>;
