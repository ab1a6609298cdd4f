import { z } from 'zod';
import type { EventData } from '../../contract/events.js';
import type { LaneThresholds } from '../../contract/optics.js';
import { isWarning, laneState, warningMargin } from './lane-state.js';

/**
 * Warning episodes (issue 15 §2): a lane whose light sits in its warning band, inside the alarm
 * bounds, is still healthy, but it is heading somewhere. One `optics.degrading` (cause
 * `warning-threshold`) per episode per lane and direction:
 *
 * - an episode opens after `downPolls` polls in a row in the warning band (a single noisy
 *   reading is not an episode);
 * - it closes, silently, after `upPolls` polls in a row at least `hysteresisDb` back inside the
 *   warning bounds, so a lane sitting on a bound is one episode, not one per poll;
 * - a lane that goes past its alarm bound is availability's business (`availability.changed`);
 *   the episode it came from stays open, so it is not reported again on the way back;
 * - nothing is judged on a port that is admin down, under construction, or not read, nor on a lane
 *   with no reading: the monitor only asks here for polls of an available port's light.
 *
 * The state is a short list with an entry only for a lane with an open episode or a streak under
 * way, so a steady port's state is the empty list and nothing is written for it.
 */

export const warningEntrySchema = z.strictObject({
  lane: z.number().int().min(1),
  dir: z.enum(['rx', 'tx']),
  open: z.boolean(),
  /** Polls in a row: in the warning band while closed, back inside by the margin while open. */
  streak: z.number().int().min(0),
});
export type WarningEntry = z.infer<typeof warningEntrySchema>;
export const warningsSchema = z.array(warningEntrySchema).max(32);

export interface WarningConfig {
  readonly upPolls: number;
  readonly downPolls: number;
  readonly hysteresisDb: number;
}

export type DegradingData = EventData<'optics.degrading'>;

const DIRS = ['rx', 'tx'] as const;

/**
 * Pure: the episodes after one poll's lanes, and the warnings that opened. `prev` is not changed;
 * the same array comes back when nothing moved.
 */
export function stepWarnings(
  prev: readonly WarningEntry[] | undefined,
  lanes: readonly { readonly rxDbm: number | null; readonly txDbm: number | null }[],
  bounds: LaneThresholds,
  where: { readonly device: string; readonly port: string },
  cfg: WarningConfig,
): { entries: readonly WarningEntry[] | undefined; opened: DegradingData[] } {
  let entries: WarningEntry[] | undefined;
  const opened: DegradingData[] = [];
  const list = () => {
    entries ??= (prev ?? []).map((e) => ({ ...e }));
    return entries;
  };
  const find = (lane: number, dir: 'rx' | 'tx') =>
    (entries ?? prev ?? []).findIndex((e) => e.lane === lane && e.dir === dir);
  for (let i = 0; i < lanes.length; i++) {
    const l = lanes[i]!;
    const lane = i + 1;
    for (const dir of DIRS) {
      const dbm = dir === 'rx' ? l.rxDbm : l.txDbm;
      if (dbm === null) continue;
      const b = bounds[dir];
      const state = laneState(dbm, b);
      const at = find(lane, dir);
      const cur = at < 0 ? undefined : (entries ?? prev)![at]!;
      let next: WarningEntry | undefined | null; // null: remove; undefined: unchanged
      if (isWarning(state)) {
        if (!cur) next = { lane, dir, open: false, streak: 1 };
        else if (!cur.open) next = { ...cur, streak: Math.min(cur.streak + 1, cfg.downPolls) };
        else if (cur.streak !== 0) next = { ...cur, streak: 0 };
        if (next && !next.open && next.streak >= cfg.downPolls) {
          next = { lane, dir, open: true, streak: 0 };
          opened.push({
            device: where.device,
            port: where.port,
            lane,
            direction: dir,
            dbm,
            baselineDbm: null,
            cause: 'warning-threshold',
          });
        }
      } else if (state === 'ok') {
        if (cur && !cur.open) next = null;
        else if (cur?.open) {
          const back = warningMargin(dbm, b) >= cfg.hysteresisDb;
          const streak = back ? cur.streak + 1 : 0;
          if (streak >= cfg.upPolls) next = null;
          else if (streak !== cur.streak) next = { ...cur, streak };
        }
      } else if (cur && !cur.open) next = null;
      else if (cur?.open && cur.streak !== 0) next = { ...cur, streak: 0 };
      if (next === undefined) continue;
      const arr = list();
      const idx = arr.findIndex((e) => e.lane === lane && e.dir === dir);
      if (next === null) arr.splice(idx, 1);
      else if (idx < 0) arr.push(next);
      else arr[idx] = next;
    }
  }
  if (!entries) return { entries: prev, opened };
  return { entries: (entries as WarningEntry[]).length > 0 ? entries : undefined, opened };
}

export function sameWarnings(
  a: readonly WarningEntry[] | undefined,
  b: readonly WarningEntry[] | undefined,
): boolean {
  if (a === b) return true;
  const x = a ?? [];
  const y = b ?? [];
  return (
    x.length === y.length &&
    x.every(
      (e, i) =>
        e.lane === y[i]!.lane && e.dir === y[i]!.dir && e.open === y[i]!.open && e.streak === y[i]!.streak,
    )
  );
}
