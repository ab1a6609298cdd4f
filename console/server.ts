// Over 400 lines: the console's whole HTTP surface (CONTRACT §9) in one place, so every route's guard reads together.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseEntries, type StreamEntry } from '../agent/events/stream.js';
import { describeRedisFailure } from '../agent/redis-access.js';
import { listJobs, retryFailedJob } from '../agent/views/job.js';
import { planJob, prepareCliJob } from '../agent/views/job-check.js';
import type { AgentConfig } from '../config/load.js';
import { JOB_STATES } from '../contract/cli-output.js';
import { connectionIdSchema, descriptionSchema, jobIdSchema } from '../contract/jobs.js';
import { PORT_TYPES } from '../contract/port-types.js';
import { DcAgentError, errorMessage, isDcAgentError } from '../core/errors.js';
import { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import type { RedisClient } from '../core/redis-client.js';
import { RedisKeys } from '../core/redis-keys.js';
import type { Secret } from '../core/secret.js';
import { Semaphore } from '../core/semaphore.js';
import { createQueue, defaultJobId, enqueueJob } from '../jobs/pipeline/queue.js';
import { bearer, COOKIE, cookieValue, loopbackHost, sameOrigin, tokenMatches } from './auth.js';
import { readConnection } from './connection.js';
import { EventFeed, type EventFilter, matches, STREAM_ID } from './event-feed.js';
import { FleetModel } from './fleet-model.js';

export interface ConsoleDeps {
  cfg: AgentConfig;
  /** Short commands: fails fast while Redis is away, so a page gets 503 rather than a hang. */
  redis: RedisClient;
  /** Held by the events follower's blocking XREAD. */
  blocking: RedisClient;
  token: Secret | undefined;
  log: Logger;
}

/** The browser files: beside this module in the source tree, two folders up from dist/console. */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'public'), join(here, '..', '..', 'console', 'public')]) {
    if (existsSync(join(candidate, 'fleet.html'))) return candidate;
  }
  // A broken install, not an operator's mistake.
  throw new DcAgentError('internal', `console/public not found near ${here}`);
}

function uplotDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
}

const PAGES: Readonly<Record<string, string>> = {
  '/': 'fleet.html',
  '/plan': 'plan.html',
  '/jobs': 'jobs.html',
  '/events': 'events.html',
};

/** A job's data (CONTRACT §3) plus `operation`, as §9 says; `dryRun` is what a plan is anyway. */
const planBody = z.strictObject({
  operation: z.enum(['provision', 'deprovision']),
  schemaVersion: z.literal(1).optional(),
  dryRun: z.boolean().optional(),
  connectionId: connectionIdSchema,
  device: z.string().min(1).max(64),
  port: z.string().min(1).max(64),
  description: descriptionSchema.optional(),
  portType: z.enum(PORT_TYPES).optional(),
  bandwidthMbps: z.number().int().positive().optional(),
  offline: z.boolean().optional(),
});

const auditBody = z.strictObject({
  device: z.string().min(1).max(64),
  port: z.string().min(1).max(64).optional(),
  connectionId: connectionIdSchema.optional(),
});

const eventsQuery = z.strictObject({
  type: z.string().max(400).optional(),
  connection: z.string().max(200).optional(),
  device: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(5_000).default(500),
  after: z.string().regex(STREAM_ID).optional(),
});

