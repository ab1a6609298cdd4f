import type { Command } from 'commander';
import { z } from 'zod';
import { connectionIdSchema } from '../../contract/jobs.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { readNew, readRange, type StreamEntry } from '../events/stream.js';
import { createRedis, type RedisClient } from '../redis.js';
import { configFrom, intFlag, parseFlags } from './common.js';
import { formatEvent } from './event-format.js';
import { EXIT_OK, type Output, processOutput } from './io.js';

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  follow: z.boolean().optional(),
  connection: connectionIdSchema.optional(),
  json: z.boolean().optional(),
  last: intFlag.optional(),
});

export interface FollowOptions {
  redis: RedisClient;
  keys: RedisKeys;
  /** Start after this stream id (`$` = only new events). */
  after: string;
  connection?: string;
  signal: AbortSignal;
  onEvent(entry: StreamEntry): boolean | undefined;
}

/** Follows the stream until `onEvent` returns true or the signal aborts. */
export async function followEvents(o: FollowOptions): Promise<void> {
  let after = o.after;
  while (!o.signal.aborted) {
    const { entries, last } = await readNew(o.redis, o.keys, after, 1_000);
    if (last) after = last;
    for (const e of entries) {
      if (o.connection && e.event.subject !== o.connection) continue;
      if (o.onEvent(e)) return;
    }
  }
}

export function registerEvents(program: Command, io: Output = processOutput): void {
  program
    .command('events')
    .description('read the status event stream (CloudEvents)')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .option('--follow', 'keep printing new events until interrupted')
    .option('--connection <id>', 'only events of this connection')
    .option('--last <n>', 'only the last n events (before following)')
    .option('--json', 'one CloudEvents JSON object per line')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const cfg = configFrom(flags);
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      const redis = createRedis(cfg.redis, 'cli', 'dcagent-events');
      const print = (e: StreamEntry) =>
        io.out(flags.json ? JSON.stringify(e.event) : formatEvent(e.event, io.isTTY));
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        // Pages are printed as they come, so a stream of a million entries is never held whole;
        // with --last only a bounded tail is kept.
        const tail: StreamEntry[] = [];
        let after = '-';
        for (;;) {
          const page = await readRange(redis, keys, after, 1_000);
          for (const e of page.entries) {
            if (flags.connection && e.event.subject !== flags.connection) continue;
            if (!flags.last) print(e);
            else {
              tail.push(e);
              if (tail.length > flags.last) tail.shift();
            }
          }
          if (!page.last) break;
          after = page.last;
        }
        for (const e of tail) print(e);
        if (flags.follow) {
          await followEvents({
            redis,
            keys,
            after: after === '-' ? '0' : after,
            ...(flags.connection ? { connection: flags.connection } : {}),
            signal: controller.signal,
            onEvent: (e) => {
              print(e);
              return false;
            },
          });
        }
        process.exitCode = EXIT_OK;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        redis.disconnect();
      }
    });
}
