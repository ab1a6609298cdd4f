import { z } from 'zod';

/**
 * Link qualification before `construction.completed` (issue 15 §5): a port under construction
 * must also show `errorFreePolls` polls in a row in which IF-MIB ifInErrors did not grow. Pure;
 * the tracker keeps the state with the port's and steps it once per poll.
 *
 * ifInErrors is a Counter32 (IF-MIB has no 64-bit error counter: the ifHC* columns are octets and
 * packets only, docs/snmp.md "Qualification"), so it wraps at 2^32, and it starts again from zero
 * when the device reboots or someone clears the interface's counters.
 */

const COUNTER32 = 2 ** 32;
/**
 * A smaller value than last time is a wrap only when the wrapped delta is below half the range:
 * a link that really counted 2^31 errors in one poll interval is dead anyway, while a counter that
 * restarted (reboot, clear counters, another replica's last reading from before a reboot) gives a
 * "delta" near 2^32 that must not be read as a burst.
 */
const MAX_WRAP_DELTA = COUNTER32 / 2;
/** Non-zero deltas kept for the evidence: enough to show a burst's shape, bounded for Redis. */
export const MAX_DELTAS = 16;

export const qualificationStateSchema = z.strictObject({
  /** ifInErrors at the last poll that read it; null before the first or after an unread poll. */
  lastCount: z
    .number()
    .int()
    .min(0)
    .max(COUNTER32 - 1)
    .nullable(),
  /** Polls in a row with a known delta of zero; stops counting at the configured line. */
  errorFreeStreak: z.number().int().min(0),
  /** Errors counted while under construction, over every known delta. */
  errors: z.number().int().min(0),
  erroredPolls: z.number().int().min(0),
  /** Counter restarts seen (reboot, cleared counters): those polls' deltas are unknown. */
  discontinuities: z.number().int().min(0),
  /** The newest non-zero deltas, oldest first. */
  deltas: z.array(z.number().int().min(0)).max(MAX_DELTAS),
});
export type QualificationState = z.infer<typeof qualificationStateSchema>;

export interface ErrorSample {
  /** ifInErrors as read this poll; null when the device did not answer it. */
  readonly inErrors: number | null;
  /** The device restarted since the last poll (sysUpTime went back): the counter restarted too. */
  readonly countersReset?: boolean;
}

export function initialQualification(): QualificationState {
  return { lastCount: null, errorFreeStreak: 0, errors: 0, erroredPolls: 0, discontinuities: 0, deltas: [] };
}

/**
 * How much a Counter32 grew from `prev` to `cur`, counting one wrap; null when the counter
 * evidently restarted instead (the growth is unknown).
 */
export function counter32Delta(prev: number, cur: number): number | null {
  if (cur >= prev) return cur - prev;
  const wrapped = cur + COUNTER32 - prev;
  return wrapped < MAX_WRAP_DELTA ? wrapped : null;
}

/**
 * One poll's reading applied. Returns `q` itself when nothing changed (a quiet counter on a port
 * already qualified), so the tracker's steady port stays steady and writes nothing.
 */
export function noteErrors(
  q: QualificationState | undefined,
  sample: ErrorSample,
  errorFreePolls: number,
): QualificationState {
  const s = q ?? initialQualification();
  const cur = sample.inErrors;
  // No reading is no evidence: "in a row" starts again, and the next reading is a new base.
  if (cur === null) {
    return s.errorFreeStreak === 0 && s.lastCount === null
      ? s
      : { ...s, errorFreeStreak: 0, lastCount: null };
  }
  if (s.lastCount === null) return { ...s, lastCount: cur, errorFreeStreak: 0 };
  const delta = sample.countersReset ? null : counter32Delta(s.lastCount, cur);
  if (delta === null) {
    return { ...s, lastCount: cur, errorFreeStreak: 0, discontinuities: s.discontinuities + 1 };
  }
  if (delta === 0) {
    if (s.errorFreeStreak >= errorFreePolls) return s;
    return { ...s, errorFreeStreak: s.errorFreeStreak + 1 };
  }
  const deltas = [...s.deltas, delta];
  if (deltas.length > MAX_DELTAS) deltas.splice(0, deltas.length - MAX_DELTAS);
  return {
    lastCount: cur,
    errorFreeStreak: 0,
    errors: s.errors + delta,
    erroredPolls: s.erroredPolls + 1,
    discontinuities: s.discontinuities,
    deltas,
  };
}

/** Whether the error-free run is long enough; always true with qualification off (0). */
export function qualified(q: QualificationState | undefined, errorFreePolls: number): boolean {
  return errorFreePolls === 0 || (q?.errorFreeStreak ?? 0) >= errorFreePolls;
}

export function sameQualification(
  a: QualificationState | undefined,
  b: QualificationState | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.lastCount === b.lastCount &&
    a.errorFreeStreak === b.errorFreeStreak &&
    a.errors === b.errors &&
    a.erroredPolls === b.erroredPolls &&
    a.discontinuities === b.discontinuities &&
    a.deltas.length === b.deltas.length &&
    a.deltas.every((d, i) => d === b.deltas[i])
  );
}

/** `construction.completed`'s `evidence.errors` (an extension of CONTRACT §4). */
export function errorEvidence(q: QualificationState, errorFreePolls: number) {
  return {
    counter: 'ifInErrors' as const,
    errorFreePolls,
    errors: q.errors,
    erroredPolls: q.erroredPolls,
    discontinuities: q.discontinuities,
    deltas: [...q.deltas],
  };
}

/**
 * The ports whose ifInErrors a device's poll should read: those under construction, and only
 * with qualification on, so a steady fleet's polls are the same size as without it.
 */
export function errorCountedPorts(
  conns: readonly { readonly port: string; readonly underConstruction: boolean }[],
  errorFreePolls: number,
): string[] | undefined {
  if (errorFreePolls === 0) return undefined;
  const ports = conns.filter((c) => c.underConstruction).map((c) => c.port);
  return ports.length > 0 ? [...new Set(ports)] : undefined;
}
