import type { Command } from 'commander';
import { z } from 'zod';
import { type DcEvent, EVENT_TYPES } from '../../contract/events.js';
import { connectionIdSchema } from '../../contract/jobs.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { intFlag, parseFlags } from '../command-line/flags.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { readNew, readRange, type StreamEntry } from '../events/stream.js';
import type { RedisClient } from '../redis.js';
import { configFrom } from './common.js';
import { formatEvent } from './event-format.js';
import { withCliRedis } from './redis.js';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--since`: an ISO 8601 time, or a duration back from now such as `90s`, `15m`, `2h`, `7d`. */
export function parseSince(text: string, now = Date.now()): number | undefined {
  const d = DURATION.exec(text);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS];
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

const typePattern = z
  .string()
  .refine(
    (t) =>
      (EVENT_TYPES as readonly string[]).includes(t) ||
      EVENT_TYPES.some((e) => e.startsWith(`${t.replace(/\.?\*$/, '')}.`)),
    {
      message: `each type must be an event type (${EVENT_TYPES.join(', ')}) or a family such as provision.*`,
    },
  );

const flagsSchema = z.strictObject({
  config: z.string().optional(),
  follow: z.boolean().optional(),
  connection: connectionIdSchema.optional(),
  type: z
    .string()
    .transform((t) =>
      t
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(typePattern).min(1))
    .optional(),
  device: z.string().min(1).max(64).optional(),
  since: z
    .string()
    .transform((t, ctx) => {
      const ms = parseSince(t);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an ISO 8601 time or a duration such as 15m, 2h, 7d',
        });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  json: z.boolean().optional(),
  last: intFlag.optional(),
});

export interface EventFilter {
  connection?: string;
  /** Exact types, or families given as `provision.*` / `provision`. */
  types?: readonly string[];
  device?: string;
  /** Unix ms: only events whose own time is at or after this. */
  since?: number;
}

/** Whether an event passes every filter given (all of them must hold). */
export function matchesFilter(ev: DcEvent, f: EventFilter): boolean {
  if (f.connection !== undefined && ev.subject !== f.connection) return false;
  if (f.device !== undefined && ev.data.device !== f.device) return false;
  if (f.types !== undefined) {
    const hit = f.types.some((t) =>
      t === ev.type ? true : ev.type.startsWith(`${t.replace(/\.?\*$/, '')}.`),
    );
    if (!hit) return false;
  }
  if (f.since !== undefined && Date.parse(ev.time) < f.since) return false;
  return true;
}

/**
 * The stream position just before `since`: stream ids start with the ms they were added at, and an
 * event is added after it happened, so nothing at or after `since` lies before this position.
 */
export function streamPositionBefore(since: number): string {
  return since > 0 ? `${since - 1}-18446744073709551615` : '-';
}

export interface FollowOptions {
  redis: RedisClient;
  keys: RedisKeys;
  /** Start after this stream id (`$` = only new events). */
  after: string;
  filter?: EventFilter;
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
      if (o.filter && !matchesFilter(e.event, o.filter)) continue;
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
    .option('--type <types>', 'only these event types, comma-separated; provision.* takes a family')
    .option('--device <id>', 'only events about this device')
    .option('--since <when>', 'only events from this time on: ISO 8601, or back from now: 90s, 15m, 2h, 7d')
    .option('--last <n>', 'only the last n events (before following)')
    .option('--json', 'one CloudEvents JSON object per line')
    .action(async (raw: Record<string, unknown>) => {
      const flags = parseFlags(flagsSchema, raw);
      const cfg = configFrom(flags);
      const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
      await withCliRedis(cfg, 'dcagent-events', async (redis) => {
        const print = (e: StreamEntry) =>
          io.out(flags.json ? JSON.stringify(e.event) : formatEvent(e.event, io.isTTY));
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          // Pages are printed as they come, so a stream of a million entries is never held whole;
          // with --last only a bounded tail is kept.
          const filter: EventFilter = {
            ...(flags.connection ? { connection: flags.connection } : {}),
            ...(flags.type ? { types: flags.type } : {}),
            ...(flags.device ? { device: flags.device } : {}),
            ...(flags.since !== undefined ? { since: flags.since } : {}),
          };
          const tail: StreamEntry[] = [];
          let after = flags.since !== undefined ? streamPositionBefore(flags.since) : '-';
          for (;;) {
            const page = await readRange(redis, keys, after, 1_000);
            for (const e of page.entries) {
              if (!matchesFilter(e.event, filter)) continue;
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
              filter,
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
        }
      });
    });
}
