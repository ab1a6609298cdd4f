#!/usr/bin/env node
// `npm run docs:console`: the pictures in docs/console.md, taken from the running product, never
// drawn by hand. Runs `dcagent demo --console` (the lab, an agent and the console), waits for the
// kept connection to be available, then photographs each page in Debian's chromium into
// docs/console/. For the light chart, a real `prometheus` scrapes the demo's agent every second and
// a second `dcagent console` on the demo's config reads it. Needs what the demo needs (REDIS_URL
// or redis-server), /usr/bin/chromium and prometheus (the Debian packages `npm test` installs).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parse, stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'console');
const CONN = 'hc-demo-keep';

const demo = spawn(process.execPath, [join(ROOT, 'bin', 'dcagent.js'), 'demo', '--console'], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
demo.stdout.on('data', (d) => {
  out += d;
});
const children = [demo];
const stopOne = (c) =>
  new Promise((r) => {
    if (c.exitCode !== null) return r();
    c.once('exit', r);
    c.kill('SIGINT');
  });
const stop = () => Promise.all(children.map(stopOne));
const freePort = () =>
  new Promise((r) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => r(port));
    });
  });
const work = mkdtempSync(join(tmpdir(), 'dcagent-docs-console-'));

async function until(what, fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end || demo.exitCode !== null) throw new Error(`gave up waiting for ${what}\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

try {
  const url = await until(
    'the console URL',
    async () => /console: (http:\/\/[^\s]+\/)/.exec(out)?.[1],
    120_000,
  );
  const device = /--device (\S+) --port/.exec(out)?.[1];
  await until(
    `${CONN} available`,
    async () => {
      const fleet = await (await fetch(`${url}api/fleet`)).json();
      return fleet.devices
        .flatMap((d) => d.ports)
        .some((p) => p.connectionId === CONN && p.state === 'available');
    },
    60_000,
  );
  // Prometheus scraping the demo's agent, and a console of our own reading it for the chart.
  const metrics = /curl (http:\/\/[^\s]+)\/metrics/.exec(out)?.[1];
  const configPath = /--config (\S+agent\.yaml)/.exec(out)?.[1];
  if (!metrics || !configPath) throw new Error(`the demo printed no metrics URL or config\n${out}`);
  const promPort = await freePort();
  writeFileSync(
    join(work, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'dcagent', static_configs: [{ targets: [new URL(metrics).host] }] }],
    }),
  );
  const prom = spawn(
    'prometheus',
    [
      `--config.file=${join(work, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(work, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { cwd: work, stdio: 'ignore' },
  );
  children.push(prom);
  const doc = parse(readFileSync(configPath, 'utf8'));
  const consolePort = await freePort();
  doc.console = {
    listen: `127.0.0.1:${consolePort}`,
    prometheus: { url: `http://127.0.0.1:${promPort}`, stepSeconds: 1 },
  };
  const ownConfig = join(dirname(configPath), 'docs-console.yaml');
  writeFileSync(ownConfig, stringify(doc), { mode: 0o600 });
  const own = spawn(process.execPath, [join(ROOT, 'bin', 'dcagent.js'), 'console', '--config', ownConfig], {
    cwd: dirname(configPath),
    stdio: 'ignore',
  });
  children.push(own);
  const ownUrl = `http://127.0.0.1:${consolePort}/`;
  // Half a minute of light at scrape resolution.
  await until(
    'light in Prometheus',
    async () => {
      const d = await (await fetch(`${ownUrl}api/connections/${CONN}`)).json();
      return d.history?.source === 'prometheus' && d.history.points.length >= 30;
    },
    90_000,
  );
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const shot = async (path, name, ready, before) => {
    await page.goto(new URL(path, url).toString());
    await page.waitForSelector(ready, { timeout: 15_000 });
    if (before) await before();
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    console.log(`[docs] ${name}.png`);
  };
  await shot('/', 'fleet', '.cell');
  const shotOwn = async (path, name, ready) => {
    await page.goto(new URL(path, ownUrl).toString());
    await page.waitForSelector(ready, { timeout: 15_000 });
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    console.log(`[docs] ${name}.png`);
  };
  await shotOwn(`/connections/${CONN}`, 'connection', '.chart');
  await shot('/plan', 'plan', '#plan-form', async () => {
    await page.fill('input[name="device"]', device ?? 'lab-sw-01');
    await page.fill('input[name="port"]', '10GE1/0/3');
    await page.fill('input[name="connectionId"]', 'hc-demo-plan');
    await page.fill('input[name="description"]', 'a plan from the console');
    await page.click('button[type="submit"]');
    await page.waitForSelector('#result[data-done]', { timeout: 30_000 });
  });
  await shot('/jobs', 'jobs', '#jobs table');
  await shot('/events', 'events', '#events li');
  await browser.close();
} finally {
  await stop();
  rmSync(work, { recursive: true, force: true });
}
