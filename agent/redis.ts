import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { AgentConfig } from '../config/load.js';

export type RedisClient = Redis | Cluster;

export type RedisRole =
  /** BullMQ workers block on Redis: they need maxRetriesPerRequest null (BullMQ refuses otherwise). */
  | 'worker'
  /** Short commands that must fail fast while Redis is away, so the outbox can spill instead of waiting. */
  | 'fast'
  /** One-shot CLI commands: a bounded number of retries, then a clear error. */
  | 'cli';

function roleOptions(role: RedisRole, timeoutMs: number): RedisOptions {
  switch (role) {
    case 'worker':
      return { maxRetriesPerRequest: null, enableReadyCheck: true };
    case 'fast':
      return { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: timeoutMs };
    case 'cli':
      return { maxRetriesPerRequest: 2, commandTimeout: timeoutMs * 3 };
  }
}

/** Builds a Redis client for standalone, Sentinel or Cluster from the config, with timeouts on everything. */
export function createRedis(
  cfg: AgentConfig['redis'],
  role: RedisRole,
  name = `dcagent-${role}`,
): RedisClient {
  const password = cfg.password?.reveal();
  const base: RedisOptions = {
    connectionName: name,
    connectTimeout: cfg.connectTimeoutMs,
    lazyConnect: false,
    // Back off up to 2 s between reconnects; never give up, since Redis outages end.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    ...(password ? { password } : {}),
    ...roleOptions(role, Math.min(cfg.connectTimeoutMs, 2_000)),
  };
  if (cfg.mode === 'cluster') {
    const nodes = cfg.clusterNodes?.length ? cfg.clusterNodes : [hostPort(cfg.url)];
    return new Cluster(nodes, { redisOptions: base, enableOfflineQueue: role !== 'fast' });
  }
  if (cfg.mode === 'sentinel') {
    return new Redis({ ...base, sentinels: cfg.sentinels ?? [], name: cfg.sentinelName ?? 'mymaster' });
  }
  return new Redis(cfg.url, base);
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

/** Resolves once the client is connected and ready, or rejects after `timeoutMs`. */
export function waitReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * A warning when Redis keeps nothing across a restart (`appendonly no` and no `save` rule): the
 * intent and tracking records live only there (docs/operations.md). Undefined when Redis persists,
 * or when it will not say (CONFIG denied by an ACL, an old or managed server): no guessing.
 */
export async function persistenceWarning(redis: RedisClient): Promise<string | undefined> {
  const get = async (key: string): Promise<string | undefined> => {
    const reply = (await redis.call('CONFIG', 'GET', key)) as unknown;
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
  };
  const [aof, save] = await Promise.all([get('appendonly'), get('save')]);
  if (aof !== 'no' || save === undefined || save.trim() !== '') return undefined;
  return 'Redis has no persistence (appendonly no, no save rule): a Redis restart loses every intent and tracking record';
}
