import type { z } from 'zod';
import type { AuditPolicy, auditDriftSchema, Drift, DriftSource, EventData } from '../../contract/events.js';
import { type AuditJob, connectionOfDescription } from '../../contract/jobs.js';
import type { PortConfigState } from '../../drivers/driver.js';
import { backend } from '../backend.js';
import { compareWithIntent, decideDrift, driftDiff, driftEventId, portIntentOf } from '../drift.js';
import { resolveDevice, resolveTarget } from '../intent.js';
import type { IntentRecord } from '../ports.js';
import type { JobContext, JobHandler, Prepared } from './handler.js';

/** One port as the audit read it from the device's running configuration. */
export interface AuditedPort {
  port: string;
  /** False when the device has no configuration for the port at all. */
  exists: boolean;
  description: string | null;
  enabled: boolean | null;
  /** The connection the description names, when it is one of ours. */
  connectionId: string | null;
  subinterfaces: string[];
}

/** One connection whose port differs from its recorded intent (CONTRACT §3). */
export type ConnectionDrift = z.infer<typeof auditDriftSchema>;

/**
 * An audit job's return value: its `audit.completed` data plus what it read (`ports`), which
 * stays out of the event so the stream does not carry every port's text on every audit.
 */
export type AuditResult = EventData<'audit.completed'> & { ports: AuditedPort[] };

interface AuditTarget extends Prepared {
  ports: readonly string[];
  connectionId?: string;
  policy: AuditPolicy;
  detectedBy: DriftSource;
}

/**
 * `audit`: reads the named port, or every inventory port of the device, compares each tracked
 * port with its recorded intent and publishes `drift.detected` once per distinct drift (CONTRACT
 * §5). It takes no NETCONF lock (a read is enough); under policy `heal` it re-applies the intent
 * through the normal transaction. The device lease keeps it off a device while a job runs there.
 */
export const audit: JobHandler<AuditJob, AuditTarget> = {
  name: 'audit',
  prepare(cfg, data) {
    const connection = {
      ...(data.connectionId ? { connectionId: data.connectionId } : {}),
      policy: resolveDevice(cfg, data.device).audit?.policy ?? cfg.monitoring.audit.policy,
      detectedBy: data.trigger ?? 'audit',
    };
    if (data.port !== undefined) {
      const { device, port } = resolveTarget(cfg, { device: data.device, port: data.port });
      return { device, port: port.name, ports: [port.name], ...connection };
    }
    const device = resolveDevice(cfg, data.device);
    return { device, port: null, ports: device.ports.map((p) => p.name), ...connection };
  },
  async run(target, ctx) {
    const ports: AuditedPort[] = [];
    const read = new Map<string, PortConfigState>();
    for (const { state, subinterfaces } of await ctx.driver.readPorts(target.ports, { signal: ctx.signal })) {
      const port = state.port;
      read.set(port, state);
      ports.push({
        port,
        exists: state.exists,
        description: state.description ?? null,
        enabled: state.enabled ?? null,
        connectionId: connectionOfDescription(state.description) ?? null,
        subinterfaces,
      });
    }
    const drifts = await auditConnections(read, target, ctx);
    const done: EventData<'audit.completed'> = {
      device: target.device.id,
      port: target.port,
      jobId: ctx.jobId,
      ...(target.connectionId ? { connectionId: target.connectionId } : {}),
      portsAudited: ports.length,
      drifts,
      healed: drifts.filter((d) => d.healed).length,
      detectedBy: target.detectedBy,
      policy: policyOf(target, ctx),
      durationMs: Date.now() - ctx.started,
    };
    // The job's final event, after every drift event it caused (CONTRACT §3).
    await ctx.publish('audit.completed', done);
    ctx.log.info({ ports: ports.length, drifts: drifts.length, healed: done.healed }, 'audited');
    const value: AuditResult = { ...done, ports };
    return { outcome: 'succeeded', value };
  },
};

function policyOf(target: AuditTarget, ctx: JobContext): AuditPolicy {
  return ctx.dryRun ? 'report' : target.policy;
}

/** 10GE1/0/2 before 10GE1/0/10; one collator, since building one per comparison is costly. */
const PORT_ORDER = new Intl.Collator('en', { numeric: true });

/**
 * The intents this audit covers: per port only the newest (a port cleared for one connection and
 * then provisioned for another is the second's), narrowed to the job's connection when it names one.
 */
