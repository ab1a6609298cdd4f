import type { ConnectionView } from '../../contract/cli-output.js';
import type { RedisClient } from '../../core/redis-client.js';
import type { RedisKeys } from '../../core/redis-keys.js';
import type { AuditRecord, IntentRecord } from '../../jobs/ports.js';
import type { TrackedConnection } from '../connections.js';
import { initialState, observedState, portTrackStateSchema } from '../health/track-state.js';
import { readDeviceRecords } from '../intents.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One tracked connection as `dcagent connections` shows it, from what Redis holds: the record and
 * tracker state (agent/connections.ts), the recorded intent and the last audit (agent/intents.ts).
 * A tracker state that does not parse reads as none: the monitor starts such a connection afresh
 * under construction, and so does this view.
 */
export function connectionView(
  tracked: TrackedConnection,
  intent: IntentRecord | undefined,
  audit: AuditRecord | undefined,
): ConnectionView {
  const { record } = tracked;
  const parsed = portTrackStateSchema.safeParse(tracked.tracker);
  const state = parsed.success
    ? parsed.data
    : initialState(record.device, record.port, { underConstruction: true });
  const poll = state.lastPoll;
  return {
    connectionId: record.connectionId,
    device: record.device,
    port: record.port,
    portType: record.portType,
    since: record.since,
    state: observedState(state),
    degraded: state.degraded ? { reason: state.degraded.reason, since: iso(state.degraded.since) } : null,
    intent: intent
      ? {
          state: intent.state,
          description: intent.description,
          portType: intent.portType,
          bandwidthMbps: intent.bandwidthMbps ?? null,
          jobId: intent.jobId,
          time: intent.time,
        }
      : null,
    lastPoll: !poll
      ? null
      : poll.ok
        ? {
            ok: true,
            at: iso(poll.at),
            adminStatus: poll.adminStatus,
            operStatus: poll.operStatus,
            lanes: poll.lanes.map((l, i) => ({
              lane: i + 1,
              rxDbm: l.rxDbm,
              txDbm: l.txDbm,
              ...(l.rxState ? { rxState: l.rxState } : {}),
              ...(l.txState ? { txState: l.txState } : {}),
            })),
            ...(poll.thresholds ? { thresholds: poll.thresholds } : {}),
            ...(poll.thresholdSource ? { thresholdSource: poll.thresholdSource } : {}),
            ...(poll.module ? { module: poll.module } : {}),
          }
        : { ok: false, at: iso(poll.at), reason: poll.reason },
    lastAudit: audit
      ? {
          time: audit.time,
          drifts: [
            ...audit.drifts.map((d) => ({ ...d, resolved: false })),
            ...(audit.resolved ?? []).map((d) => ({ ...d, resolved: true })),
          ],
          driftSince: audit.driftSince ?? null,
          resolvedAt: audit.resolvedAt ?? null,
          healedAt: audit.healedAt ?? null,
        }
      : null,
  };
}

/** Lists sort by device, then port as people read them (`10GE1/0/2` before `10GE1/0/10`). */
export function byDevicePort(a: ConnectionView, b: ConnectionView): number {
  return (
    a.device.localeCompare(b.device, 'en', { numeric: true }) ||
    a.port.localeCompare(b.port, 'en', { numeric: true })
  );
}

/** Views of the given connections, with each device's intents and audits read once; sorted by device and port. */
export async function connectionViews(
  redis: RedisClient,
  keys: RedisKeys,
  tracked: readonly TrackedConnection[],
): Promise<ConnectionView[]> {
  const devices = [...new Set(tracked.map((t) => t.record.device))];
  const records = new Map(
    await Promise.all(devices.map(async (d) => [d, await readDeviceRecords(redis, keys, d)] as const)),
  );
  return tracked
    .map((t) => {
      const r = records.get(t.record.device);
      const id = t.record.connectionId;
      return connectionView(t, r?.intents.get(id), r?.audits.get(id));
    })
    .sort(byDevicePort);
}
