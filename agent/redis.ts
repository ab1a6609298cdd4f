import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { AgentConfig } from '../config/load.js';

import type { RedisClient } from '../core/redis-client.js';

export type { RedisClient };

export type RedisRole =
  /** BullMQ workers block on Redis: they need maxRetriesPerRequest null (BullMQ refuses otherwise). */
  | 'worker'
  /** Short commands that must fail fast while Redis is away, so the outbox can spill instead of waiting. */
  | 'fast'
  /** One-shot CLI commands: a bounded number of retries, then a clear error. */
  | 'cli';

type RedisSettings = AgentConfig['redis'];

function roleOptions(role: RedisRole, timeoutMs: number): RedisOptions {
  switch (role) {
    case 'worker':
      return { maxRetriesPerRequest: null };
    case 'fast':
      return { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: timeoutMs };
    case 'cli':
      return { maxRetriesPerRequest: 2, commandTimeout: timeoutMs * 3 };
  }
}

interface UrlParts {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

function parseUrl(url: string): UrlParts {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  return {
    // WHATWG keeps IPv6 brackets in hostname; sockets want the bare address.
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(u.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

/** The ACL user the agent connects as: `redis.username`, else the URL's, else none (`default`). */
export function redisUser(cfg: RedisSettings): string | undefined {
  try {
    return cfg.username ?? parseUrl(cfg.url).username;
  } catch {
    return cfg.username;
  }
}

/**
 * The URL as operators may see it: the password removed and the effective user shown. It names
 * the server in every Redis error message, so it must never carry a secret.
 */
export function displayUrl(cfg: RedisSettings): string {
  try {
    const u = new URL(cfg.url);
    u.password = '';
    const user = redisUser(cfg);
    u.username = user ? encodeURIComponent(user) : '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable redis.url)';
  }
}

function tlsOptions(cfg: RedisSettings): RedisOptions['tls'] {
  const m = cfg.tlsMaterial;
  return {
    ...(m?.ca ? { ca: m.ca } : {}),
    ...(m?.cert ? { cert: m.cert } : {}),
    ...(m?.key ? { key: m.key.reveal() } : {}),
    ...(m?.serverName ? { servername: m.serverName } : {}),
  };
}

export type BuiltRedisOptions =
  | { mode: 'standalone' | 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; options: ClusterOptions };

/**
 * The ioredis options for the configured mode. The URL is taken apart here and never handed to
 * ioredis, because ioredis lets values parsed from a URL win over options: `redis://user@host`
 * plus a password option would authenticate with an empty password (LAB-NOTES).
 */
export function buildRedisOptions(
  cfg: RedisSettings,
  role: RedisRole,
  name = `dcagent-${role}`,
): BuiltRedisOptions {
  const url = parseUrl(cfg.url);
  const username = cfg.username ?? url.username;
  const password = cfg.password?.reveal() ?? url.password;
  const tls = url.tls ? tlsOptions(cfg) : undefined;
  const auth: RedisOptions = {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
  };
  const base: RedisOptions = {
    connectionName: name,
    // ioredis's ready check is an INFO that, when refused, prints a warning on stderr; the agent
    // runs its own permission check (redis-access.ts) and BullMQ its own INFO.
    enableReadyCheck: false,
    connectTimeout: cfg.connectTimeoutMs,
    lazyConnect: false,
    // Back off up to 2 s between reconnects; never give up, since Redis outages end.
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    ...auth,
    ...roleOptions(role, Math.min(cfg.connectTimeoutMs, 2_000)),
  };
  if (cfg.mode === 'cluster') {
    const nodes = cfg.clusterNodes?.length
      ? cfg.clusterNodes.map((n) => ({ host: n.host, port: n.port }))
      : [{ host: url.host, port: url.port }];
    return {
      mode: 'cluster',
      nodes,
      options: {
        redisOptions: base,
        enableOfflineQueue: role !== 'fast',
      },
    };
  }
  if (cfg.mode === 'sentinel') {
    const sentinelPassword = cfg.sentinelPassword?.reveal();
    return {
      mode: 'sentinel',
      options: {
        ...base,
        db: url.db,
        sentinels: (cfg.sentinels ?? []).map((s) => ({ host: s.host, port: s.port })),
        name: cfg.sentinelName ?? 'mymaster',
        ...(cfg.sentinelUsername ? { sentinelUsername: cfg.sentinelUsername } : {}),
        ...(sentinelPassword ? { sentinelPassword } : {}),
        // With TLS, the Sentinels are reached over TLS too, with the same CA and client certificate.
        ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        sentinelRetryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
        connectTimeout: cfg.connectTimeoutMs,
      },
    };
  }
  return { mode: 'standalone', options: { ...base, host: url.host, port: url.port, db: url.db } };
}

/** Builds a Redis client for standalone, Sentinel or Cluster from the config, with timeouts on everything. */
export function createRedis(cfg: RedisSettings, role: RedisRole, name = `dcagent-${role}`): RedisClient {
  const built = buildRedisOptions(cfg, role, name);
  if (built.mode === 'cluster') return new Cluster(built.nodes, built.options);
  const client = new Redis({ ...built.options, lazyConnect: true });
  absorbLateSocketErrors(client);
  // Errors are reported through the client's 'error' event, as with an eager connect.
  client.connect().catch(() => {});
  return client;
}

/**
 * ioredis listens for one error per socket. A TLS socket refused by its peer can raise a second
 * one (the server's alert after our own verification failure), which nobody listens for and
 * which would kill the process. Every socket the client opens gets a listener that absorbs
 * those: the first error still reaches ioredis and, through it, the client's 'error' event.
 */
function absorbLateSocketErrors(client: Redis): void {
  const connector = (client as unknown as { connector?: { connect: (...a: unknown[]) => Promise<unknown> } })
    .connector;
  if (!connector) return;
  const connect = connector.connect.bind(connector);
  connector.connect = async (...args: unknown[]) => {
    const stream = await connect(...args);
    (stream as NodeJS.EventEmitter).on('error', () => {});
    return stream;
  };
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