const jobsQuery = z.strictObject({
  state: z.enum(JOB_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

function filterOf(q: z.infer<typeof eventsQuery>): EventFilter {
  return {
    ...(q.type ? { types: q.type.split(',').filter(Boolean) } : {}),
    ...(q.connection ? { connection: q.connection } : {}),
    ...(q.device ? { device: q.device } : {}),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    throw new HttpError(
      400,
      r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}

/** Content-Security-Policy: scripts and styles from this origin only, nothing inline, no frames. */
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Event streams open at once (browser tabs); more get 503. */
const MAX_STREAMS = 200;
/** Bytes waiting for one stream's reader before the stream is dropped. */
const MAX_STREAM_BUFFER = 1024 * 1024;
/** How deep `GET /api/events` reads the stream back looking for matches. */
const EVENTS_SCAN_MAX = 20_000;
/** Wrong tokens per minute from one address before /login answers 429. */
const LOGIN_TRIES_PER_MINUTE = 5;
/** Plans (device sessions) at once; more wait. */
const PLANS_AT_ONCE = 4;

/** How often the fleet checks the tracked set's version and the poll leases. */
const FLEET_CHECK_MS = 5_000;
/** How often it reads everything again, for what changes without an event (closing warnings, trends). */
const FLEET_RESYNC_MS = 300_000;

export async function buildConsole(
  deps: ConsoleDeps,
): Promise<{ app: FastifyInstance; feed: EventFeed; model: FleetModel }> {
  const { cfg, redis, token, log } = deps;
  const keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
  const feed = new EventFeed(deps.blocking, redis, keys, (err) =>
    log.warn({ err: errorMessage(err) }, 'console: events stream read failed; retrying'),
  );
  // A dead Redis fails every request: one line a minute says so.
  const limiter = new LogLimiter(log);
  const model = new FleetModel(cfg, redis, keys, {
    checkMs: FLEET_CHECK_MS,
    resyncMs: FLEET_RESYNC_MS,
    onError: (err) =>
      limiter.warn('fleet', { err: errorMessage(err) }, 'console: fleet refresh failed; retrying'),
  });
  const prometheus = cfg.console.prometheus;
  const streams = new Set<() => void>();
  const failedLogins = new Map<string, number[]>();
  const plans = new Semaphore(PLANS_AT_ONCE);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP },
    // The console is served over plain HTTP on loopback by default; HSTS there would be a lie.
    strictTransportSecurity: false,
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  const authorised = (req: FastifyRequest) =>
    !token ||
    tokenMatches(token, bearer(req.headers.authorization)) ||
    tokenMatches(token, cookieValue(req.headers.cookie, COOKIE));

  app.addHook('onRequest', async (req, reply) => {
    // Without a token, only this machine may ask, by this machine's names: a page elsewhere whose
    // name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused.
    if (!token && !loopbackHost(req.headers.host)) {
      return reply
        .code(421)
        .send({ error: 'this console answers only to a loopback name (127.0.0.1, localhost, [::1])' });
    }
    const path = req.url.split('?')[0] ?? '';
    if (path === '/login' || path === '/static/console.css') return;
    if (!authorised(req)) {
      if (path.startsWith('/api/'))
        return reply.code(401).send({ error: 'a token is required (Authorization: Bearer …)' });
      return reply.code(401).type('text/html').sendFile('login.html');
    }
    // The actions, and a plan (it contacts a device), only from this console's own pages.
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameOrigin(req.headers)) {
      return reply.code(403).send({ error: 'cross-origin request refused' });
    }
  });

  await app.register(fastifyStatic, { root: publicDir(), prefix: '/static/', index: false });
  await app.register(fastifyStatic, { root: uplotDir(), prefix: '/vendor/uplot/', decorateReply: false });

  for (const [path, file] of Object.entries(PAGES)) app.get(path, (_req, reply) => reply.sendFile(file));
  // Browsers ask for it on every page; an answer with nothing keeps their consoles free of 404s.
  app.get('/favicon.ico', (_req, reply) => reply.code(204).send());
  app.get('/connections/:id', (_req, reply) => reply.sendFile('connection.html'));
  app.get('/login', (_req, reply) => reply.sendFile('login.html'));
  app.post('/login', async (req, reply) => {
    const given = (req.body as { token?: unknown } | undefined)?.token;
    // Guessing is slowed down: a few wrong tokens a minute per address, then 429 until it passes.
    const now = Date.now();
    const tries = (failedLogins.get(req.ip) ?? []).filter((t) => now - t < 60_000);
    if (tries.length >= LOGIN_TRIES_PER_MINUTE) {
      return reply.code(429).send({ error: 'too many wrong tokens; wait a minute' });
    }
    if (!token || typeof given !== 'string' || !tokenMatches(token, given)) {
      if (failedLogins.size > 10_000) failedLogins.clear();
      failedLogins.set(req.ip, [...tries, now]);
      return reply.code(401).type('text/html').sendFile('login.html');
    }
    reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`);
    return reply.redirect('/', 303);
  });

  // From memory: at 10,000 ports a read from Redis would be most of a second (console/fleet-model.ts).
  app.get('/api/fleet', (req, reply) => {
    reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      return reply.header('content-encoding', 'gzip').send(model.snapshotGzip());
    }
    return reply.send(model.snapshot());
  });

  app.get('/api/connections/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const streamId = await feed.head();
    // An id no connection can have is as unknown as any other: 404, never a read.
    const doc = connectionIdSchema.safeParse(id).success
      ? await readConnection({ cfg, redis, keys, prometheus }, id)
      : undefined;
    if (!doc)
      return reply
        .code(404)
        .send({ error: `no connection ${id} (never provisioned here, or its records are gone)` });
    // Extension: the stream position read before the record, for the page to follow from.
    return { ...doc, streamId };
  });

  app.post('/api/plan', async (req) => {
    const b = parse(planBody, req.body);
    if (b.operation === 'deprovision' && (b.description !== undefined || b.portType || b.bandwidthMbps)) {
      throw new HttpError(400, 'description, portType and bandwidthMbps apply to provision only');
    }
    const { operation, offline, dryRun: _dryRun, schemaVersion: _v, ...data } = b;
    // Each plan opens a device session: a few at once, the rest wait their turn.
    await plans.acquire();
    try {
      return await planJob(cfg, operation, { schemaVersion: 1, ...data }, offline ? { offline: true } : {});
    } finally {
      plans.release();
    }
  });

  app.get('/api/events', async (req) => {
    const q = parse(eventsQuery, req.query);
    const filter = filterOf(q);
    // Newest `limit` matching, read backwards in pages, never deeper than the replay bound.
    const out: StreamEntry[] = [];
    // The position first: the page follows live from it, so nothing added meanwhile is lost.
    const head = await feed.head();
    let end = head === '0-0' ? '+' : head;
    let scanned = 0;
    while (out.length < q.limit && scanned < EVENTS_SCAN_MAX) {
      const raw = (await redis.xrevrange(keys.events, end, '-', 'COUNT', 500)) as [string, string[]][];
      if (raw.length === 0) break;
      scanned += raw.length;
      for (const e of parseEntries(raw).entries) {
        if (out.length < q.limit && matches(e.event, filter)) out.push(e);
      }
      end = `(${raw[raw.length - 1]![0]}`;
      if (raw.length < 500) break;
    }
    return { events: out.reverse(), head };
  });

  app.get('/api/events/stream', (req, reply) => {
    const q = parse(eventsQuery, req.query);
    if (streams.size >= MAX_STREAMS) {
      return reply.code(503).send({ error: `too many event streams open (${MAX_STREAMS})` });
    }
    const lastId = req.headers['last-event-id'];
    const after = typeof lastId === 'string' && STREAM_ID.test(lastId) ? lastId : q.after;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 2000\n\n');
    let unsubscribe: (() => void) | undefined;
    let closed = false;
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      if (closed) return;
      closed = true;
      streams.delete(end);
      clearInterval(keepAlive);
      unsubscribe?.();
      res.end();
    };
    // Shutdown ends every stream, so the server closes instead of waiting for browsers to leave.
    const end = () => close();
    streams.add(end);
    req.raw.on('close', close);
    const write = (text: string) => {
      // A reader that does not read: dropped once a megabyte waits for it, never buffered without end.
      if (!res.write(text) && res.writableLength > MAX_STREAM_BUFFER) close();
    };
    feed
      .subscribe(
        after,
        filterOf(q),
        (entries) => {
          for (const e of entries) write(`id: ${e.streamId}\ndata: ${JSON.stringify(e.event)}\n\n`);
        },
        // Too far behind to replay: the page starts afresh (common.js reloads on `reset`).
        () => {
          write('event: reset\ndata: {}\n\n');
          close();
        },
      )
      .then((u) => {
        if (closed) u();
        else unsubscribe = u;
      })
      .catch((err) => {
        log.warn({ err: errorMessage(err) }, 'console: events replay failed');
        close();
      });
  });
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  const queue = createQueue(cfg, redis);
  queue.on('error', () => {});
  app.addHook('onClose', async () => {
    await queue.close().catch(() => {});
  });

  app.get('/api/jobs', async (req) => {
    const q = parse(jobsQuery, req.query);
    return { jobs: await listJobs(queue, q.state ? [q.state] : JOB_STATES, q.limit) };
  });

  app.post('/api/jobs/:id/retry', async (req, reply) => {
    const { id } = parse(
      z.object({
        id: z
          .string()
          .min(1)
          .max(200)
          .refine((s) => !s.includes(':')),
      }),
      req.params,
    );
    const outcome = await retryFailedJob(queue, id);
    if (outcome === 'missing') return reply.code(404).send({ error: `no job ${id}` });
    if (outcome !== 'retried') {
      return reply
        .code(409)
        .send({ error: `job ${id} is ${outcome}, not failed: only a failed job can be retried` });
    }
    log.info({ jobId: id }, 'console: job retried');
    return { retried: id };
  });

  app.post('/api/audit', async (req) => {
    const b = parse(auditBody, req.body);
    const data = {
      schemaVersion: 1,
      device: b.device,
      ...(b.port ? { port: b.port } : {}),
      ...(b.connectionId ? { connectionId: b.connectionId } : {}),
    };
    // The job's own checks, as `dcagent audit` makes them.
    prepareCliJob(cfg, 'audit', data);
    const jobId = parse(jobIdSchema, defaultJobId('audit', b.connectionId ?? b.device));
    await enqueueJob(queue, 'audit', data, jobId);
    log.info({ jobId, device: b.device }, 'console: audit enqueued');
    return { jobId };
  });

  app.setNotFoundHandler((req, reply) =>
    req.url.startsWith('/api/')
      ? reply.code(404).send({ error: 'not found' })
      : reply.code(404).type('text/plain').send('not found'),
  );

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.message });
    // Redis away or refusing: the page says so in the CLI's words (server named, never its password).
    const redisFault = describeRedisFailure(err, cfg.redis);
    if (redisFault) {
      limiter.warn('redis-request', { err: redisFault.message }, 'console: Redis failed a request');
      return reply.code(503).send({ error: redisFault.message });
    }
    const usage = isDcAgentError(err) && (err.code === 'usage' || err.code === 'invalid-job');
    if (usage) return reply.code(400).send({ error: errorMessage(err) });
    if (isDcAgentError(err)) {
      // A device or Redis that failed us: the page says which, as the CLI would.
      return reply.code(502).send({ error: errorMessage(err), code: err.code });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500)
      return reply.code(status).send({ error: (err as Error).message });
    log.error({ err: errorMessage(err) }, 'console: request failed');
    return reply.code(500).send({ error: 'internal error; see the console log' });
  });
  return { app, feed, model };
}
