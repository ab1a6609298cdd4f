import { createRedis } from '../agent/redis.js';
import { connectOrExplain, describeRedisFailure } from '../agent/redis-access.js';
import { type AgentConfig, resolveSecretRef } from '../config/load.js';
import { listenSchema } from '../config/schema.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import { isLoopback, parseListen } from './auth.js';
import { buildConsole } from './server.js';

export interface RunningConsole {
  /** Where a browser opens it, e.g. http://127.0.0.1:9470/ (the port the system gave for :0). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `dcagent console` (CONTRACT §9). Refuses, before it binds anything, a non-loopback address
 * without `console.auth` (exit 2) and a token it cannot read; checks Redis once so a wrong password
 * is one clear line at start rather than a page of 503s.
 */
export async function startConsole(
  cfg: AgentConfig,
  o: { listen?: string; log: Logger; env?: NodeJS.ProcessEnv },
): Promise<RunningConsole> {
  const listen = o.listen ?? cfg.console.listen;
  if (o.listen !== undefined && !listenSchema.safeParse(o.listen).success) {
    throw new UsageError(
      `--listen: must be HOST:PORT, e.g. 127.0.0.1:9470 or [::1]:9470, not ${JSON.stringify(o.listen)}`,
    );
  }
  const { host, port } = parseListen(listen);
  const auth = cfg.console.auth;
  if (!auth && !isLoopback(host)) {
    throw new ConfigError([
      {
        path: 'console.auth',
        message: `listening on ${listen} (not loopback) needs console.auth (tokenEnv or tokenFile): without it anyone who reaches the address could retry jobs`,
      },
    ]);
  }
  const token = auth ? resolveSecretRef(cfg, ['console', 'auth'], auth, 'token', o.env) : undefined;
  const redis = createRedis(cfg.redis, 'fast', 'dcagent-console');
  const blocking = createRedis(cfg.redis, 'worker', 'dcagent-console-events');
  const limiter = new LogLimiter(o.log);
  const onRedisError = (err: Error) =>
    limiter.warn(
      'redis',
      { err: describeRedisFailure(err, cfg.redis)?.message ?? err.message },
      'console: Redis error',
    );
  redis.on('error', onRedisError);
  blocking.on('error', onRedisError);
  try {
    await connectOrExplain(redis, cfg.redis, cfg.redis.connectTimeoutMs);
  } catch (err) {
    redis.disconnect();
    blocking.disconnect();
    throw describeRedisFailure(err, cfg.redis) ?? err;
  }
  const { app, feed, model } = await buildConsole({ cfg, redis, blocking, token, log: o.log });
  let unsubscribe: (() => void) | undefined;
  try {
    // The stream position first, then the snapshot: the follower and the model go on from there.
    const head = await feed.head();
    feed.start(head);
    await model.start(head);
    unsubscribe = await feed.subscribe(head, {}, (entries) => model.onEvents(entries));
    await app.listen({ host, port });
  } catch (err) {
    unsubscribe?.();
    model.stop();
    await feed.stop();
    await app.close().catch(() => {});
    redis.disconnect();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${bound}/`;
  o.log.info({ url, auth: Boolean(token) }, 'console listening');
  return {
    url,
    async close() {
      unsubscribe?.();
      model.stop();
      await feed.stop();
      await app.close();
      redis.disconnect();
    },
  };
}
