// Issue 18: the web console against the lab with one `dcagent run`, a real Prometheus scraping the
// agent, and Debian's chromium driven by playwright-core (nothing downloads a browser). What the
// pages show is read from the DOM and from the chart's own data, never from pixels.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appendHour } from '../../agent/optics-history.js';
import { createRedis, type RedisClient } from '../../agent/redis.js';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import { type RunningConsole, startConsole } from '../../console/start.js';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import type { PeerProcess } from '../../testkit/peers/process.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { type LabAgent, startLabAgent } from '../helpers/lab-agent.js';
import { startPrometheus } from '../helpers/prometheus.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
/** Each page's screenshot from the last run (git ignores the folder). */
const SHOTS = join(ROOT, 'test-results', 'console');
const CONN = 'hc-console-1';
const BUILDING = 'hc-console-2';
/** Its light will be seen falling for hours. */
const FADING = 'hc-console-3';
/** Markup in a customer's description must reach the page as text. */
const HOSTILE = '<img src=x onerror=alert(1)> & "quoted"';
/** The same kind of markup, typed on the switch by hand: it reaches the console inside a drift event. */
const HOSTILE_ON_DEVICE = '<img src=x onerror=alert(2)>';
const TOKEN = 'console-test-token-0123456789';

/** Reads an SSE response until `enough` says so (or the deadline): each message's id and event. */
async function readSse(
  url: string,
  headers: Record<string, string>,
  enough: (got: { id: string; type: string; subject: string }[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ id: string; type: string; subject: string }[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const got: { id: string; type: string; subject: string }[] = [];
  try {
    const res = await fetch(url, { headers, signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    while (!enough(got)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id && data) {
          const ev = JSON.parse(data) as { type: string; subject: string };
          got.push({ id, type: ev.type, subject: ev.subject });
        }
        i = buf.indexOf('\n\n');
      }
    }
    ac.abort();
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return got;
}

interface ChartData {
  source: string;
  bounds: Record<string, number | null> | null;
  series: { label: string; kind: string; lane?: number; bound?: string; value?: number; points: number }[];
}

/** What the connection page drew (it publishes its charts' data on `window.dcagentCharts`). */
async function chartsOn(p: Page): Promise<Record<'rx' | 'tx', ChartData>> {
  type Charts = { dcagentCharts: Record<'rx' | 'tx', ChartData> };
  await p.waitForFunction(() => (globalThis as unknown as Charts).dcagentCharts.tx !== undefined, undefined, {
    timeout: 15_000,
  });
  return p.evaluate(() => (globalThis as unknown as Charts).dcagentCharts);
}

describe('dcagent console: fleet, connection, plan, jobs and events, in a real browser', () => {
  const peers = inject('peers');
  let stack: LabAgent;
  let cfg: AgentConfig;
  let redis: RedisClient;
  let keys: RedisKeys;
  let prometheus: PeerProcess | undefined;
  let promUrl: string;
  let plain: RunningConsole;
  let withProm: RunningConsole;
  let secured: RunningConsole;
  let browser: Browser;
  let device: string;
  let ports: string[];

  const withConsole = (over: Partial<AgentConfig['console']>): AgentConfig => ({
    ...cfg,
    console: { ...cfg.console, ...over },
  });

  beforeAll(async () => {
    stack = await startLabAgent({
      redisUrl: peers.redis.url,
      name: 'console',
      // The tests cut and restore one port several times; damping must not hold its state.
      tune: (doc) => {
        doc.monitoring = {
          ...doc.monitoring,
          damping: { windowSeconds: 600, maxFlaps: 100, holdSeconds: 300 },
          // Every port's input errors read every other poll, so a burst shows within seconds.
          errorCounters: { everyPolls: 2 },
        };
      },
      lab: {
        devices: 1,
        ports: 4,
        optics: 'huawei',
        linkUpDelayMs: 200,
        monitoringIntervalSeconds: 1,
        controlPort: false,
      },
    });
    cfg = loadConfig({ path: stack.configPath });
    keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
    redis = createRedis(cfg.redis, 'cli', 'console-test');
    device = stack.lab.devices[0]!.id;
    ports = stack.lab.devices[0]!.ports.map((p) => p.name);
    await stack.provision(CONN, ports[0]!, HOSTILE);
    await stack.provision(BUILDING, ports[1]!);
    await stack.provision(FADING, ports[3]!);
    await stack.events.waitFor(CONN, (e) => e.type === 'provision.succeeded', 45_000);
    await stack.events.waitFor(BUILDING, (e) => e.type === 'provision.succeeded', 45_000);
    await stack.events.waitFor(FADING, (e) => e.type === 'provision.succeeded', 45_000);
    stack.lab.devices[0]!.sim.patch(ports[0]!);
    stack.lab.devices[0]!.sim.patch(ports[3]!);
    await stack.events.waitFor(CONN, (e) => e.type === 'construction.completed', 45_000);
    await stack.events.waitFor(FADING, (e) => e.type === 'construction.completed', 45_000);

    const started = await startPrometheus({
      dir: stack.dir,
      runDir: peers.runDir,
      targets: [new URL(await stack.agent.httpUrl()).host],
    });
    prometheus = started.proc;
    promUrl = started.url;

    plain = await startConsole(withConsole({ listen: '127.0.0.1:0' }), { log: silentLogger });
    withProm = await startConsole(
      withConsole({ listen: '127.0.0.1:0', prometheus: { url: promUrl, timeoutMs: 5_000, stepSeconds: 1 } }),
      { log: silentLogger },
    );
    secured = await startConsole(
      withConsole({ listen: '127.0.0.1:0', auth: { tokenEnv: 'TEST_CONSOLE_TOKEN' } }),
      {
        log: silentLogger,
        env: { TEST_CONSOLE_TOKEN: TOKEN },
      },
    );
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await withProm?.close();
    await secured?.close();
    await prometheus?.stop();
    redis?.disconnect();
    const code = await stack?.stop();
    expect(code).toBe(0);
  });

  const page = async (path: string, base = plain.url): Promise<Page> => {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // A dialog would mean markup from a device, a job or an event ran: recorded, and dismissed.
    p.on('dialog', (d) => {
      errors.push(`dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    (p as Page & { errors?: string[] }).errors = errors;
    await p.goto(new URL(path, base).toString());
    return p;
  };

  it('GET /api/fleet has the contract shape, with the demo connection available and the other under construction', async () => {
    const res = await fetch(`${plain.url}api/fleet`);
    expect(res.status).toBe(200);
    const fleet = (await res.json()) as {
      devices: {
        id: string;
        ports: {
          port: string;
          connectionId: string | null;
          state: string;
          healthy: boolean | null;
          updatedAt: string | null;
        }[];
      }[];
      counts: Record<string, number>;
    };
    expect(fleet.devices.map((d) => d.id)).toEqual([device]);
    const byPort = new Map(fleet.devices[0]!.ports.map((p) => [p.port, p]));
    expect(byPort.get(ports[0]!)).toMatchObject({ connectionId: CONN, state: 'available', healthy: true });
    expect(byPort.get(ports[1]!)).toMatchObject({
      connectionId: BUILDING,
      state: 'under-construction',
      healthy: false,
    });
    expect(byPort.get(ports[2]!)).toMatchObject({ connectionId: null, state: 'free', healthy: null });
    expect(byPort.get(ports[3]!)).toMatchObject({ connectionId: FADING, state: 'available', healthy: true });
    expect(fleet.counts).toMatchObject({ available: 2, 'under-construction': 1, free: 1 });
  });

  it('an unknown connection is a 404 with a JSON error', async () => {
    const res = await fetch(`${plain.url}api/connections/hc-nobody`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/hc-nobody/);
  });

  it('the fleet page turns the cut port red with no reload, and back when the link returns', {
    timeout: 90_000,
  }, async () => {
    const p = await page('/');
    const cell = `.cell[data-connection="${CONN}"]`;
    await p.waitForSelector(`${cell}[data-state="available"]`, { timeout: 15_000 });
    // A mark on the window survives only if the page is never reloaded.
    await p.evaluate(() => {
      (globalThis as unknown as { mark: number }).mark = 42;
    });
    stack.lab.devices[0]!.sim.cut(ports[0]!);
    await p.waitForSelector(`${cell}[data-state="unavailable"]`, { timeout: 15_000 });
    expect(await p.locator('[data-count="unavailable"]').textContent()).toBe('unavailable 1');
    stack.lab.devices[0]!.sim.patch(ports[0]!);
    await p.waitForSelector(`${cell}[data-state="available"]`, { timeout: 15_000 });
    expect(await p.evaluate(() => (globalThis as unknown as { mark?: number }).mark)).toBe(42);
    // The filters: by state, then by text on the connection id.
    await p.selectOption('#f-state', 'under-construction');
    expect(await p.locator(`${cell}`).isHidden()).toBe(true);
    expect(await p.locator(`.cell[data-connection="${BUILDING}"]`).isVisible()).toBe(true);
    await p.selectOption('#f-state', '');
    await p.fill('#f-text', 'console-1');
    expect(await p.locator(`${cell}`).isVisible()).toBe(true);
    expect(await p.locator(`.cell[data-connection="${BUILDING}"]`).isHidden()).toBe(true);
    // ... and on the description (any case).
    await p.fill('#f-text', 'QUOTED');
    expect(await p.locator(`${cell}`).isVisible()).toBe(true);
    expect(await p.locator(`.cell[data-connection="${FADING}"]`).isHidden()).toBe(true);
    expect((p as Page & { errors?: string[] }).errors).toEqual([]);
    await p.close();
  });

  it('the events stream resumes from Last-Event-ID with no gap and no repeat', {
    timeout: 90_000,
  }, async () => {
    const all = (await redis.xrange(keys.events, '-', '+')) as [string, string[]][];
    expect(all.length).toBeGreaterThan(4);
    const from = all[1]![0];
    const want = all.slice(2).map(([id]) => id);
    const replay = await readSse(
      `${plain.url}api/events/stream`,
      { 'last-event-id': from },
      (got) => got.length >= want.length,
    );
    expect(replay.map((e) => e.id).slice(0, want.length)).toEqual(want);

    // Away while the port is cut and restored: the resume brings exactly what was missed.
    const last = want[want.length - 1]!;
    const newerThanLast = async () =>
      ((await redis.xrange(keys.events, `(${last}`, '+')) as [string, string[]][]).map(([id, f]) => ({
        id,
        ev: JSON.parse(f[f.indexOf('event') + 1]!) as {
          type: string;
          subject: string;
          data: { to?: string };
        },
      }));
    const waitAfter = async (to: string) => {
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        if ((await newerThanLast()).some((e) => e.ev.type === 'availability.changed' && e.ev.data.to === to))
          return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no availability.changed to ${to} after ${last}`);
    };
    stack.lab.devices[0]!.sim.cut(ports[0]!);
    await waitAfter('unavailable');
    stack.lab.devices[0]!.sim.patch(ports[0]!);
    await waitAfter('available');
    const missed = (await newerThanLast()).map((e) => e.id);
    expect(missed.length).toBeGreaterThanOrEqual(2);
    const resumed = await readSse(`${plain.url}api/events/stream`, { 'last-event-id': last }, (got) =>
      got.some((e) => e.id === missed[missed.length - 1]),
    );
    expect(resumed.map((e) => e.id).slice(0, missed.length)).toEqual(missed);
    expect(new Set(resumed.map((e) => e.id)).size).toBe(resumed.length);
    expect(resumed.filter((e) => e.type === 'availability.changed' && e.subject === CONN).length).toBe(2);
  });

  it('input errors on a live port: the agent’s periodic read puts the rise on the connection page', {
    timeout: 60_000,
  }, async () => {
    type Counter = { value: number; since: string; lastGrowth: { by: number; at: string } | null };
    const counterOf = async () =>
      (
        (await (await fetch(`${plain.url}api/connections/${CONN}`)).json()) as {
          errorCounter: Counter | null;
        }
      ).errorCounter;
    const waitFor = async (what: string, ok: (c: Counter | null) => boolean) => {
      const until = Date.now() + 30_000;
      for (;;) {
        const c = await counterOf();
        if (ok(c)) return c!;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // Read already, with nothing to show yet: the lab's counter starts at 0 and nothing rose.
    const before = await waitFor('a first read', (c) => c !== null);
    const sim = stack.lab.devices[0]!.sim;
    sim.errors(ports[0]!, 50);
    let after: Counter;
    try {
      after = await waitFor('a rise', (c) => (c?.value ?? 0) > before.value && c?.lastGrowth !== null);
    } finally {
      sim.errors(ports[0]!, 0);
    }
    expect(after.lastGrowth!.by).toBeGreaterThan(0);
    expect(after.since).toBe(before.since);
    const p = await page(`/connections/${CONN}`);
    await p.waitForSelector('main table');
    expect(await p.locator('main').textContent()).toMatch(/input errorsifInErrors \d+: last rose by \d+ at /);
    expect((p as Page & { errors?: string[] }).errors).toEqual([]);
    await p.close();
  });

  it('the connection page: chart series per lane with points, bands at the module thresholds, text not markup (Redis history)', {
    timeout: 60_000,
  }, async () => {
    // Three finished hours, as the agent's own hourly writer stores them.
    const now = Date.now();
    const seeded = [3, 2, 1].map((h) => now - h * 3_600_000);
    for (const t of seeded) {
      await appendHour(
        redis,
        keys,
        CONN,
        {
          t,
          lanes: [{ rx: { min: -3.2, avg: -3.1, max: -3.0 }, tx: { min: -2, avg: -1.9, max: -1.8 } }],
        },
        168,
      );
    }
    const api = (await (await fetch(`${plain.url}api/connections/${CONN}`)).json()) as {
      description: string;
      lanes: {
        lane: number;
        thresholds: { rx: Record<string, number | null>; tx: Record<string, number | null> };
      }[];
      thresholdSource: string;
      history: { source: string; points: { t: number }[] };
      module: { serial: string | null } | null;
      verdict: string;
      events: { type: string }[];
    };
    expect(api.description).toContain(HOSTILE);
    expect(api.thresholdSource).toBe('module');
    expect(api.history.source).toBe('redis');
    // The three hours written above (the agent may add its own hour if the run crosses one).
    expect(api.history.points.filter((p) => seeded.includes(p.t)).length).toBe(3);
    expect(api.module?.serial).toMatch(/^LAB/);
    expect(api.verdict).toBe('healthy: nothing to do');
    expect(api.events.map((e) => e.type)).toContain('construction.completed');

    const p = await page(`/connections/${CONN}`);
    const charts = await chartsOn(p);
    for (const dir of ['rx', 'tx'] as const) {
      const c = charts[dir]!;
      expect(c.source).toBe('redis');
      const light = c.series.filter((s) => s.kind === 'light');
      expect(light.map((s) => s.lane)).toEqual(api.lanes.map((l) => l.lane));
      for (const s of light) expect(s.points).toBeGreaterThanOrEqual(3);
      const bands = Object.fromEntries(
        c.series.filter((s) => s.kind === 'band').map((s) => [s.bound, s.value]),
      );
      expect(bands).toEqual(
        Object.fromEntries(Object.entries(api.lanes[0]!.thresholds[dir]).filter(([, v]) => v !== null)),
      );
      expect(Object.keys(bands).sort()).toEqual(['highAlarm', 'highWarning', 'lowAlarm', 'lowWarning']);
    }
    // The description is shown as typed, and no element came out of it.
    expect(await p.locator('main img').count()).toBe(0);
    expect(await p.locator('main').textContent()).toContain(HOSTILE);
    expect(await p.locator('#verdict').textContent()).toContain('healthy: nothing to do');
    // Optional parts that are absent leave nothing behind (not a stray "null"). A Playwright
    // locator, not a DOM node: innerText is wanted here, one rendered line per block.
    // biome-ignore lint/performance/useDomNodeTextContent: see above
    expect(await p.locator('main').innerText()).not.toMatch(/^null$/m);
    expect((p as Page & { errors?: string[] }).errors).toEqual([]);
    await p.close();
  });

  it('with Prometheus scraping the agent, the chart reads it at scrape resolution', {
    timeout: 60_000,
  }, async () => {
    type Doc = { history: { source: string; points: { t: number; lane: number; rxDbm: number | null }[] } };
    let doc: Doc | undefined;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      doc = (await (await fetch(`${withProm.url}api/connections/${CONN}`)).json()) as Doc;
      if (
        doc.history.source === 'prometheus' &&
        doc.history.points.filter((p) => p.lane === 1 && p.rxDbm !== null).length >= 6
      )
        break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(doc!.history.source).toBe('prometheus');
    const lane1 = doc!.history.points.filter((p) => p.lane === 1 && p.rxDbm !== null);
    expect(lane1.length, JSON.stringify(doc!.history.points.slice(0, 20))).toBeGreaterThanOrEqual(6);
    const grid = doc!.history.points.filter((p) => p.lane === 1);
    const gaps = grid.slice(1).map((p, i) => p.t - grid[i]!.t);
    // One point per second: the scrape interval, not the hourly history.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(2_000);

    const p = await page(`/connections/${CONN}`, withProm.url);
    const rx = (await chartsOn(p)).rx;
    expect(rx.source).toBe('prometheus');
    expect(rx.series.find((s) => s.kind === 'light')!.points).toBeGreaterThanOrEqual(6);
    await p.close();
  });

  it('the plan page shows what `dcagent plan --json` prints for the same inputs', {
    timeout: 60_000,
  }, async () => {
    const cli = await runCli([
      'plan',
      'provision',
      '--device',
      device,
      '--port',
      ports[2]!,
      '--connection',
      'hc-console-plan',
      '--description',
      'planned from the console',
      '--json',
      '--config',
      stack.configPath,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const expected = JSON.parse(cli.stdout) as { diff: string; rpc: string; changes: number };
    expect(expected.changes).toBeGreaterThan(0);

    const p = await page('/plan');
    await p.waitForSelector('#plan-form');
    await p.fill('input[name="device"]', device);
    await p.fill('input[name="port"]', ports[2]!);
    await p.fill('input[name="connectionId"]', 'hc-console-plan');
    await p.fill('input[name="description"]', 'planned from the console');
    await p.click('button[type="submit"]');
    await p.waitForSelector('#result[data-done]', { timeout: 30_000 });
    expect(await p.locator('#result').getAttribute('data-done')).toBe('ok');
    const shown = await p.evaluate(() => (globalThis as unknown as { dcagentPlan: unknown }).dcagentPlan);
    expect(shown).toEqual(expected);
    const lines = await p.locator('#diff > div').allTextContents();
    expect(lines).toEqual(expected.diff.replace(/\n$/, '').split('\n'));
    expect(await p.locator('#diff .add').count()).toBeGreaterThan(0);
    expect(await p.locator('#rpc').textContent()).toBe(expected.rpc);
    // Nothing was sent: the port is still free.
    const fleet = (await (await fetch(`${plain.url}api/fleet`)).json()) as {
      devices: { ports: { port: string; state: string }[] }[];
    };
    expect(fleet.devices[0]!.ports.find((x) => x.port === ports[2])!.state).toBe('free');
    await p.close();
  });

  it('every page sends a CSP with no inline script, and no page carries an inline script', async () => {
    for (const path of ['/', `/connections/${CONN}`, '/plan', '/jobs', '/events']) {
      const res = await fetch(new URL(path, plain.url));
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      const html = await res.text();
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag, path).toMatch(/\bsrc="/);
    }
    for (const f of readdirSync(join(ROOT, 'console/public')).filter((n) => n.endsWith('.html'))) {
      const html = readFileSync(join(ROOT, 'console/public', f), 'utf8');
      expect(html, f).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, f).not.toMatch(/\son[a-z]+=/i);
    }
  });

  it('no secret of the config appears in a page or an API answer', async () => {
    // The lab writes every credential of the inventory as a file beside the config.
    const secretsDir = join(stack.dir, 'agent-secrets');
    const secrets = readdirSync(secretsDir)
      .filter((n) => !n.endsWith('.pub'))
      .map((n) => readFileSync(join(secretsDir, n), 'utf8').trim())
      .filter((s) => s.length >= 4);
    expect(secrets.length).toBeGreaterThan(0);
    for (const path of [
      'api/fleet',
      `api/connections/${CONN}`,
      'api/jobs',
      'api/events?limit=1000',
      '',
      'plan',
    ]) {
      const body = await (await fetch(`${plain.url}${path}`)).text();
      for (const s of secrets) expect(body.includes(s), `${path} leaks a secret`).toBe(false);
    }
  });

  it('with a token: 401 without it, the header or the login cookie admits, and actions need the same origin', {
    timeout: 30_000,
  }, async () => {
    expect((await fetch(`${secured.url}api/fleet`)).status).toBe(401);
    expect((await fetch(`${secured.url}`)).status).toBe(401);
    expect(
      (await fetch(`${secured.url}api/fleet`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${secured.url}api/fleet`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);

    const login = await fetch(`${secured.url}login`, {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    // Guessing: a few wrong tokens a minute, then 429 (the right one too, until the minute passes).
    const guess = (t: string) =>
      fetch(`${secured.url}login`, {
        method: 'POST',
        body: new URLSearchParams({ token: t }),
        redirect: 'manual',
      });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await guess(`wrong-${i}`)).status);
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    expect(cookie).toMatch(/^dcagent_console=/);
    expect((await fetch(`${secured.url}api/fleet`, { headers: { cookie } })).status).toBe(200);

    // The audit action: refused from another site, and with no origin at all; taken from ours.
    const audit = (headers: Record<string, string>) =>
      fetch(`${secured.url}api/audit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ device }),
      });
    expect((await audit({ origin: 'http://evil.example' })).status).toBe(403);
    expect((await audit({})).status).toBe(403);
    const ok = await audit({ origin: secured.url.replace(/\/$/, '') });
    expect(ok.status).toBe(200);
    const { jobId } = (await ok.json()) as { jobId: string };
    expect((await stack.queue.getJob(jobId))?.name).toBe('audit');
    // Without the token even a same-origin action is refused.
    const anon = await fetch(`${secured.url}api/jobs/${jobId}/retry`, {
      method: 'POST',
      headers: { origin: secured.url.replace(/\/$/, '') },
    });
    expect(anon.status).toBe(401);
  });

  it('retry: only a failed job, only from the same origin', { timeout: 30_000 }, async () => {
    // A provision for a port the inventory lacks fails at once and for good.
    await stack.queue.add(
      'provision',
      { schemaVersion: 1, connectionId: 'hc-console-bad', device, port: 'NoSuchPort9/9' },
      { jobId: 'provision-hc-console-bad-1' },
    );
    await stack.events.waitFor('hc-console-bad', (e) => e.type === 'provision.failed', 30_000);
    const until = Date.now() + 10_000;
    while (
      Date.now() < until &&
      (await (await stack.queue.getJob('provision-hc-console-bad-1'))?.getState()) !== 'failed'
    ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const origin = plain.url.replace(/\/$/, '');
    expect(
      (await fetch(`${plain.url}api/jobs/provision-hc-console-bad-1/retry`, { method: 'POST' })).status,
    ).toBe(403);
    const retried = await fetch(`${plain.url}api/jobs/provision-hc-console-bad-1/retry`, {
      method: 'POST',
      headers: { origin },
    });
    expect(retried.status).toBe(200);
    const again = await fetch(`${plain.url}api/jobs/provision-${CONN}-1/retry`, {
      method: 'POST',
      headers: { origin },
    });
    expect(again.status).toBe(409);
    const jobs = (await (await fetch(`${plain.url}api/jobs`)).json()) as { jobs: { id: string }[] };
    expect(jobs.jobs.map((j) => j.id)).toContain(`provision-${CONN}-1`);

    // The jobs page lists it, with a retry button only on failed rows.
    const p = await page('/jobs');
    await p.waitForSelector(`tr[data-job="provision-${CONN}-1"]`, { timeout: 10_000 });
    expect(await p.locator(`tr[data-job="provision-${CONN}-1"] button`).count()).toBe(0);
    await p.close();
  });

  it('light falling for hours: the chart carries a forecast line to the alarm bound', {
    timeout: 60_000,
  }, async () => {
    // Eight finished hours falling 0.5 dB an hour from the baseline, as the agent's hourly writer stores them.
    const api0 = (await (await fetch(`${plain.url}api/connections/${FADING}`)).json()) as {
      lanes: { baseline: { rxDbm: number } | null }[];
    };
    const base = api0.lanes[0]!.baseline!.rxDbm;
    const now = Date.now();
    for (let h = 8; h >= 1; h--) {
      const rx = base - 0.5 * (8 - h);
      await appendHour(
        redis,
        keys,
        FADING,
        {
          t: now - h * 3_600_000,
          lanes: [{ rx: { min: rx, avg: rx, max: rx }, tx: { min: -2, avg: -2, max: -2 } }],
        },
        168,
      );
    }
    const api = (await (await fetch(`${plain.url}api/connections/${FADING}`)).json()) as {
      lanes: { trend: { slopeDbPerDay: number; hoursToAlarm: number | null } | null }[];
      verdict: string;
    };
    expect(api.lanes[0]!.trend!.slopeDbPerDay).toBeCloseTo(-12, 1);
    expect(api.lanes[0]!.trend!.hoursToAlarm).not.toBeNull();
    expect(api.verdict).toMatch(/receive power falling/);
    const p = await page(`/connections/${FADING}`);
    const rx = (await chartsOn(p)).rx;
    expect(rx.series.filter((s) => s.kind === 'forecast')).toEqual([
      expect.objectContaining({ lane: 1, points: 2 }),
    ]);
    expect(rx.series.filter((s) => s.kind === 'baseline').map((s) => s.lane)).toEqual([1]);
    await p.close();
  });

  it('an edit made by hand, audited from the connection page, shows as drift there and in the fleet', {
    timeout: 60_000,
  }, async () => {
    stack.lab.devices[0]!.sim.editPort(ports[0]!, { kind: 'description', text: HOSTILE_ON_DEVICE });
    const p = await page(`/connections/${CONN}`);
    await p.waitForSelector('#audit-now');
    await p.click('#audit-now');
    // The audit runs in the agent; its drift.detected arrives on the stream and the page redraws.
    await p.waitForSelector('tr.drifted', { timeout: 30_000 });
    expect((await p.locator('tr.drifted').allTextContents()).join(' ')).toContain(HOSTILE_ON_DEVICE);
    // The drift event, with the markup inside, is on the timeline as text.
    await p.waitForSelector('li[data-type="drift.detected"]', { timeout: 10_000 });
    expect(await p.locator('li[data-type="drift.detected"] pre').first().textContent()).toContain(
      HOSTILE_ON_DEVICE,
    );
    expect(await p.locator('main img').count()).toBe(0);
    const fleet = (await (await fetch(`${plain.url}api/fleet`)).json()) as {
      devices: { ports: { connectionId: string | null; state: string }[] }[];
    };
    expect(fleet.devices[0]!.ports.find((x) => x.connectionId === CONN)!.state).toBe('drift');
    expect((p as Page & { errors?: string[] }).errors).toEqual([]);
    await p.close();
    // The events page shows it as text too.
    const ev = await page(`/events?connection=${CONN}&type=drift.detected`);
    await ev.waitForSelector('li[data-type="drift.detected"]', { timeout: 10_000 });
    expect(await ev.locator('#events').textContent()).toContain(HOSTILE_ON_DEVICE);
    expect(await ev.locator('main img').count()).toBe(0);
    expect((ev as Page & { errors?: string[] }).errors).toEqual([]);
    await ev.close();
  });

  it('axe-core finds no serious or critical accessibility violation on any page', {
    timeout: 90_000,
  }, async () => {
    // axe is injected as a script of its own, which the pages' CSP rightly refuses: this context
    // alone bypasses it, to audit the pages, not to run them.
    const ctx = await browser.newContext({ bypassCSP: true });
    try {
      for (const [path, ready] of [
        ['/', '.cell'],
        [`/connections/${CONN}`, '#verdict'],
        ['/plan', '#plan-form'],
        ['/jobs', '#jobs table'],
        ['/events', '#events li'],
      ] as const) {
        const p = await ctx.newPage();
        await p.goto(new URL(path, plain.url).toString());
        await p.waitForSelector(ready, { timeout: 15_000 });
        await p.addScriptTag({ path: AXE });
        const violations = (await p.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
          return (await axe.run()).violations;
        })) as { id: string; impact: string | null; nodes: { target: string[] }[] }[];
        const bad = violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map(
            (v) =>
              `${v.id} (${v.impact}): ${v.nodes
                .slice(0, 3)
                .map((n) => n.target.join(' '))
                .join(', ')}`,
          );
        expect(bad, path).toEqual([]);
        await p.screenshot({
          path: join(SHOTS, `${path === '/' ? 'fleet' : path.split('/')[1]}.png`),
          fullPage: false,
        });
        await p.close();
      }
    } finally {
      await ctx.close();
    }
  });

  it('without a token it answers only to loopback names: a rebound DNS name is refused', async () => {
    const ask = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(plain.url);
        request({ host: u.hostname, port: u.port, path: '/api/fleet', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await ask(`evil.example:${new URL(plain.url).port}`)).toBe(421);
    expect(await ask(`localhost:${new URL(plain.url).port}`)).toBe(200);
    // With a token the name does not matter: the token is what admits.
    expect(
      (await fetch(`${secured.url}api/fleet`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
  });

  it('POST /api/plan takes the data of a job as the queue carries it (schemaVersion, dryRun)', {
    timeout: 30_000,
  }, async () => {
    const res = await fetch(`${plain.url}api/plan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: plain.url.replace(/\/$/, '') },
      body: JSON.stringify({
        operation: 'provision',
        schemaVersion: 1,
        dryRun: true,
        connectionId: 'hc-console-plan2',
        device,
        port: ports[2]!,
        offline: true,
      }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { connectionId: string }).connectionId).toBe('hc-console-plan2');
    // A bad field is named, and nothing is planned.
    const bad = await fetch(`${plain.url}api/plan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: plain.url.replace(/\/$/, '') },
      body: JSON.stringify({ operation: 'provision', connectionId: 'x', device, port: ports[2]! }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/connectionId/);
  });

  it('close() ends open event streams and returns promptly', { timeout: 30_000 }, async () => {
    const extra = await startConsole(withConsole({ listen: '127.0.0.1:0' }), { log: silentLogger });
    const ac = new AbortController();
    const res = await fetch(`${extra.url}api/events/stream`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const started = Date.now();
    await extra.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    // The stream ended from the server's side.
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5_000)),
    ]);
    ac.abort();
    expect(ended).toBe(true);
  });

  it('a listen address other than loopback without console.auth exits 2 before binding', async () => {
    await expect(
      startConsole(withConsole({ listen: '0.0.0.0:0' }), { log: silentLogger }),
    ).rejects.toBeInstanceOf(ConfigError);
    const r = await runCli(['console', '--listen', '0.0.0.0:0', '--config', stack.configPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/console\.auth/);
  });
});
