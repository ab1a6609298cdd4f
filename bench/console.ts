// bench:console — the web console at fleet scale (issue 18: "usable at 10,000 ports").
//
//   npm run bench:console [-- --devices 500 --ports 20 --events 500 --rate 100]
//
// The lab of bench:agent (bench/agent-lab.ts, its own process): `devices` × `ports` switches,
// every port provisioned and its connection record written through the agent's own
// ConnectionStore. A private Redis holding what a monitoring agent leaves besides (a tracker state
// per connection, poll leases held by one live replica that this bench heartbeats for). `dcagent
// console` (the built binary) as a child process on the lab's config, and Debian's chromium on the
// fleet page. No agent runs: the events below are published by the bench, so that their rate is
// the bench's to choose. It measures:
// - `fleetApiMs`: `GET /api/fleet`, p50 and p99 of 50 reads, and its size;
// - `planApiP50Ms`: `POST /api/plan` for a lab port, median of 10 (each reads the port from its
//   switch over NETCONF, as `dcagent plan` does);
// - `firstRenderMs`: on the page's own clock, from the start of navigation to the frame after the
//   one that drew every cell (the page's `dcagentTimings.paintedMs`), median of 5 loads, each in a
//   fresh browser context (no cache) of one running browser; `firstRenderMaxMs` the slowest of
//   them; `firstRenderWallMs` the bench's clock from `goto` until every cell is in the DOM,
//   Playwright's round trips included (median);
// - `eventsPerSecondApplied`: `availability.changed` events XADDed at `rate` per second, every
//   one of them seen by the page and its cell turned (none dropped), over the time they took;
// - `liveUpdateMs`: one event's XADD to its cell turning, median of 5;
// - `consoleRssMb`: the console process's RSS at the end; `rssAtStartMb` once the fleet is read,
//   `rssAfterRenderMb` once the page has drawn it;
// - `redisCmdsPerSecondIdle`: Redis commands per second over 10 s with the page open and nothing
//   happening (`INFO commandstats`, the bench's own heartbeat and INFO left out).
//
// The last line is one JSON object:
// {"bench":"console","ports":…,"fleetApiP50Ms":…,"fleetApiP99Ms":…,"planApiP50Ms":…,"fleetKb":…,"firstRenderMs":…,"firstRenderMaxMs":…,"firstRenderWallMs":…,"eventsPerSecondApplied":…,"eventsDropped":…,"liveUpdateMs":…,"consoleRssMb":…,"rssAtStartMb":…,"rssAfterRenderMb":…,"redisCmdsPerSecondIdle":…}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { chromium, type Page } from 'playwright-core';
import { ConnectionStore } from '../agent/connections.js';
import { initialState, lastPollOf } from '../agent/health/track-state.js';
import { AGENT_NODE_FLAGS } from '../agent/node-flags.js';
import { loadConfig } from '../config/load.js';
import { type DcEvent, eventSchema } from '../contract/events.js';
import { RedisKeys } from '../core/redis-keys.js';
import { freePort, startPrivateRedis } from '../tools/demo/redis-server.js';
import { startLabProcess } from './lab-process.js';
import { spawnOwned } from './owned-child.js';

const ROOT = resolve(import.meta.dirname, '..');

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '500' },
    ports: { type: 'string', default: '20' },
    updates: { type: 'string', default: '5' },
    events: { type: 'string', default: '500' },
    rate: { type: 'string', default: '100' },
  },
});
const DEVICES = Number(values.devices);
const PORTS = Number(values.ports);
const UPDATES = Number(values.updates);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const PLANS = 10;
const RENDERS = 5;
const REPLICA = 'bench-agent/1';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

