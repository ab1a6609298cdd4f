import type { AgentConfig } from '../../config/load.js';
import { createRedis, type RedisClient } from '../redis.js';
import { connectOrExplain, describeRedisFailure } from '../redis-access.js';

/**
 * Every CLI command that talks to Redis goes through here, so `WRONGPASS`, `NOPERM`, a TLS
 * failure or an unreachable server all end the same way: one line naming the server (never
 * its password) and exit 1, with no stack trace and no ioredis chatter on stderr.
 */
export async function withCliRedis<T>(
  cfg: AgentConfig,
  name: string,
  fn: (redis: RedisClient) => Promise<T>,
): Promise<T> {
  const redis = createRedis(cfg.redis, 'cli', name);
  // Without a listener ioredis prints every reconnect error to stderr; the failure is reported once below.
  redis.on('error', () => {});
  try {
    await connectOrExplain(redis, cfg.redis, cfg.redis.connectTimeoutMs);
    return await fn(redis);
  } catch (err) {
    throw describeRedisFailure(err, cfg.redis) ?? err;
  } finally {
    redis.disconnect();
  }
}
