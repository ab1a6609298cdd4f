import { createHash, randomBytes } from 'node:crypto';
import type { AgentConfig } from '../config/load.js';
import { errorMessage, RedisAccessError, type RedisFaultKind } from '../core/errors.js';
import { displayUrl, type RedisClient, redisUser } from './redis.js';

/** Where the ACL lines for each role are written down; every permission message points there. */
export const ACL_DOC = 'docs/operations.md#redis-acl';

type RedisSettings = AgentConfig['redis'];

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Sorts a Redis or socket error into what an operator must fix, or undefined for anything else
 * (a script error, OOM, a busy server). Goes by the server's reply prefix and Node's error codes,
 * which are stable, rather than by whole messages, which change between Redis versions.
 */
export function classifyRedisError(err: unknown): RedisFaultKind | undefined {
  if (err instanceof RedisAccessError) return err.kind;
  const e = err as { message?: unknown; code?: unknown; cause?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const code = typeof e?.code === 'string' ? e.code : '';
  if (/^(WRONGPASS|NOAUTH)\b/.test(message) || /\b(WRONGPASS|NOAUTH)\b/.test(message)) return 'auth';
  if (/\bNOPERM\b/.test(message)) return 'permission';
  if (
    TLS_CODES.has(code) ||
    /^ERR_TLS_|^ERR_SSL_/.test(code) ||
    /\b(certificate|SSL routines|TLS)\b/i.test(message)
  )
    return 'tls';
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'EPIPE',
    ].includes(code) ||
    /Connection is closed|connect ETIMEDOUT|max retries per request|Stream isn't writeable|not ready after|Command timed out|All sentinels are unreachable|Failed to refresh slots cache/i.test(
      message,
    )
  )
    return 'unreachable';
  if (e?.cause !== undefined && e.cause !== err) return classifyRedisError(e.cause);
  return undefined;
}

/** The first line of a Redis reply or socket error, without its `ReplyError:` decoration. */
function firstLine(err: unknown): string {
  return errorMessage(err).split('\n')[0]?.trim() ?? '';
}

/**
 * Turns any Redis failure into one line naming the server (URL without password) and what to
 * do, or returns undefined when it is not a Redis access problem. Shared by the CLI and the agent.
 */
export function describeRedisFailure(err: unknown, cfg: RedisSettings): RedisAccessError | undefined {
  if (err instanceof RedisAccessError) return err;
  const kind = classifyRedisError(err);
  if (!kind) return undefined;
  const url = displayUrl(cfg);
  const user = redisUser(cfg) ?? 'default';
  const detail = firstLine(err);
  switch (kind) {
    case 'auth':
      return new RedisAccessError(
        kind,
        `Redis ${url}: authentication failed for user ${user} (${detail}); check redis.username and its password`,
        { cause: err },
      );
    case 'permission':
      return new RedisAccessError(
        kind,
        `Redis ${url}: user ${user} is not allowed this (${detail}); see ${ACL_DOC}`,
        { cause: err },
      );
    case 'tls':
      return new RedisAccessError(
        kind,
        `Redis ${url}: TLS failed (${detail}); check redis.tls (caFile, certFile, keyFile, serverName)`,
        { cause: err },
      );
    case 'unreachable':
      return new RedisAccessError(kind, `Redis unreachable at ${url} (${detail})`, { cause: err });
  }
}

/**
 * Waits until the client is ready, or fails with the first error that says why it never will be:
 * bad credentials and TLS problems come back at once instead of as a timeout.
 */
