// bench:console — the web console at fleet scale (issue 18: "usable at 10,000 ports").
//
//   npm run bench:console [-- --devices 500 --ports 20 --events 500 --rate 100]
//
// A private Redis holding what agents leave for `devices` × `ports` tracked connections (records
// and tracker states written through the agent's own ConnectionStore, poll leases held by one live
// replica that this bench heartbeats for), `dcagent console` (the built binary) as a child
// process on a config file, and Debian's chromium on the fleet page. It measures:
// - `fleetApiMs`: `GET /api/fleet`, p50 and p99 of 50 reads, and its size;
// - `firstRenderMs`: on the page's own clock, from the start of navigation to the frame after the
//   one that drew every cell (the page's `dcagentTimings.paintedMs`); `firstRenderWallMs` is the
//   bench's clock from `goto` until every cell is in the DOM, Playwright's round trips included;
// - `eventsPerSecondApplied`: `availability.changed` events XADDed at `rate` per second, every
//   one of them seen by the page and its cell turned (none dropped), over the time they took;
// - `liveUpdateMs`: one event's XADD to its cell turning, median of 5;
// - `consoleRssMb`: the console process's RSS at the end; `rssAtStartMb` once the fleet is read,
//   `rssAfterRenderMb` once the page has drawn it;
// - `redisCmdsPerSecondIdle`: Redis commands per second over 10 s with the page open and nothing
//   happening (`INFO commandstats`, the bench's own heartbeat and INFO left out).
//
// The last line is one JSON object:
// {"bench":"console","ports":…,"fleetApiP50Ms":…,"fleetApiP99Ms":…,"fleetKb":…,"firstRenderMs":…,"firstRenderWallMs":…,"eventsPerSecondApplied":…,"eventsDropped":…,"liveUpdateMs":…,"consoleRssMb":…,"rssAtStartMb":…,"rssAfterRenderMb":…,"redisCmdsPerSecondIdle":…}

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { stringify } from 'yaml';
import { ConnectionStore } from '../agent/connections.js';
import { initialState, lastPollOf } from '../agent/health/track-state.js';
import { buildConfig } from '../config/load.js';
import { type DcEvent, eventSchema } from '../contract/events.js';
import { RedisKeys } from '../core/redis-keys.js';
import { freePort, startPrivateRedis } from '../tools/demo/redis-server.js';
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
const REPLICA = 'bench-agent/1';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

const redisServer = await startPrivateRedis();
const prefix = `bench-console-${Date.now()}`;
const portName = (i: number) => `10GE1/0/${i}`;
const deviceId = (i: number) => `sw-${String(i).padStart(3, '0')}`;
const rawConfig = {
  redis: { url: redisServer.url, prefix },
  devices: Array.from({ length: DEVICES }, (_, d) => ({
    id: deviceId(d + 1),
    platform: 'ietf-interfaces',
    host: '127.0.0.1',
    portType: '10GBASE-LR',
    optics: 'huawei',
    snmp: { version: '2c', communityEnv: 'BENCH_COMMUNITY' },
    netconf: { username: 'bench', passwordEnv: 'BENCH_PASSWORD', hostKey: `SHA256:${'A'.repeat(43)}` },
    ports: Array.from({ length: PORTS }, (_, p) => portName(p + 1)),
  })),
};
const secretsEnv = { BENCH_COMMUNITY: 'bench-community', BENCH_PASSWORD: 'bench-password' };
const cfg = buildConfig(rawConfig, { env: secretsEnv });
const dir = mkdtempSync(join(tmpdir(), 'dcagent-bench-console-'));
const configPath = join(dir, 'agent.yaml');
writeFileSync(configPath, stringify(rawConfig), { mode: 0o600 });
const keys = new RedisKeys(prefix, cfg.events.stream);
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
const store = new ConnectionStore(redis, keys);
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

// What a fleet of provision jobs and a monitoring agent leave behind.
const seedStart = Date.now();
const ports = cfg.devices.flatMap((d) =>
  d.ports.map((p, i) => ({
    connectionId: `hc-${d.id}-${i + 1}`,
    device: d.id,
    port: p.name,
    portType: p.portType,
  })),
);
for (let i = 0; i < ports.length; i += 500) {
  await Promise.all(
    ports.slice(i, i + 500).map(async (p) => {
      await store.add(p);
      await store.saveTracker(p.connectionId, trackerState(p, 'available', 1), 0);
    }),
  );
}
const heartbeat = async () => {
  await redis.zadd(keys.replicas, Date.now(), REPLICA);
};
await heartbeat();
await redis.mset(...cfg.devices.flatMap((d) => [keys.pollLease(d.id), REPLICA]));
const beating = setInterval(() => void heartbeat(), 1000);
console.error(`[bench] seeded ${ports.length} tracked connections in ${Date.now() - seedStart} ms`);

const consolePort = await freePort();
const child = spawnOwned(
  process.execPath,
  [
    resolve(ROOT, 'bin/dcagent.js'),
    'console',
    '--config',
    configPath,
    '--listen',
    `127.0.0.1:${consolePort}`,
  ],
  { cwd: dir, env: { ...process.env, ...secretsEnv }, stdio: ['ignore', 'ignore', 'inherit'] },
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

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
// Functions run in the page (through the debugger protocol, which the page's CSP allows; a string
// would need eval). This program is not compiled against the DOM, hence the shapes spelled out.
interface PageGlobals {
  document: { querySelectorAll(s: string): { length: number } };
  dcagentEventsSeen?: number;
  dcagentTimings?: { startMs: number; fetchMs: number; renderMs: number; paintedMs?: number };
}
const t0 = performance.now();
await page.goto(url);
await page.waitForFunction(
  (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('.cell').length === n,
  ports.length,
  { timeout: 120_000, polling: 20 },
);
const firstRenderWallMs = performance.now() - t0;
await page.waitForFunction(
  () => (globalThis as unknown as PageGlobals).dcagentTimings?.paintedMs !== undefined,
  {
    timeout: 30_000,
  },
);
const timings = await page.evaluate(() => (globalThis as unknown as PageGlobals).dcagentTimings);
if (timings === undefined) throw new Error('the fleet page reported no timings');
const firstRenderMs = timings.paintedMs ?? Number.NaN;
const rssAfterRenderMb = rssMb();
console.error(`[bench] page timings ${JSON.stringify(timings)}`);

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
await redisServer.stop();
rmSync(dir, { recursive: true, force: true });

const result = {
  bench: 'console',
  ports: ports.length,
  fleetApiP50Ms: round(pct(apiTimes, 0.5)),
  fleetApiP99Ms: round(pct(apiTimes, 0.99)),
  fleetKb: Math.round(fleetBytes / 1024),
  firstRenderMs: Math.round(firstRenderMs),
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
