import { z } from 'zod';

/**
 * Optical lane judgement (CONTRACT §5 "Module thresholds"): the shapes shared by the monitor,
 * `status --json`, the connection records and the console.
 */

export const LANE_STATES = ['ok', 'low-warning', 'high-warning', 'low-alarm', 'high-alarm'] as const;
export type LaneState = (typeof LANE_STATES)[number];

/** Where a lane's bounds came from: the transceiver itself, the config, or the port type's defaults. */
export const THRESHOLD_SOURCES = ['module', 'config', 'default'] as const;
export type ThresholdSource = (typeof THRESHOLD_SOURCES)[number];

/** One direction's bounds in dBm; null where nobody (module, config, default) gives that bound. */
export const boundsSchema = z.strictObject({
  lowAlarm: z.number().nullable(),
  lowWarning: z.number().nullable(),
  highWarning: z.number().nullable(),
  highAlarm: z.number().nullable(),
});
export type Bounds = z.infer<typeof boundsSchema>;

export const laneThresholdsSchema = z.strictObject({ rx: boundsSchema, tx: boundsSchema });
export type LaneThresholds = z.infer<typeof laneThresholdsSchema>;

export const OPTICS_DEGRADING_CAUSES = ['warning-threshold', 'trend'] as const;
export type OpticsDegradingCause = (typeof OPTICS_DEGRADING_CAUSES)[number];

/** A transceiver's identity (ENTITY-MIB); null where the device does not say. */
export const moduleInfoSchema = z.strictObject({
  vendor: z.string().nullable(),
  part: z.string().nullable(),
  serial: z.string().nullable(),
});
