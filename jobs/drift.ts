import { createHash } from 'node:crypto';
import type { Drift } from '../contract/events.js';
import type { PortConfigState, PortIntent } from '../drivers/driver.js';
import { clearedState, intendedState, renderPortConfig, unifiedDiff } from '../drivers/port-state.js';
import type { AuditRecord, IntentRecord } from './ports.js';

/**
 * Intent versus device (CONTRACT §5): pure functions, so the comparison and the
 * once-per-distinct-drift rule are tested without a device or Redis.
 */

/** What the intent wants the port to look like, in the form the driver reads it back. */
export function wantedOf(intent: IntentRecord): PortConfigState {
  return intent.state === 'configured' ? intendedState(portIntentOf(intent)) : clearedState(intent.port);
}

/** The driver intent that re-applies a configured record (heal). */
export function portIntentOf(intent: IntentRecord): PortIntent {
  return {
    port: intent.port,
    description: intent.description,
    enabled: true,
    portType: intent.portType,
    ...(intent.bandwidthMbps !== undefined ? { bandwidthMbps: intent.bandwidthMbps } : {}),
  };
}

/** sha256 of the rendered configuration a job leaves on the port. */
export function configHash(state: PortConfigState): string {
  return createHash('sha256').update(renderPortConfig(state)).digest('hex');
}

/** Devices trim string leaves (netconfd does); that alone is no drift, as for the job's read-back. */
function text(v: string | undefined): string {
  return (v ?? '').trim();
}

/** Each leaf where the device differs from the intent; empty when it matches. */
export function compareWithIntent(intent: IntentRecord, actual: PortConfigState): Drift[] {
  if (intent.state === 'cleared') {
    if (!actual.exists) return [];
    if (text(actual.description) === '' && actual.enabled !== true) return [];
    return [{ field: 'unexpected-config', expected: null, actual: renderPortConfig(actual).trimEnd() }];
  }
  // The entry is gone, or nothing we manage is left on it. A port back as it ships (no
  // description, shut) counts too: where a physical port cannot be deleted (CLI switches), that
  // is what a deleted configuration or a reboot that lost the commit looks like.
  const bare = text(actual.description) === '' && actual.enabled !== true;
  if (!actual.exists || bare) {
    return [{ field: 'missing', expected: renderPortConfig(wantedOf(intent)).trimEnd(), actual: null }];
  }
  const drifts: Drift[] = [];
  if (text(actual.description) !== text(intent.description)) {
    drifts.push({ field: 'description', expected: intent.description, actual: actual.description ?? null });
  }
  if (actual.enabled !== true) {
    drifts.push({ field: 'enabled', expected: true, actual: actual.enabled ?? null });
  }
  return drifts;
}

/** Unified diff, intended vs running (running is the "before" side, as `plan` shows it). */
export function driftDiff(intent: IntentRecord, actual: PortConfigState): string {
  return unifiedDiff(intent.device, intent.port, actual, wantedOf(intent));
}

/** A drift's identity: the same fields with the same values are the same drift. */
export function driftKey(drifts: readonly Drift[]): string | null {
  if (drifts.length === 0) return null;
  const sorted = [...drifts].sort((a, b) => a.field.localeCompare(b.field));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

export interface DriftDecision {
  /** True when this drift is new (or changed) and `drift.detected` is due. */
  publish: boolean;
  record: AuditRecord;
}

/**
 * The once-per-distinct-drift rule: publish when the drift differs from the one last published;
 * a drift that stays publishes nothing; a clean audit publishes nothing but marks it resolved.
 */
export function decideDrift(prev: AuditRecord | undefined, drifts: Drift[], now: Date): DriftDecision {
  const time = now.toISOString();
  const key = driftKey(drifts);
  const kept = {
    ...(prev?.resolvedAt ? { resolvedAt: prev.resolvedAt } : {}),
    ...(prev?.resolved ? { resolved: prev.resolved } : {}),
    ...(prev?.healedAt ? { healedAt: prev.healedAt } : {}),
  };
  if (key === null) {
    // The episode ends now: its drifts are kept as the resolved ones.
    const ended = prev?.driftKey ? { resolvedAt: time, resolved: prev.drifts } : {};
    return { publish: false, record: { ...kept, ...ended, time, drifts, driftKey: null } };
  }
  if (prev?.driftKey === key) {
    return {
      publish: false,
      record: {
        ...kept,
        time,
        drifts,
        driftKey: key,
        ...(prev.driftSince ? { driftSince: prev.driftSince } : {}),
      },
    };
  }
  return { publish: true, record: { ...kept, time, drifts, driftKey: key, driftSince: time } };
}

/** The event id of a published drift: the same drift, seen twice in one episode, is one event. */
export function driftEventId(connectionId: string, record: AuditRecord): string {
  return `drift:${connectionId}:${record.driftKey}:${Date.parse(record.driftSince ?? record.time)}`;
}