const redisServer = await startPrivateRedis();
const prefix = 'dcagent';
const dir = mkdtempSync(join(tmpdir(), 'dcagent-bench-console-'));
const configPath = join(dir, 'agent.yaml');
// The lab's switches, every port provisioned and its connection record written through the
// agent's own ConnectionStore (bench/agent-lab.ts), in a process of its own.
const labStart = Date.now();
const lab = await startLabProcess({
  dir,
  redisUrl: redisServer.url,
  prefix,
  configPath,
  devices: DEVICES,
  ports: PORTS,
  intervalSeconds: 10,
});
const cfg = loadConfig({ path: configPath });
const keys = new RedisKeys(prefix, cfg.events.stream);
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
const store = new ConnectionStore(redis, keys);
const ports = lab.ready.ports;
console.error(
  `[bench] lab: ${DEVICES} switches × ${PORTS} ports, ${ports.length} tracked connections, in ${Date.now() - labStart} ms`,
);
const bounds = {
  rx: { lowAlarm: -14.4, lowWarning: -12.4, highWarning: -0.5, highAlarm: 0.5 },
  tx: { lowAlarm: -8.2, lowWarning: -6.2, highWarning: -0.5, highAlarm: 0.5 },
};

/** A tracker state as the agent stores it, with the availability it last reported. */
function trackerState(
  p: { device: string; port: string },
  reported: 'available' | 'unavailable',
  ver: number,
) {
  return {
    ...initialState(p.device, p.port),
    ver,
    reported,
    actual: reported,
    lastPoll: lastPollOf(
      {
        ok: true,
        at: Date.now(),
        adminStatus: 'up',
        operStatus: reported === 'available' ? 'up' : 'down',
        lanes: [{ rxDbm: reported === 'available' ? -3.1 : -40, txDbm: -1.9 }],
      },
      { bounds, source: 'module' },
    ),
  };
}

// What a monitoring agent leaves behind once every port has completed construction: its tracker
// state per connection (written as the agent writes it), and its poll leases.
const seedStart = Date.now();
for (let i = 0; i < ports.length; i += 500) {
  await Promise.all(
    ports.slice(i, i + 500).map((p) => store.saveTracker(p.connectionId, trackerState(p, 'available', 1), 0)),
  );
}
const heartbeat = async () => {
  await redis.zadd(keys.replicas, Date.now(), REPLICA);
};
await heartbeat();
await redis.mset(...cfg.devices.flatMap((d) => [keys.pollLease(d.id), REPLICA]));
const beating = setInterval(() => void heartbeat(), 1000);
console.error(`[bench] tracker states for ${ports.length} connections in ${Date.now() - seedStart} ms`);