export function connectOrExplain(redis: RedisClient, cfg: RedisSettings, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let last: unknown;
    const done = (err?: unknown) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = () => done();
    const onError = (err: unknown) => {
      last = err;
      const kind = classifyRedisError(err);
      // Refused or reset connections are retried until the deadline; these will never heal alone.
      if (kind === 'auth' || kind === 'tls' || kind === 'permission') done(describeRedisFailure(err, cfg));
    };
    const timer = setTimeout(() => {
      const why = last ? describeRedisFailure(last, cfg) : undefined;
      done(
        why && why.kind !== 'unreachable'
          ? why
          : new RedisAccessError(
              'unreachable',
              `Redis unreachable at ${displayUrl(cfg)} (${last ? firstLine(last) : `no answer within ${timeoutMs} ms`})`,
            ),
      );
    }, timeoutMs);
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

interface Probe {
  /** The command as the ACL names it (`client|setname`), and as the message spells it. */
  acl: string;
  args: (keys: ProbeKeys) => (string | number)[];
}

interface ProbeKeys {
  str: string;
  hash: string;
  zset: string;
  list: string;
  stream: string;
  name: string;
}

const RETURN_ONE = 'return 1';
const RETURN_ONE_SHA = createHash('sha1').update(RETURN_ONE).digest('hex');

/**
 * What the agent runs on Redis (its own code and BullMQ's worker and scripts; the scripts' own
 * calls are ACL-checked too), each tried for real on throw-away keys under the prefix. Order
 * matters: the keys are written before they are read and deleted last.
 */
const AGENT_PROBES: readonly Probe[] = [
  { acl: 'ping', args: () => ['ping'] },
  { acl: 'info', args: () => ['info', 'server'] },
  { acl: 'client|setname', args: (k) => ['client', 'setname', k.name] },
  { acl: 'eval', args: (k) => ['eval', RETURN_ONE, 1, k.str] },
  { acl: 'evalsha', args: (k) => ['evalsha', RETURN_ONE_SHA, 1, k.str] },
  { acl: 'set', args: (k) => ['set', k.str, '1', 'PX', 60_000, 'NX'] },
  { acl: 'get', args: (k) => ['get', k.str] },
  { acl: 'mget', args: (k) => ['mget', k.str] },
  { acl: 'incr', args: (k) => ['incr', k.str] },
  { acl: 'pexpire', args: (k) => ['pexpire', k.str, 60_000] },
  { acl: 'exists', args: (k) => ['exists', k.str] },
  { acl: 'hset', args: (k) => ['hset', k.hash, 'f', '1'] },
  { acl: 'hget', args: (k) => ['hget', k.hash, 'f'] },
  { acl: 'hgetall', args: (k) => ['hgetall', k.hash] },
  { acl: 'hincrby', args: (k) => ['hincrby', k.hash, 'n', 1] },
  { acl: 'hdel', args: (k) => ['hdel', k.hash, 'f'] },
  { acl: 'zadd', args: (k) => ['zadd', k.zset, 1, 'm'] },
  { acl: 'zrangebyscore', args: (k) => ['zrangebyscore', k.zset, '-inf', '+inf'] },
  { acl: 'zrem', args: (k) => ['zrem', k.zset, 'm'] },
  { acl: 'zremrangebyscore', args: (k) => ['zremrangebyscore', k.zset, '-inf', 0] },
  { acl: 'bzpopmin', args: (k) => ['bzpopmin', k.zset, '0.01'] },
  { acl: 'lpush', args: (k) => ['lpush', k.list, 'x'] },
  { acl: 'lrange', args: (k) => ['lrange', k.list, 0, -1] },
  { acl: 'lrem', args: (k) => ['lrem', k.list, 0, 'x'] },
  { acl: 'xadd', args: (k) => ['xadd', k.stream, 'MAXLEN', '~', 10, '*', 'f', 'v'] },
  { acl: 'xrange', args: (k) => ['xrange', k.stream, '-', '+', 'COUNT', 1] },
  { acl: 'xrevrange', args: (k) => ['xrevrange', k.stream, '+', '-', 'COUNT', 1] },
  { acl: 'xread', args: (k) => ['xread', 'COUNT', 1, 'STREAMS', k.stream, '0'] },
  { acl: 'del', args: (k) => ['del', k.str, k.hash, k.zset, k.list, k.stream] },
];

export interface PermissionGap {
  /** Commands refused outright, as the ACL names them. */
  commands: string[];
  /** Whether some command was refused only for its keys (the key pattern is missing). */
  keys: boolean;
}

/**
 * Runs each command the agent needs, once, on throw-away keys under the prefix, and collects
 * every refusal. Redis offers no way for an ordinary user to read its own ACL, so trying is the
 * only check that does not itself need admin rights. Other errors (wrong type, NOSCRIPT) mean
 * the command was allowed and are ignored; connection failures are thrown.
 */
export async function findPermissionGaps(redis: RedisClient, prefix: string): Promise<PermissionGap> {
  const tag = randomBytes(6).toString('hex');
  const base = `${prefix}:acl-probe:${tag}`;
  const keys: ProbeKeys = {
    str: `${base}:s`,
    hash: `${base}:h`,
    zset: `${base}:z`,
    list: `${base}:l`,
    stream: `${base}:x`,
    // Set to the name it already has: the check must not rename the agent's connection.
    name: (redis.options as { connectionName?: string }).connectionName ?? 'dcagent',
  };
  const gap: PermissionGap = { commands: [], keys: false };
  for (const p of AGENT_PROBES) {
    const [command, ...args] = p.args(keys);
    try {
      await redis.call(String(command), ...args);
    } catch (err) {
      const kind = classifyRedisError(err);
      if (kind !== 'permission') {
        if (kind) throw err;
        continue;
      }
      // "no permissions to access one of the keys" (7.0) / "... to access the '<key>' key" (7.2).
      if (/access .*key/i.test(errorMessage(err))) gap.keys = true;
      else gap.commands.push(p.acl);
    }
  }
  return gap;
}

/** The one line for a permission gap, naming the commands and the ACL rule to add. */
export function describeGap(gap: PermissionGap, cfg: RedisSettings): string | undefined {
  const user = redisUser(cfg) ?? 'default';
  const parts: string[] = [];
  if (gap.commands.length > 0) {
    const names = gap.commands.map((c) => c.replace('|', ' ').toUpperCase()).join(', ');
    const rule = gap.commands.map((c) => `+${c}`).join(' ');
    parts.push(`lacks ${names}: add "${rule}"`);
  }
  if (gap.keys) parts.push(`may not use keys under ${cfg.prefix}: add "~${cfg.prefix}:*"`);
  if (parts.length === 0) return undefined;
  return `Redis user ${user} ${parts.join('; ')} (${ACL_DOC})`;
}

/** Connects (or reuses a ready client) and throws a RedisAccessError naming every missing permission. */
export async function checkAgentPermissions(redis: RedisClient, cfg: RedisSettings): Promise<void> {
  let gap: PermissionGap;
  try {
    gap = await findPermissionGaps(redis, cfg.prefix);
  } catch (err) {
    throw describeRedisFailure(err, cfg) ?? err;
  }
  const line = describeGap(gap, cfg);
  if (line) throw new RedisAccessError('permission', line);
}
