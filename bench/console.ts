// bench:console — the web console at fleet scale (issue 18: "usable at 10,000 ports").
//
//   npm run bench:console [-- --devices 500 --ports 20 --updates 5]
//
// A private Redis holding what agents leave for `devices` × `ports` tracked connections (records
// and tracker states written through the agent's own ConnectionStore, poll leases held by one live
// replica), the console in this process, and Debian's chromium on the fleet page. It measures:
// - `GET /api/fleet`: the median of 5 reads, and its size;
// - the fleet page: from navigation until every cell is drawn;
// - a live update: from the XADD of an `availability.changed` until its cell turns red, median;
// - a text filter over every cell, and the page's JS heap.
//
// The last line is one JSON object:
// {"bench":"console","ports":…,"fleetApiMs":…,"fleetKb":…,"pageReadyMs":…,"liveUpdateMs":…,"filterMs":…,"jsHeapMb":…}
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { ConnectionStore } from '../agent/connections.js';
import { initialState, lastPollOf } from '../agent/health/track-state.js';
import { buildConfig } from '../config/load.js';
import { startConsole } from '../console/start.js';
import { type DcEvent, eventSchema } from '../contract/events.js';
import { silentLogger } from '../core/logger.js';
import { RedisKeys } from '../core/redis-keys.js';
import { startPrivateRedis } from '../tools/demo/redis-server.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '500' },
    ports: { type: 'string', default: '20' },
    updates: { type: 'string', default: '5' },
  },
});
const DEVICES = Number(values.devices);
const PORTS = Number(values.ports);
const UPDATES = Number(values.updates);
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
const cfg = buildConfig(
  {
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
  },
  { env: { BENCH_COMMUNITY: 'bench-community', BENCH_PASSWORD: 'bench-password' } },
);
const keys = new RedisKeys(prefix, cfg.events.stream);
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 3 });
const store = new ConnectionStore(redis, keys);
const bounds = {
  rx: { lowAlarm: -14.4, lowWarning: -12.4, highWarning: -0.5, highAlarm: 0.5 },
  tx: { lowAlarm: -8.2, lowWarning: -6.2, highWarning: -0.5, highAlarm: 0.5 },
};

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
      const state = {
        ...initialState(p.device, p.port),
        ver: 1,
        reported: 'available' as const,
        actual: 'available' as const,
        lastPoll: lastPollOf(
          {
            ok: true,
            at: Date.now(),
            adminStatus: 'up',
            operStatus: 'up',
            lanes: [{ rxDbm: -3.1, txDbm: -1.9 }],
          },
          { bounds, source: 'module' },
        ),
      };
      await store.saveTracker(p.connectionId, state, 0);
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

const web = await startConsole(
  { ...cfg, console: { ...cfg.console, listen: '127.0.0.1:0' } },
  { log: silentLogger },
);

const apiTimes: number[] = [];
let fleetBytes = 0;
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const body = await (await fetch(`${web.url}api/fleet`)).text();
  apiTimes.push(performance.now() - t0);
  fleetBytes = body.length;
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
const t0 = performance.now();
await page.goto(web.url);
// Functions run in the page (through the debugger protocol, which the page's CSP allows; a string
// would need eval). This program is not compiled against the DOM, hence the shapes spelled out.
interface PageGlobals {
  document: {
    querySelectorAll(s: string): { length: number };
    getElementById(id: string): { value: string; dispatchEvent(e: unknown): void };
  };
  Event: new (type: string) => unknown;
  requestAnimationFrame(cb: () => void): void;
  performance: { now(): number; memory?: { usedJSHeapSize: number } };
}
await page.waitForFunction(
  (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('.cell').length === n,
  ports.length,
  { timeout: 120_000, polling: 50 },
);
const pageReadyMs = performance.now() - t0;

let seq = 1;
const liveTimes: number[] = [];
for (let i = 0; i < UPDATES; i++) {
  const p = ports[Math.floor(((i + 0.5) * ports.length) / UPDATES)]!;
  const ev: DcEvent = eventSchema.parse({
    specversion: '1.0',
    id: `bench-${i}`,
    source: 'dcagent/bench-agent',
    type: 'availability.changed',
    subject: p.connectionId,
    time: new Date().toISOString(),
    sequence: seq++,
    dryRun: false,
    data: {
      device: p.device,
      port: p.port,
      to: 'unavailable',
      reason: 'oper-down',
      rxDbm: [-40],
      txDbm: [-1.9],
      flapCount: 0,
    },
  });
  const sel = `.cell[data-connection="${p.connectionId}"][data-state="unavailable"]`;
  const start = performance.now();
  await redis.xadd(keys.events, '*', 'event', JSON.stringify(ev));
  await page.waitForSelector(sel, { timeout: 30_000 });
  liveTimes.push(performance.now() - start);
}

const filterMs = (await page.evaluate(`(async () => {
  const input = document.getElementById('f-text');
  const start = performance.now();
  input.value = 'sw-250';
  input.dispatchEvent(new Event('input'));
  await new Promise((r) => requestAnimationFrame(() => r()));
  return performance.now() - start;
})()`)) as number;
const jsHeapMb =
  ((await page.evaluate('performance.memory ? performance.memory.usedJSHeapSize : 0')) as number) / 2 ** 20;

await browser.close();
clearInterval(beating);
await web.close();
redis.disconnect();
await redisServer.stop();

console.log(
  `[bench] machine: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `[bench] /api/fleet ${round(median(apiTimes))} ms median (${(fleetBytes / 1024).toFixed(0)} KB); page ready ${round(pageReadyMs, 0)} ms; live update ${round(median(liveTimes), 0)} ms median; filter ${round(filterMs, 0)} ms; JS heap ${round(jsHeapMb)} MB`,
);
console.log(
  JSON.stringify({
    bench: 'console',
    ports: ports.length,
    fleetApiMs: round(median(apiTimes)),
    fleetKb: Math.round(fleetBytes / 1024),
    pageReadyMs: Math.round(pageReadyMs),
    liveUpdateMs: Math.round(median(liveTimes)),
    filterMs: Math.round(filterMs),
    jsHeapMb: round(jsHeapMb),
  }),
);
