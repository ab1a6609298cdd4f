import { z } from 'zod';
import { driftSchema } from '../contract/events.js';
import { connectionIdSchema } from '../contract/jobs.js';
import { PORT_TYPES } from '../contract/port-types.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';
import type { AuditRecord, IntentRecord, IntentStore } from '../jobs/ports.js';

/** Another process (or an older agent) wrote these records: each is checked before it is believed. */
const isoTime = z.iso.datetime({ offset: true });
const intentRecordSchema = z.strictObject({
  connectionId: connectionIdSchema,
  device: z.string().min(1).max(64),
  port: z.string().min(1).max(64),
  portType: z.enum(PORT_TYPES),
  description: z.string().max(256),
  bandwidthMbps: z.number().int().positive().optional(),
  state: z.enum(['configured', 'cleared']),
  jobId: z.string().min(1).max(200),
  configHash: z.string().regex(/^[0-9a-f]{64}$/),
  time: isoTime,
});
const auditRecordSchema = z.strictObject({
  time: isoTime,
  drifts: z.array(driftSchema).max(16),
  driftKey: z.string().max(64).nullable(),
  driftSince: isoTime.optional(),
  resolvedAt: isoTime.optional(),
  resolved: z.array(driftSchema).max(16).optional(),
  healedAt: isoTime.optional(),
});

const DAY_MS = 86_400_000;

/**
 * Intents and audit results in Redis, one hash per device for each (HSET/HGETALL/HDEL only, the
 * commands the start-up permission check already covers). An intended-clear record older than
 * `clearedRetentionDays` is dropped when next read.
 */
export class RedisIntentStore implements IntentStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly clearedRetentionDays: number,
    private readonly logger: Logger,
  ) {}

  async record(intent: IntentRecord): Promise<void> {
    await this.redis.hset(this.keys.intents(intent.device), intent.connectionId, JSON.stringify(intent));
  }

  async forDevice(device: string, now = Date.now()): Promise<IntentRecord[]> {
    const key = this.keys.intents(device);
    const raw = await this.redis.hgetall(key);
    const out: IntentRecord[] = [];
    const stale: string[] = [];
    for (const [connectionId, text] of Object.entries(raw)) {
      const parsed = parseJson(intentRecordSchema, text);
      if (!parsed || parsed.connectionId !== connectionId || parsed.device !== device) {
        this.logger.warn({ device, connectionId }, 'ignoring an unreadable intent record');
        continue;
      }
      const expired =
        parsed.state === 'cleared' && Date.parse(parsed.time) + this.clearedRetentionDays * DAY_MS <= now;
      if (expired) stale.push(connectionId);
      else out.push(parsed);
    }
    if (stale.length > 0) {
      await this.redis.hdel(key, ...stale);
      await this.redis.hdel(this.keys.audits(device), ...stale);
    }
    return out;
  }

  async lastAudits(device: string): Promise<Map<string, AuditRecord>> {
    const out = new Map<string, AuditRecord>();
    for (const [connectionId, text] of Object.entries(await this.redis.hgetall(this.keys.audits(device)))) {
      const parsed = parseJson(auditRecordSchema, text);
      if (parsed) out.set(connectionId, parsed);
      else this.logger.warn({ device, connectionId }, 'ignoring an unreadable audit record');
    }
    return out;
  }

  async saveAudits(device: string, audits: ReadonlyMap<string, AuditRecord>): Promise<void> {
    if (audits.size === 0) return;
    const fields: string[] = [];
    for (const [connectionId, a] of audits) fields.push(connectionId, JSON.stringify(a));
    await this.redis.hset(this.keys.audits(device), ...fields);
  }
}

export interface DeviceRecords {
  intents: Map<string, IntentRecord>;
  audits: Map<string, AuditRecord>;
}

/**
 * A device's intents and last audits by connection id, as stored: read-only (no pruning of
 * expired records), for readers such as `dcagent connections`. An unreadable record is left out.
 */
export async function readDeviceRecords(
  redis: RedisClient,
  keys: RedisKeys,
  device: string,
): Promise<DeviceRecords> {
  const [intents, audits] = await Promise.all([
    redis.hgetall(keys.intents(device)),
    redis.hgetall(keys.audits(device)),
  ]);
  const out: DeviceRecords = { intents: new Map(), audits: new Map() };
  for (const [id, text] of Object.entries(intents)) {
    const parsed = parseJson(intentRecordSchema, text);
    if (parsed?.connectionId === id && parsed.device === device) out.intents.set(id, parsed);
  }
  for (const [id, text] of Object.entries(audits)) {
    const parsed = parseJson(auditRecordSchema, text);
    if (parsed) out.audits.set(id, parsed);
  }
  return out;
}

function parseJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
