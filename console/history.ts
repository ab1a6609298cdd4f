import { z } from 'zod';
import { HOUR_MS, readOpticsHistory } from '../agent/optics-history.js';
import type { RedisClient } from '../core/redis-client.js';
import type { RedisKeys } from '../core/redis-keys.js';

/**
 * One connection's light over time for the chart: from Prometheus at full resolution where the
 * console is told of one, else the agent's own hourly history in Redis. The console keeps no
 * series of its own.
 */

export interface HistoryPoint {
  /** Epoch ms. */
  t: number;
  lane: number;
  rxDbm: number | null;
  txDbm: number | null;
}

export interface History {
  source: 'prometheus' | 'redis' | 'none';
  points: HistoryPoint[];
  /** Extension: the window read, epoch ms. */
  from: number;
  to: number;
  /** Extension: why Prometheus was not used although configured (the chart then shows Redis's hours). */
  prometheusError?: string;
}

export interface PrometheusSource {
  url: string;
  timeoutMs: number;
  stepSeconds: number;
}

/** Prometheus refuses more than 11,000 points per series; stay under it. */
const MAX_POINTS = 10_000;
/** A reply larger than this is not a light chart: refused rather than buffered. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

const matrixSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z
      .array(
        z.object({
          metric: z.record(z.string(), z.string()),
          values: z.array(z.tuple([z.number(), z.string()])).max(20_000),
        }),
      )
      .max(64),
  }),
});

/** A PromQL label value in double quotes: backslash and quote escaped, newlines spelled out. */
export function promLabel(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

async function readCapped(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_REPLY_BYTES) {
      await reader.cancel();
      throw new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function queryRange(
  src: PrometheusSource,
  query: string,
  from: number,
  to: number,
  step: number,
): Promise<z.infer<typeof matrixSchema>['data']['result']> {
  const url = new URL('api/v1/query_range', src.url.endsWith('/') ? src.url : `${src.url}/`);
  const body = new URLSearchParams({
    query,
    start: String(from / 1000),
    end: String(to / 1000),
    step: `${step}s`,
  });
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    signal: AbortSignal.timeout(src.timeoutMs),
  });
  const text = await readCapped(res);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  const parsed = matrixSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('reply is not a range-query matrix');
  return parsed.data.data.result;
}

/** Rx and Tx of every lane of one port between `from` and `to`, at `stepSeconds` or coarser. */
export async function prometheusHistory(
  src: PrometheusSource,
  device: string,
  port: string,
  from: number,
  to: number,
): Promise<HistoryPoint[]> {
  const step = Math.max(src.stepSeconds, Math.ceil((to - from) / 1000 / MAX_POINTS));
  const sel = `{device=${promLabel(device)},port=${promLabel(port)}}`;
  const [rx, tx] = await Promise.all([
    queryRange(src, `dcagent_port_rx_dbm${sel}`, from, to, step),
    queryRange(src, `dcagent_port_tx_dbm${sel}`, from, to, step),
  ]);
  const byKey = new Map<string, HistoryPoint>();
  const put = (series: typeof rx, dir: 'rxDbm' | 'txDbm') => {
    for (const s of series) {
      const lane = Number(s.metric.lane);
      if (!Number.isInteger(lane) || lane < 1) continue;
      for (const [sec, v] of s.values) {
        const t = Math.round(sec * 1000);
        const key = `${t}:${lane}`;
        const p = byKey.get(key) ?? { t, lane, rxDbm: null, txDbm: null };
        const n = Number(v);
        p[dir] = Number.isFinite(n) ? n : null;
        byKey.set(key, p);
      }
    }
  };
  put(rx, 'rxDbm');
  put(tx, 'txDbm');
  return [...byKey.values()].sort((a, b) => a.t - b.t || a.lane - b.lane);
}

/**
 * The chart's history over the trend window (from Prometheus, only since the connection was
 * tracked: the port's series may hold a previous customer's light):
 * Prometheus when configured and answering, else the hourly averages in Redis, else none.
 */
export async function connectionHistory(
  o: {
    redis: RedisClient;
    keys: RedisKeys;
    prometheus: PrometheusSource | undefined;
    windowHours: number;
  },
  c: { connectionId: string; device: string; port: string; since: string },
  now = Date.now(),
): Promise<History> {
  const sinceMs = Date.parse(c.since);
  const from = Math.max(now - o.windowHours * HOUR_MS, Number.isFinite(sinceMs) ? sinceMs : 0);
  let prometheusError: string | undefined;
  if (o.prometheus) {
    try {
      const points = await prometheusHistory(o.prometheus, c.device, c.port, from, now);
      return { source: 'prometheus', points, from, to: now };
    } catch (err) {
      // The configured URL is named by host only in what the page shows.
      prometheusError = `prometheus at ${new URL(o.prometheus.url).host}: ${(err as Error).message.replaceAll(o.prometheus.url, '(its URL)')}`;
    }
  }
  // The stored hours are this connection's own (removed with it), so only the window bounds them.
  const stored = await readOpticsHistory(o.redis, o.keys, c.connectionId);
  const windowStart = now - o.windowHours * HOUR_MS;
  const points = stored.points
    .filter((p) => p.t >= windowStart - HOUR_MS)
    .map((p) => ({ t: p.t, lane: p.lane, rxDbm: p.rxDbm, txDbm: p.txDbm }));
  return {
    source: points.length > 0 ? 'redis' : 'none',
    points,
    from: windowStart,
    to: now,
    ...(prometheusError ? { prometheusError } : {}),
  };
}
