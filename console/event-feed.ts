import { readNew, readRange, type StreamEntry } from '../agent/events/stream.js';
import type { DcEvent } from '../contract/events.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';

/**
 * The events stream for any number of browsers on one Redis connection: one follower blocks on
 * XREAD and fans out to every subscriber. A subscriber that resumes (`Last-Event-ID`) first reads
 * what it missed with XRANGE, and joins the live feed without a gap or a repeat: it subscribes
 * before it replays, and drops live entries not newer than the last it sent.
 */

/** Stream ids (`ms-seq`) in order. */
export function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map((x) => BigInt(x));
  const [bm = 0n, bs = 0n] = b.split('-').map((x) => BigInt(x));
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

export interface EventFilter {
  types?: readonly string[];
  connection?: string;
  device?: string;
}

export function matches(ev: DcEvent, f: EventFilter): boolean {
  if (f.types && f.types.length > 0 && !f.types.includes(ev.type)) return false;
  if (f.connection && ev.subject !== f.connection) return false;
  if (f.device && (ev.data as { device?: unknown }).device !== f.device) return false;
  return true;
}

type Listener = (entries: readonly StreamEntry[]) => void;

/** How long one XREAD blocks; the follower checks for close this often. */
const BLOCK_MS = 2_000;
/** Replay stops after this many entries: a browser that was away for long is told to reload instead. */
export const REPLAY_MAX = 10_000;

export class EventFeed {
  private readonly listeners = new Set<Listener>();
  private last = '$';
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    /** A connection of its own: XREAD BLOCK holds it. */
    private readonly blocking: RedisClient,
    /** For replays, shared with the API. */
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Follows from `after` (exclusive): the position a snapshot was read at, so nothing falls between. */
  start(after = '$'): void {
    if (this.running) return;
    this.running = true;
    this.last = after;
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.listeners.clear();
    this.blocking.disconnect();
    // With Redis away, the queued XREAD of a disconnected client never settles: wait one block at most.
    await Promise.race([
      this.loop?.catch(() => {}),
      new Promise((r) => setTimeout(r, BLOCK_MS + 1000).unref()),
    ]);
  }

  private async follow(): Promise<void> {
    let backoff = 250;
    while (this.running) {
      try {
        const { entries, last } = await readNew(this.blocking, this.keys, this.last, BLOCK_MS);
        backoff = 250;
        if (last) this.last = last;
        if (entries.length > 0) for (const l of this.listeners) l(entries);
      } catch (err) {
        if (!this.running) return;
        this.onError(err);
        // Redis away: wait, growing, so a dead server costs a line now and then, not a hot loop.
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /**
   * Calls `send` with every entry after `after` (exclusive; undefined = only new ones) that
   * matches, in order, until the returned function is called.
   */
  async subscribe(
    after: string | undefined,
    filter: EventFilter,
    send: Listener,
    onOverflow: () => void = () => {},
  ): Promise<() => void> {
    let sent = after;
    let replaying = after !== undefined;
    const held: StreamEntry[] = [];
    const deliver = (entries: readonly StreamEntry[]) => {
      const fresh = entries.filter((e) => sent === undefined || compareIds(e.streamId, sent) > 0);
      if (fresh.length === 0) return;
      sent = fresh[fresh.length - 1]!.streamId;
      const wanted = fresh.filter((e) => matches(e.event, filter));
      if (wanted.length > 0) send(wanted);
    };
    const listener: Listener = (entries) => {
      if (replaying) held.push(...entries);
      else deliver(entries);
    };
    this.listeners.add(listener);
    if (after !== undefined) {
      try {
        let from = after;
        let replayed = 0;
        for (;;) {
          const page = await readRange(this.redis, this.keys, from, 500);
          deliver(page.entries);
          replayed += page.entries.length + page.invalid;
          if (!page.last || page.entries.length + page.invalid < 500) break;
          from = page.last;
          sent = sent === undefined || compareIds(from, sent) > 0 ? from : sent;
          if (replayed >= REPLAY_MAX) {
            // Going on live would skip what lies between: the subscriber must start afresh.
            this.listeners.delete(listener);
            onOverflow();
            return () => {};
          }
        }
      } catch (err) {
        this.listeners.delete(listener);
        throw err;
      }
      replaying = false;
      deliver(held.splice(0));
    }
    return () => this.listeners.delete(listener);
  }

  /** The newest entry's id, so a page that read a snapshot can follow from exactly there. */
  async head(): Promise<string> {
    const raw = (await this.redis.xrevrange(this.keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return raw[0]?.[0] ?? '0-0';
  }
}
