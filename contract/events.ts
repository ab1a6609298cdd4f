import { z } from 'zod';
import { FAILURE_CODES } from './failure-codes.js';
import { connectionIdSchema, type JobName } from './jobs.js';
import { OPTICS_DEGRADING_CAUSES } from './optics.js';
import { PORT_TYPES } from './port-types.js';

/** Status events of CONTRACT §4: CloudEvents 1.0 envelopes on the Redis stream `<prefix>:events`. */

export const EVENT_TYPES = [
  'provision.planned',
  'deprovision.planned',
  'provision.succeeded',
  'provision.failed',
  'deprovision.failed',
  'construction.completed',
  'availability.changed',
  'monitoring.degraded',
  'monitoring.restored',
  'deprovision.succeeded',
  'deprovision.blocked',
  'optics.changed',
  'optics.degrading',
  'drift.detected',
  'drift.healed',
  /** Extension: an audit job's end (CONTRACT §3: every job ends with one final event). */
  'audit.completed',
  'audit.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The events each job type publishes: its plan, its per-attempt failure, and the outcomes that
 * end it. An audit's `drift.*` events are about each drifted connection and come before its own
 * end, `audit.completed` (docs/decisions/0005-audit-events.md).
 */
export interface JobEventTypes {
  readonly planned?: EventType;
  readonly failed?: EventType;
  readonly outcomes: readonly EventType[];
}

export const JOB_EVENT_TYPES: Readonly<Partial<Record<JobName, JobEventTypes>>> = {
  provision: { planned: 'provision.planned', failed: 'provision.failed', outcomes: ['provision.succeeded'] },
  deprovision: {
    planned: 'deprovision.planned',
    failed: 'deprovision.failed',
    outcomes: ['deprovision.succeeded', 'deprovision.blocked'],
  },
  audit: { failed: 'audit.failed', outcomes: ['audit.completed'] },
};

/** The job type whose `*.failed` an event of `type` is replaced by when it fails its own schema. */
export function failedTypeFor(type: EventType): EventType | undefined {
  for (const e of Object.values(JOB_EVENT_TYPES)) {
    if (e && (e.planned === type || e.failed === type || e.outcomes.includes(type))) return e.failed;
  }
  return undefined;
}

export const IF_STATUSES = [
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'notPresent',
  'lowerLayerDown',
] as const;
export type IfStatus = (typeof IF_STATUSES)[number];

export const AVAILABILITY_REASONS = [
  'oper-down',
  'admin-down',
  'rx-low',
  'rx-high',
  'tx-low',
  'tx-high',
  'recovered',
] as const;
export type AvailabilityReason = (typeof AVAILABILITY_REASONS)[number];

export const MONITORING_REASONS = [
  'snmp-timeout',
  'snmp-auth',
  'no-such-port',
  /** Extension: the device answered, but without an object the poll needs (noSuch*): a failed poll. */
  'no-such-object',
  'snmp-error',
  /** Extension: a config reload removed the device or port; it is no longer polled. */
  'not-in-inventory',
  'recovered',
] as const;
export type MonitoringReason = (typeof MONITORING_REASONS)[number];

const isoTime = z.iso.datetime({ offset: true });
/** A dBm reading; null when the device gave no reading (a sentinel, a dark port). */
const dbm = z.number().nullable();
const dbmRange = z.tuple([z.number(), z.number()]);

const portRef = {
  device: z.string().min(1),
  port: z.string().min(1),
  /** Extension: the BullMQ job this event answers, so `enqueue --wait` can find its end. */
  jobId: z.string().optional(),
};

export const plannedDataSchema = z.strictObject({
  ...portRef,
  rpc: z.string(),
  diff: z.string(),
  changes: z.number().int().min(0),
  /** Extension: the platform whose payload `rpc` is. */
  platform: z.string().optional(),
});

export const provisionSucceededDataSchema = z.strictObject({
  ...portRef,
  portType: z.enum(PORT_TYPES),
  description: z.string(),
  verified: z.literal(true),
  confirmedCommit: z.boolean(),
  durationMs: z.number().min(0),
  /** Extension: false when the device already held the intent and nothing was sent. */
  changed: z.boolean().optional(),
});

export const failedDataSchema = z.strictObject({
  // An invalid job may lack a usable device or port; the contract's fields stay present as null.
  device: z.string().nullable(),
  port: z.string().nullable(),
  jobId: z.string().optional(),
  code: z.enum(FAILURE_CODES),
  message: z.string(),
  retryable: z.boolean(),
  attempt: z.number().int().min(1),
  attemptsMax: z.number().int().min(1),
  /** Extension: true when no further attempt follows (the job has failed for good). */
  final: z.boolean().optional(),
  /** Extension: with `invalid-job`, every offending field and why. */
  fields: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});

export const constructionCompletedDataSchema = z.strictObject({
  ...portRef,
  evidence: z.strictObject({
    adminStatus: z.enum(IF_STATUSES),
    operStatus: z.enum(IF_STATUSES),
    rxDbm: z.array(dbm),
    txDbm: z.array(dbm),
    thresholds: z.strictObject({ rx: dbmRange, tx: dbmRange }),
    samples: z.number().int().min(1),
    since: isoTime,
    /**
     * Extension: with `monitoring.qualification.errorFreePolls` on, the ifInErrors run that
     * qualified the link and what was counted before it (docs/snmp.md "Qualification").
     */
    errors: z
      .strictObject({
        counter: z.literal('ifInErrors'),
        /** Polls in a row without growth that were required (and seen). */
        errorFreePolls: z.number().int().min(1),
        /** Errors counted while under construction. */
        errors: z.number().int().min(0),
        erroredPolls: z.number().int().min(0),
        /** Counter restarts (device reboot, cleared counters), whose growth is unknown. */
        discontinuities: z.number().int().min(0),
        /** The newest non-zero per-poll deltas, oldest first. */
        deltas: z.array(z.number().int().min(1)).max(16),
      })
      .optional(),
  }),
});

export const availabilityChangedDataSchema = z.strictObject({
  ...portRef,
  to: z.enum(['available', 'unavailable']),
  reason: z.enum(AVAILABILITY_REASONS),
  rxDbm: z.array(dbm),
  txDbm: z.array(dbm),
  flapCount: z.number().int().min(0),
});

export const monitoringDataSchema = z.strictObject({
  ...portRef,
  reason: z.enum(MONITORING_REASONS),
  since: isoTime,
  /** Degraded ⇄ restored flips in the damping window (an addition to v1; absent from older events). */
  flapCount: z.number().int().min(0).optional(),
});

export const deprovisionSucceededDataSchema = z.strictObject({
  ...portRef,
  verified: z.literal(true),
  lightPresent: z.boolean(),
});

export const deprovisionBlockedDataSchema = z.strictObject({
  ...portRef,
  reason: z.literal('private-virtual-interfaces'),
  subinterfaces: z.array(z.string()).min(1),
});

/** Where the device reports it (ENTITY-MIB entPhysical*), else null. */
const nullableText = z.string().max(256).nullable();

export const opticsChangedDataSchema = z.strictObject({
  ...portRef,
  change: z.enum(['inserted', 'removed', 'replaced']),
  module: z.strictObject({ vendor: nullableText, part: nullableText, serial: nullableText }),
});

/**
 * A lane entering a warning state (once per episode) or trending towards its low-alarm bound.
 * `slopeDbPerDay` and `hoursToAlarm` are present exactly for cause `trend`.
 */
export const opticsDegradingDataSchema = z
  .strictObject({
    ...portRef,
    /** 1-based, as in `status --json`. */
    lane: z.number().int().min(1),
    direction: z.enum(['rx', 'tx']),
    dbm: z.number(),
    /** The lane's reading at `construction.completed`; null where none was recorded. */
    baselineDbm: z.number().nullable(),
    cause: z.enum(OPTICS_DEGRADING_CAUSES),
    slopeDbPerDay: z.number().optional(),
    hoursToAlarm: z.number().min(0).optional(),
  })
  .superRefine((d, ctx) => {
    const trend = d.cause === 'trend';
    if (trend !== (d.slopeDbPerDay !== undefined && d.hoursToAlarm !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cause'],
        message: 'slopeDbPerDay and hoursToAlarm are given exactly for cause trend',
      });
    }
  });