const consolePort = await freePort();
const child = spawnOwned(
  process.execPath,
  [
    // As the launcher's first line starts every command (decision 0013).
    ...AGENT_NODE_FLAGS,
    resolve(ROOT, 'bin/dcagent.js'),
    'console',
    '--config',
    configPath,
    '--listen',
    `127.0.0.1:${consolePort}`,
  ],
  { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
);
const url = `http://127.0.0.1:${consolePort}/`;
const until = Date.now() + 120_000;
for (;;) {
  try {
    if ((await fetch(`${url}api/fleet`)).ok) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > until || child.exitCode !== null) throw new Error('the console did not start');
  await new Promise((r) => setTimeout(r, 200));
}

const rssMb = (): number =>
  round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const rssAtStartMb = rssMb();
const apiTimes: number[] = [];
let fleetBytes = 0;
for (let i = 0; i < 50; i++) {
  const t0 = performance.now();
  const body = await (await fetch(`${url}api/fleet`)).text();
  apiTimes.push(performance.now() - t0);
  fleetBytes = body.length;
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

// A plan reads the port from its switch over NETCONF (the lab's), as `dcagent plan` does.
const planTimes: number[] = [];
for (let i = 0; i < PLANS; i++) {
  const p = ports[Math.floor(((i + 0.5) * ports.length) / PLANS)]!;
  const t0 = performance.now();
  const res = await fetch(`${url}api/plan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url.replace(/\/$/, '') },
    body: JSON.stringify({
      operation: 'provision',
      connectionId: p.connectionId,
      device: p.device,
      port: p.port,
      description: `HC ${p.connectionId} moved`,
    }),
  });
  const doc = (await res.json()) as { connectionId?: string; error?: string };
  if (!res.ok || doc.connectionId !== p.connectionId)
    throw new Error(`POST /api/plan for ${p.device} ${p.port}: HTTP ${res.status} ${doc.error ?? ''}`);
  planTimes.push(performance.now() - t0);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
// Functions run in the page (through the debugger protocol, which the page's CSP allows; a string
// would need eval). This program is not compiled against the DOM, hence the shapes spelled out.
interface PageGlobals {
  document: { querySelectorAll(s: string): { length: number } };
  dcagentEventsSeen?: number;
  dcagentTimings?: { startMs: number; fetchMs: number; renderMs: number; paintedMs?: number };
}

/**
 * One first render, in a browser context of its own (no cache, as an engineer's first visit), in
 * the one running browser (as theirs would be). Returns the page with the fleet drawn.
 */
async function firstRender(): Promise<{ page: Page; paintedMs: number; wallMs: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForFunction(
    (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('.cell').length === n,
    ports.length,
    { timeout: 120_000, polling: 20 },
  );
  const wallMs = performance.now() - t0;
  await page.waitForFunction(
    () => (globalThis as unknown as PageGlobals).dcagentTimings?.paintedMs !== undefined,
    undefined,
    { timeout: 30_000 },
  );
  const timings = await page.evaluate(() => (globalThis as unknown as PageGlobals).dcagentTimings);
  if (timings?.paintedMs === undefined) throw new Error('the fleet page reported no timings');
  console.error(`[bench] page timings ${JSON.stringify(timings)}`);
  return { page, paintedMs: timings.paintedMs, wallMs };
}

// A single load swings by a third on this machine (GC, the compositor); the median of a few is
// the figure, the slowest is reported beside it.
const renders: { paintedMs: number; wallMs: number }[] = [];
let page: Page | undefined;
for (let i = 0; i < RENDERS; i++) {
  if (page) await page.context().close();
  const r = await firstRender();
  page = r.page;
  renders.push(r);
}
if (!page) throw new Error('no page');
const firstRenderMs = median(renders.map((r) => r.paintedMs));
const firstRenderMaxMs = Math.max(...renders.map((r) => r.paintedMs));
const firstRenderWallMs = median(renders.map((r) => r.wallMs));
const rssAfterRenderMb = rssMb();

let seq = 1;
const event = (p: (typeof ports)[number], to: 'available' | 'unavailable'): string =>
  JSON.stringify(
    eventSchema.parse({
      specversion: '1.0',
      id: `bench-${seq}`,
      source: 'dcagent/bench-agent',
      type: 'availability.changed',
      subject: p.connectionId,
      time: new Date().toISOString(),
      sequence: seq++,
      dryRun: false,
      data: {
        device: p.device,
        port: p.port,
        to,
        reason: to === 'available' ? 'recovered' : 'oper-down',
        rxDbm: [-3.1],
        txDbm: [-1.9],
        flapCount: 0,
      },
    }) satisfies DcEvent,
  );

/** An event and the tracker state it reports, in one transaction, as the agent's outbox writes them. */
let ver = 1;
async function publish(p: (typeof ports)[number], to: 'available' | 'unavailable'): Promise<void> {
  ver += 1;
  await redis
    .multi()
    .hset(
      keys.connection(p.connectionId),
      'tracker',
      JSON.stringify(trackerState(p, to, ver)),
      'trackerVer',
      String(ver),
    )
    .xadd(keys.events, '*', 'event', event(p, to))
    .exec();
}

// Idle: the page open, nothing happening.
const commandCalls = async (): Promise<Map<string, number>> => {
  const text = await redis.info('commandstats');
  return new Map([...text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
};
const idleBefore = await commandCalls();
const idleStart = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const idleAfter = await commandCalls();
const idleSeconds = (performance.now() - idleStart) / 1000;
let idleCalls = 0;
for (const [cmd, n] of idleAfter) {
  if (cmd === 'zadd' || cmd === 'info') continue; // the bench's heartbeat and this count
  idleCalls += n - (idleBefore.get(cmd) ?? 0);
}

// One event at a time: from its XADD to its cell.
const liveTimes: number[] = [];
for (let i = 0; i < UPDATES; i++) {
  const p = ports[Math.floor(((i + 0.5) * ports.length) / UPDATES)]!;
  const start = performance.now();
  await publish(p, 'unavailable');
  await page.waitForSelector(`.cell[data-connection="${p.connectionId}"][data-state="unavailable"]`, {
    // Rows off screen are not laid out (content-visibility), so "visible" is not the question.
    state: 'attached',
    timeout: 30_000,
  });
  liveTimes.push(performance.now() - start);
}

// A stream of events at RATE per second: every one must reach the page and turn its cell.
const seenBefore = await page.evaluate(() => (globalThis as unknown as PageGlobals).dcagentEventsSeen ?? 0);
const targets = Array.from({ length: EVENTS }, (_, i) => ports[(i * 7919) % ports.length]!);
const lastTo = new Map<string, 'available' | 'unavailable'>();
const burstStart = performance.now();
for (let i = 0; i < EVENTS; i++) {
  const p = targets[i]!;
  const to = lastTo.get(p.connectionId) === 'unavailable' ? 'available' : 'unavailable';
  lastTo.set(p.connectionId, to);
  await publish(p, to);
  const due = burstStart + ((i + 1) * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await page.waitForFunction(
  (n) => ((globalThis as unknown as PageGlobals).dcagentEventsSeen ?? 0) >= n,
  seenBefore + EVENTS,
  { timeout: 60_000, polling: 20 },
);
const burstMs = performance.now() - burstStart;
const seen =
  (await page.evaluate(() => (globalThis as unknown as PageGlobals).dcagentEventsSeen ?? 0)) - seenBefore;
const wrong = await page.evaluate(
  (want) =>
    Object.entries(want).filter(
      ([id, to]) =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
          }
        ).document
          .querySelector(`.cell[data-connection="${id}"]`)
          ?.getAttribute('data-state') !== to,
    ).length,
  Object.fromEntries(lastTo),
);
const eventsDropped = EVENTS - seen + wrong;

const consoleRssMb = rssMb();

await browser.close();
clearInterval(beating);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
redis.disconnect();
lab.child.kill('SIGTERM');
await new Promise((r) => lab.child.once('exit', r));
await redisServer.stop();
rmSync(dir, { recursive: true, force: true });

const result = {
  bench: 'console',
  ports: ports.length,
  fleetApiP50Ms: round(pct(apiTimes, 0.5)),
  fleetApiP99Ms: round(pct(apiTimes, 0.99)),
  planApiP50Ms: Math.round(median(planTimes)),
  fleetKb: Math.round(fleetBytes / 1024),
  firstRenderMs: Math.round(firstRenderMs),
  firstRenderMaxMs: Math.round(firstRenderMaxMs),
  firstRenderWallMs: Math.round(firstRenderWallMs),
  eventsPerSecondApplied: round((seen * 1000) / burstMs),
  eventsDropped,
  liveUpdateMs: Math.round(median(liveTimes)),
  consoleRssMb,
  rssAtStartMb,
  rssAfterRenderMb,
  redisCmdsPerSecondIdle: round(idleCalls / idleSeconds, 2),
};
console.log(
  `[bench] machine: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
console.log(
  `[bench] fleet API p99 ${result.fleetApiP99Ms} ms (target < 100: ${verdict(result.fleetApiP99Ms < 100)}); first render ${result.firstRenderMs} ms (target < 1000: ${verdict(result.firstRenderMs < 1000)}); RSS ${result.consoleRssMb} MB (target < 200: ${verdict(result.consoleRssMb < 200)})`,
);
console.log(
  `[bench] ${seen} of ${EVENTS} events at ${RATE}/s applied (${result.eventsPerSecondApplied}/s, ${eventsDropped} dropped or wrong); idle Redis ${result.redisCmdsPerSecondIdle} commands/s`,
);
console.log(JSON.stringify(result));