async function currentIntents(target: AuditTarget, ctx: JobContext): Promise<IntentRecord[]> {
  const all = await backend('reading the intents', () => ctx.intents.forDevice(target.device.id));
  const newest = new Map<string, IntentRecord>();
  for (const i of all) {
    const seen = newest.get(i.port);
    if (!seen || Date.parse(i.time) > Date.parse(seen.time)) newest.set(i.port, i);
  }
  return [...newest.values()]
    .filter((i) => target.connectionId === undefined || i.connectionId === target.connectionId)
    .sort((a, b) => PORT_ORDER.compare(a.port, b.port));
}

/** A port that differs from its intent, as decided against its last audit. */
interface Finding {
  intent: IntentRecord;
  found: Drift[];
  diff: string;
  decision: ReturnType<typeof decideDrift>;
}

/**
 * Compares every connection with what was read, publishes each new drift once, saves every audit
 * record in one write, then heals under policy `heal`. Two Redis reads and one write per device
 * however many ports it has, plus one event per new drift.
 */
async function auditConnections(
  read: ReadonlyMap<string, PortConfigState>,
  target: AuditTarget,
  ctx: JobContext,
): Promise<ConnectionDrift[]> {
  const intents = (await currentIntents(target, ctx)).filter((i) => read.has(i.port));
  if (intents.length === 0) return [];
  const device = target.device.id;
  const previous = await backend('reading the last audits', () => ctx.intents.lastAudits(device));
  const now = new Date();
  const findings: Finding[] = intents.map((intent) => {
    const actual = read.get(intent.port) as PortConfigState;
    const found = compareWithIntent(intent, actual);
    return {
      intent,
      found,
      diff: found.length > 0 ? driftDiff(intent, actual) : '',
      decision: decideDrift(previous.get(intent.connectionId), found, now),
    };
  });
  for (const f of findings) if (f.decision.publish) await publishDrift(f, target, ctx);
  const records = new Map(findings.map((f) => [f.intent.connectionId, f.decision.record]));
  await backend('saving the audit', () => ctx.intents.saveAudits(device, records));
  const drifts: ConnectionDrift[] = [];
  for (const { intent, found, diff, decision } of findings) {
    if (found.length === 0) continue;
    // Under `run --dry-run` the audit reports only: healing would change the device.
    const healed = policyOf(target, ctx) === 'heal' && (await heal(intent, decision.record, diff, ctx));
    drifts.push({
      connectionId: intent.connectionId,
      port: intent.port,
      drifts: found,
      published: decision.publish,
      healed,
    });
  }
  return drifts;
}

async function publishDrift(
  { intent, found, diff, decision }: Finding,
  target: AuditTarget,
  ctx: JobContext,
) {
  const { connectionId, device, port } = intent;
  await ctx.events.publish({
    type: 'drift.detected',
    subject: connectionId,
    id: driftEventId(connectionId, decision.record),
    data: {
      device,
      port,
      jobId: ctx.jobId,
      drifts: found,
      diff,
      detectedBy: target.detectedBy,
      policy: policyOf(target, ctx),
    },
  });
  for (const d of found) ctx.onDrift?.(device, d.field);
  ctx.log.warn({ connectionId, port, drifts: found }, 'drift detected');
}

/**
 * Re-applies the intent through the driver's normal transaction (lock, confirmed commit, read
 * back), unless a job for the connection is waiting or running: that job is the newer word.
 */
async function heal(
  intent: IntentRecord,
  record: Awaited<ReturnType<typeof decideDrift>>['record'],
  diff: string,
  ctx: JobContext,
): Promise<boolean> {
  const { connectionId, device, port } = intent;
  const pending = await backend('looking for pending jobs', () =>
    ctx.queue.hasPendingJob(connectionId, ctx.jobId),
  );
  if (pending) {
    ctx.log.info({ connectionId }, 'drift not healed: a job for the connection is queued or running');
    return false;
  }
  const started = Date.now();
  ctx.touchDevice();
  const options = { signal: ctx.signal, lease: ctx.lease };
  if (intent.state === 'configured') await ctx.driver.apply(portIntentOf(intent), options);
  else await ctx.driver.clear(port, options);
  await ctx.events.publish({
    type: 'drift.healed',
    subject: connectionId,
    id: `${driftEventId(connectionId, record)}:healed`,
    data: { device, port, jobId: ctx.jobId, diff, verified: true, durationMs: Date.now() - started },
  });
  const now = new Date().toISOString();
  // Healed ends the episode: the same drift coming back later is news again.
  const healedRecord = {
    time: now,
    drifts: [],
    driftKey: null,
    resolvedAt: now,
    resolved: record.drifts,
    healedAt: now,
  };
  await backend('saving the audit', () =>
    ctx.intents.saveAudits(device, new Map([[connectionId, healedRecord]])),
  );
  ctx.log.info({ connectionId, port }, 'drift healed');
  return true;
}