export const DRIFT_FIELDS = ['description', 'enabled', 'missing', 'unexpected-config'] as const;
export type DriftField = (typeof DRIFT_FIELDS)[number];
export const DRIFT_SOURCES = ['audit', 'reboot', 'job'] as const;
export type DriftSource = (typeof DRIFT_SOURCES)[number];
export const AUDIT_POLICIES = ['report', 'heal'] as const;
export type AuditPolicy = (typeof AUDIT_POLICIES)[number];

/** One leaf where the device differs from the recorded intent; null where the side has nothing. */
const driftValue = z.union([z.string().max(4096), z.boolean()]).nullable();
export const driftSchema = z.strictObject({
  field: z.enum(DRIFT_FIELDS),
  expected: driftValue,
  actual: driftValue,
});
export type Drift = z.infer<typeof driftSchema>;

export const driftDetectedDataSchema = z.strictObject({
  ...portRef,
  drifts: z.array(driftSchema).min(1),
  /** Unified diff, intended vs running. */
  diff: z.string(),
  detectedBy: z.enum(DRIFT_SOURCES),
  policy: z.enum(AUDIT_POLICIES),
});

export const driftHealedDataSchema = z.strictObject({
  ...portRef,
  diff: z.string(),
  verified: z.literal(true),
  durationMs: z.number().min(0),
});

