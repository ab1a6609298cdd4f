import { z } from 'zod';
import type { LogLimiter } from '../../core/log-limit.js';
import type { RedisClient } from '../../core/redis-client.js';
import type { RedisKeys } from '../../core/redis-keys.js';

/**
 * Trap hints between replicas (docs/architecture.md, "Traps"). A replica that receives a trap for
 * a device another replica polls appends `{device, at}` to one capped stream; every replica
 * follows the stream and acts on the hints for devices it holds. A stream and not pub/sub: the
 * agent's ACL already allows XADD/XREAD under its prefix, and the cap bounds it whatever happens.
 * Hints are already rate-limited per device where they were received.
 */

/** Entries kept: hints are only useful for seconds; the newest thousand are far more than that. */
const MAX_LEN = 1_000;
/** How long one XREAD waits, so stop() is seen within it even if the disconnect is slow. */
const BLOCK_MS = 2_000;
const RETRY_MS = 1_000;
/** Entries read at once: each is a few bytes, and the stream holds at most MAX_LEN. */
const COUNT = 200;

const hintSchema = z.strictObject({
  device: z.string().min(1).max(200),
  at: z.coerce.number().int().positive(),
  from: z.string().min(1).max(200),
});

export interface HintStreamDeps {
  /** Short commands (XADD). */
  redis: RedisClient;
  /** A connection of its own for the blocking XREAD. */
  follower: RedisClient;
  keys: RedisKeys;
  agentId: string;
  log: LogLimiter;
  onHint: (device: string, receivedAt: number) => void;
}

export class HintStream {
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(private readonly deps: HintStreamDeps) {}

  publish(device: string, receivedAt: number): void {
    const { redis, keys, agentId, log } = this.deps;
    redis
      .xadd(
        keys.trapHints,
        'MAXLEN',
        '~',
        MAX_LEN,
        '*',
        'device',
        device,
        'at',
        String(receivedAt),
        'from',
        agentId,
      )
      .catch((err: unknown) =>
        log.warn(
          'trap-forward',
          { err: (err as Error).message },
          'cannot forward a trap hint through Redis; polling still covers it',
        ),
      );
  }

  start(): void {
    this.#loop = this.#follow();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.deps.follower.disconnect();
    await this.#loop;
  }

  async #follow(): Promise<void> {
    const { follower, keys, agentId, log, onHint } = this.deps;
    // Only hints from now on: an old one names a link state the next poll has already seen.
    let last = '$';
    while (!this.#stopped) {
      try {
        const res = (await follower.xread(
          'COUNT',
          COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          keys.trapHints,
          last,
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const obj: Record<string, string> = {};
            for (let i = 0; i + 1 < fields.length; i += 2) obj[fields[i]!] = fields[i + 1]!;
            const hint = hintSchema.safeParse(obj);
            if (!hint.success || hint.data.from === agentId) continue;
            onHint(hint.data.device, hint.data.at);
          }
        }
      } catch (err) {
        if (this.#stopped) return;
        log.warn(
          'trap-follow',
          { err: (err as Error).message },
          'cannot read trap hints from Redis; retrying',
        );
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  }
}
