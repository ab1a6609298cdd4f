import { z } from 'zod';
import { counter32Delta } from './qualification.js';

/**
 * A tracked port's input error counter as the agent keeps it in Redis beside the tracker state,
 * for readers that never talk to the device (the console). IF-MIB ifInErrors is read for every
 * tracked port on one poll in `monitoring.errorCounters.everyPolls`, and the record is written
 * only when the value moved, so a clean port costs one write per agent lifetime, not one per read.
 */
export const errorCounterSchema = z.strictObject({
  counter: z.literal('ifInErrors'),
  value: z.number().int().nonnegative(),
  /** When the value was last seen to change (or first read). */
  changedAt: z.iso.datetime(),
  /** Since when the counter has counted without a break: its first read, or the last reset or wrap. */
  since: z.iso.datetime(),
  /** The last rise seen between two reads. */
  lastGrowth: z.strictObject({ by: z.number().int().positive(), at: z.iso.datetime() }).nullable(),
});
export type ErrorCounterRecord = z.infer<typeof errorCounterSchema>;

/** A stored record, or undefined for anything that is not one (absent, or written by another version). */
export function parseErrorCounter(raw: unknown): ErrorCounterRecord | undefined {
  const parsed = errorCounterSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The record after a read of `value` at `at`; undefined when nothing changed, so there is nothing
 * to write. A Counter32 wrap counts as growth by the same rule as qualification (counter32Delta);
 * a reset (a value that went down by more, or a device restart) starts the count again from the
 * new value and keeps the last growth.
 */
export function nextErrorCounter(
  prev: ErrorCounterRecord | undefined,
  value: number,
  at: number,
  countersReset = false,
): ErrorCounterRecord | undefined {
  // First, as it is the answer on almost every read, before anything is allocated.
  if (prev && value === prev.value && !countersReset) return undefined;
  const iso = new Date(at).toISOString();
  if (!prev) return { counter: 'ifInErrors', value, changedAt: iso, since: iso, lastGrowth: null };
  const by = countersReset ? null : counter32Delta(prev.value, value);
  if (by === null) return { ...prev, value, changedAt: iso, since: iso };
  return { ...prev, value, changedAt: iso, lastGrowth: { by, at: iso } };
}