/** One connection whose port differed from its intent in an audit. */
export const auditDriftSchema = z.strictObject({
  connectionId: connectionIdSchema,
  port: z.string().min(1),
  drifts: z.array(driftSchema).min(1),
  /** True when this audit published `drift.detected` (a drift that stays is published once). */
  published: z.boolean(),
  /** True when policy `heal` re-applied the intent and read it back (`drift.healed`). */
  healed: z.boolean(),
});

/** Extension: an audit job's end, on the device's subject (`device:<id>`) or the connection's it names. */
export const auditCompletedDataSchema = z.strictObject({
  device: z.string().min(1),
  /** The port the job named; null for an audit of every port of the device. */
  port: z.string().min(1).nullable(),
  jobId: z.string().optional(),
  /** The connection the job named, if it named one. */
  connectionId: connectionIdSchema.optional(),
  /** How many ports were read from the device. */
  portsAudited: z.number().int().min(0),
  /** Every drift found, whether or not this audit published it; empty when the device matched. */
  drifts: z.array(auditDriftSchema),
  /** How many of them policy `heal` re-applied. */
  healed: z.number().int().min(0),
  detectedBy: z.enum(DRIFT_SOURCES),
  policy: z.enum(AUDIT_POLICIES),
  durationMs: z.number().min(0),
});

export const EVENT_DATA_SCHEMAS = {
  'provision.planned': plannedDataSchema,
  'deprovision.planned': plannedDataSchema,
  'provision.succeeded': provisionSucceededDataSchema,
  'provision.failed': failedDataSchema,
  'deprovision.failed': failedDataSchema,
  'construction.completed': constructionCompletedDataSchema,
  'availability.changed': availabilityChangedDataSchema,
  'monitoring.degraded': monitoringDataSchema,
  'monitoring.restored': monitoringDataSchema,
  'deprovision.succeeded': deprovisionSucceededDataSchema,
  'deprovision.blocked': deprovisionBlockedDataSchema,
  'optics.changed': opticsChangedDataSchema,
  'optics.degrading': opticsDegradingDataSchema,
  'drift.detected': driftDetectedDataSchema,
  'drift.healed': driftHealedDataSchema,
  'audit.completed': auditCompletedDataSchema,
  'audit.failed': failedDataSchema,
} as const satisfies Record<EventType, z.ZodType>;

export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA_SCHEMAS)[T]>;

/**
 * Extension: the subject of an event about a device rather than a connection (an audit that names
 * no connection). The colon can never appear in a connection id, so the two cannot collide, and
 * the sequence is per device (docs/decisions/0005-audit-events.md).
 */
export const DEVICE_SUBJECT = /^device:[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export function deviceSubject(device: string): string | undefined {
  const s = `device:${device}`;
  return DEVICE_SUBJECT.test(s) ? s : undefined;
}

/** Events about a connection carry its id; an invalid job with no usable id uses `job-<jobId>`. */
export const subjectSchema = z.union([
  connectionIdSchema,
  z.string().regex(/^job-[^\s]{1,200}$/),
  z.string().regex(DEVICE_SUBJECT),
]);

const envelopeBase = {
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(200),
  source: z.string().regex(/^dcagent\/[A-Za-z0-9._-]+$/, 'must be dcagent/<agent id>'),
  subject: subjectSchema,
  time: isoTime,
  sequence: z.number().int().min(1),
  dryRun: z.boolean(),
};

function envelope<T extends EventType>(type: T) {
  return z.strictObject({ ...envelopeBase, type: z.literal(type), data: EVENT_DATA_SCHEMAS[type] });
}

export const eventSchema = z
  .discriminatedUnion('type', [
    envelope('provision.planned'),
    envelope('deprovision.planned'),
    envelope('provision.succeeded'),
    envelope('provision.failed'),
    envelope('deprovision.failed'),
    envelope('construction.completed'),
    envelope('availability.changed'),
    envelope('monitoring.degraded'),
    envelope('monitoring.restored'),
    envelope('deprovision.succeeded'),
    envelope('deprovision.blocked'),
    envelope('optics.changed'),
    envelope('optics.degrading'),
    envelope('drift.detected'),
    envelope('drift.healed'),
    envelope('audit.completed'),
    envelope('audit.failed'),
  ])
  .superRefine((e, ctx) => {
    const planned = e.type === 'provision.planned' || e.type === 'deprovision.planned';
    if (e.dryRun !== planned) {
      ctx.addIssue({
        code: 'custom',
        path: ['dryRun'],
        message: 'dryRun is true exactly for planned events',
      });
    }
  });

export type DcEvent = z.infer<typeof eventSchema>;
export type EventOf<T extends EventType> = Extract<DcEvent, { type: T }>;
