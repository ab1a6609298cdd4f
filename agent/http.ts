import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import type { AgentLifecycle } from './lifecycle.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  /** Named checks; each resolves true when fine. A check that throws or times out counts as false. */
  checks: Record<string, () => Promise<boolean>>;
  /** Conditions an operator must know of that do not make the agent unready (Redis without persistence). */
  warnings?: () => readonly string[];
}

const CHECK_TIMEOUT_MS = 1_000;
const METRICS_WRITE_IDLE_MS = 30_000;

async function runCheck(fn: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the socket takes more, or is gone (a scraper that left mid-body). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * The registry's families, then the per-port ones piece by piece: at 10,000 ports the text is
 * about 17 MB, and built as one string through prom-client's arrays of lines it was several
 * times that in garbage.
 */
async function sendMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics,
  writeIdleMs: number,
): Promise<void> {
  // A scraper that stops reading would hold the pieces and the socket for good: past this long
  // without the socket taking a byte, the response is cut off.
  res.setTimeout(writeIdleMs, () => res.destroy());
  const headers = { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' };
  if (req.method === 'HEAD') return void res.writeHead(200, headers).end();
  const head = await metrics.registry.metrics();
  const text = metrics.ports.render();
  // The pieces are pooled slabs: reusable once the response is done with them, which 'close'
  // says (after the last byte went to the socket, or when it was cut off), never before.
  if (res.closed) text.release();
  else res.once('close', () => text.release());
  res.writeHead(200, headers);
  res.write(head);
  for (const piece of text.pieces) {
    if (res.destroyed) return;
    if (!res.write(piece)) await drained(res);
  }
  res.end();
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** `/metrics`, `/healthz` (the process is alive and not stopped) and `/readyz` (every readiness check passes). */
export function createHttpServer(o: {
  metrics: Metrics;
  lifecycle: AgentLifecycle;
  readiness: Readiness;
  logger: Logger;
  /** How long a `/metrics` response may wait for its scraper to read (tests shorten it). */
  metricsWriteIdleMs?: number;
}): Server {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain', 'method not allowed\n');
    void (async () => {
      try {
        if (path === '/metrics') {
          return await sendMetrics(req, res, o.metrics, o.metricsWriteIdleMs ?? METRICS_WRITE_IDLE_MS);
        }
        if (path === '/healthz') {
          const alive = o.lifecycle.state !== 'stopped';
          return send(
            res,
            alive ? 200 : 503,
            'application/json',
            `${JSON.stringify({ status: alive ? 'ok' : 'stopped', state: o.lifecycle.state })}\n`,
          );
        }
        if (path === '/readyz') {
          const results: Record<string, boolean> = { running: o.lifecycle.state === 'running' };
          await Promise.all(
            Object.entries(o.readiness.checks).map(async ([name, fn]) => {
              results[name] = await runCheck(fn);
            }),
          );
          const ready = Object.values(results).every(Boolean);
          return send(
            res,
            ready ? 200 : 503,
            'application/json',
            `${JSON.stringify({ ready, checks: results, warnings: o.readiness.warnings?.() ?? [] })}\n`,
          );
        }
        send(res, 404, 'text/plain', 'not found\n');
      } catch (err) {
        o.logger.error({ err: (err as Error).message, path }, 'http handler failed');
        // Past the headers a 500 cannot be sent: cut the body short, so the scraper sees a failure.
        if (res.headersSent) res.destroy();
        else send(res, 500, 'text/plain', 'internal error\n');
      }
    })();
  });
  // Slow or stuck scrapers must not pin sockets forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
