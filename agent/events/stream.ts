import { type DcEvent, eventSchema } from '../../contract/events.js';
import type { RedisClient } from '../../core/redis-client.js';
import type { RedisKeys } from '../../core/redis-keys.js';

export interface StreamEntry {
  streamId: string;
  event: DcEvent;
}

type RawEntries = [string, string[]][];

/** Parses stream entries, skipping (and counting) anything that is not a valid event. */
export function parseEntries(raw: RawEntries): { entries: StreamEntry[]; invalid: number } {
  const entries: StreamEntry[] = [];
  let invalid = 0;
  for (const [streamId, fields] of raw) {
    const i = fields.indexOf('event');
    const text = i >= 0 ? fields[i + 1] : undefined;
    if (text === undefined) {
      invalid++;
      continue;
    }
    try {
      const parsed = eventSchema.safeParse(JSON.parse(text));
      if (parsed.success) entries.push({ streamId, event: parsed.data });
      else invalid++;
    } catch {
      invalid++;
    }
  }
  return { entries, invalid };
}

/** Reads the event stream in pages from `after` (exclusive); `-` reads from the start. */
export async function readRange(
  redis: RedisClient,
  keys: RedisKeys,
  after = '-',
  count = 500,
): Promise<{ entries: StreamEntry[]; invalid: number; last: string | undefined }> {
  const start = after === '-' ? '-' : `(${after}`;
  const raw = (await redis.xrange(keys.events, start, '+', 'COUNT', count)) as RawEntries;
  const { entries, invalid } = parseEntries(raw);
  return { entries, invalid, last: raw.at(-1)?.[0] };
}

/** Blocks up to `blockMs` for entries after `after` (`$` = only new ones). */
export async function readNew(
  redis: RedisClient,
  keys: RedisKeys,
  after: string,
  blockMs: number,
  count = 500,
): Promise<{ entries: StreamEntry[]; invalid: number; last: string | undefined }> {
  const res = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', keys.events, after)) as
    | [string, RawEntries][]
    | null;
  const raw = res?.[0]?.[1] ?? [];
  const { entries, invalid } = parseEntries(raw);
  return { entries, invalid, last: raw.at(-1)?.[0] };
}

/**
 * The newest `want` events of one subject, oldest first, read backwards (XREVRANGE) in pages and
 * never deeper than `scanMax` entries, so a long stream is never read whole into memory. An
 * older event of the subject beyond that depth is not found; `scanned` says how deep it looked.
 */
export async function readSubjectNewest(
  redis: RedisClient,
  keys: RedisKeys,
  subject: string,
  want: number,
  scanMax: number,
  page = 500,
): Promise<{ events: DcEvent[]; scanned: number }> {
  const found: DcEvent[] = [];
  let scanned = 0;
  let end = '+';
  while (found.length < want && scanned < scanMax) {
    const count = Math.min(page, scanMax - scanned);
    const raw = (await redis.xrevrange(keys.events, end, '-', 'COUNT', count)) as RawEntries;
    scanned += raw.length;
    for (const { event } of parseEntries(raw).entries) {
      if (event.subject === subject && found.length < want) found.push(event);
    }
    const last = raw.at(-1)?.[0];
    if (raw.length < count || last === undefined) break;
    end = `(${last}`;
  }
  return { events: found.reverse(), scanned };
}
