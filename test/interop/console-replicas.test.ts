import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createRedis, type RedisClient } from '../../agent/redis.js';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import { type RunningConsole, startConsole } from '../../console/start.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { sleep } from '../helpers/agent-env.js';
import { AgentProcess } from '../helpers/agent-proc.js';
import { type LabAgent, startLabAgent } from '../helpers/lab-agent.js';

// CONTRACT §9: one console serves any number of agent replicas. It reads Redis only, so what it
// shows must not depend on which replica polls a device, nor change when a replica dies and
// another takes its devices over. Two `dcagent run` share a lab of two switches; each ends up
// polling one (fair share of the poll leases). The console is started once and never told about
// the replicas.

const FIRST = 'hc-conrep-1';
const SECOND = 'hc-conrep-2';
const A_ID = 'conrep-agent';
const B_ID = 'conrep-agent-b';

describe('one console, two agent replicas', () => {
  const peers = inject('peers');
  let stack: LabAgent;
  let b: AgentProcess | undefined;
  let cfg: AgentConfig;
  let redis: RedisClient;
  let keys: RedisKeys;
  let running: RunningConsole;
  let browser: Browser;
  let devices: string[];
  let portOf: Map<string, string>;

  /** The agent id holding each device's poll lease (its token is `<agent id>/<uuid>`). */
  const holders = async (): Promise<(string | undefined)[]> =>
    (await redis.mget(...devices.map((d) => keys.pollLease(d)))).map((t) => t?.split('/')[0]);

  const waitUntil = async (what: string, ok: () => Promise<boolean>, timeoutMs = 45_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  /** Fair share: with two live replicas, each holds one device's lease. */
  const waitForSplit = async (): Promise<(string | undefined)[]> => {
    let h: (string | undefined)[] = [];
    await waitUntil('each replica to hold one device', async () => {
      h = await holders();
      return h.includes(A_ID) && h.includes(B_ID);
    });
    return h;
  };

  /** Each connection's state on `/api/fleet`. */
  const fleetStates = async (): Promise<Map<string, string>> => {
    const fleet = (await (await fetch(new URL('/api/fleet', running.url))).json()) as {
      devices: { ports: { connectionId: string | null; state: string }[] }[];
    };
    return new Map(
      fleet.devices.flatMap((d) =>
        d.ports.flatMap((p) => (p.connectionId ? [[p.connectionId, p.state] as const] : [])),
      ),
    );
  };

  const cellState = (p: Page, connectionId: string) =>
    p.locator(`.cell[data-connection="${connectionId}"]`).getAttribute('data-state');

  const waitCell = (p: Page, connectionId: string, state: string) =>
    p.waitForSelector(`.cell[data-connection="${connectionId}"][data-state="${state}"]`, {
      state: 'attached',
      timeout: 30_000,
    });

  beforeAll(async () => {
    stack = await startLabAgent({
      redisUrl: peers.redis.url,
      name: 'conrep',
      tune: (doc) => {
        doc.monitoring = {
          ...doc.monitoring,
          // A 3 s interval makes the lease 4.5 s: a stall of a second or two on a loaded machine
          // does not hand a device to the other replica in the middle of the test.
          intervalSeconds: 3,
          // Cut and restored twice; damping must not hold the state.
          damping: { windowSeconds: 600, maxFlaps: 100, holdSeconds: 300 },
        };
      },
      lab: {
        devices: 2,
        ports: 2,
        optics: 'huawei',
        linkUpDelayMs: 200,
        monitoringIntervalSeconds: 3,
        controlPort: false,
      },
    });
    // The second replica: the same file but for its identity and its spill file.
    const doc = parse(readFileSync(stack.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.agent = { ...doc.agent, id: B_ID };
    doc.events = { ...doc.events, spillFile: join(stack.dir, 'spill-b.jsonl') };
    const bPath = join(stack.dir, 'agent-b.yaml');
    writeFileSync(bPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    b = AgentProcess.start(bPath);
    await b.waitForLog('dcagent running', 30_000);

    cfg = loadConfig({ path: stack.configPath });
    keys = new RedisKeys(cfg.redis.prefix, cfg.events.stream);
    redis = createRedis(cfg.redis, 'cli', 'console-replicas-test');
    devices = stack.lab.devices.map((d) => d.id);
    const port0 = stack.lab.devices.map((d) => d.ports[0]!.name);
    portOf = new Map([
      [FIRST, port0[0]!],
      [SECOND, port0[1]!],
    ]);
    await stack.provision(FIRST, port0[0]!);
    await enqueueJob(
      stack.queue,
      'provision',
      { schemaVersion: 1, connectionId: SECOND, device: devices[1]!, port: port0[1]! },
      `provision-${SECOND}-1`,
    );
    for (const [i, id] of [FIRST, SECOND].entries()) {
      await stack.events.waitFor(id, (e) => e.type === 'provision.succeeded', 45_000);
      stack.lab.devices[i]!.sim.patch(port0[i]!);
    }
    for (const id of [FIRST, SECOND])
      await stack.events.waitFor(id, (e) => e.type === 'construction.completed', 45_000);
    await waitForSplit();

    running = await startConsole(
      { ...cfg, console: { ...cfg.console, listen: '127.0.0.1:0' } },
      { log: silentLogger },
    );
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    redis?.disconnect();
    if (b && !b.exited) await b.stop('SIGTERM');
    const code = await stack?.stop();
    expect(code).toBe(0);
  });

  it('shows both replicas’ connections; a cut on either replica’s device turns its cell with no reload', async () => {
    await waitUntil('both connections available on /api/fleet', async () => {
      const states = await fleetStates();
      return states.get(FIRST) === 'available' && states.get(SECOND) === 'available';
    });

    const p = await browser.newPage();
    await p.goto(running.url);
    await waitCell(p, FIRST, 'available');
    await waitCell(p, SECOND, 'available');
    await p.evaluate(() => {
      (globalThis as unknown as { mark: number }).mark = 1;
    });
    const h = await waitForSplit();
    for (const [i, id] of [FIRST, SECOND].entries()) {
      stack.lab.devices[i]!.sim.cut(portOf.get(id)!);
      await waitCell(p, id, 'unavailable');
      // Only the cut connection turned.
      expect(await cellState(p, id === FIRST ? SECOND : FIRST)).toBe('available');
      stack.lab.devices[i]!.sim.patch(portOf.get(id)!);
      await waitCell(p, id, 'available');
    }
    // The devices were split between the replicas: each cut was seen by a different one.
    expect(new Set(h)).toEqual(new Set([A_ID, B_ID]));
    expect(await p.evaluate(() => (globalThis as unknown as { mark?: number }).mark)).toBe(1);
    await p.close();
  }, 120_000);

  it('a replica dies: the survivor takes its device over, and the same console page shows the next cut there', async () => {
    const bIndex = (await waitForSplit()).indexOf(B_ID);
    const id = [FIRST, SECOND][bIndex]!;
    const p = await browser.newPage();
    await p.goto(running.url);
    await waitCell(p, id, 'available');

    // No drain, no goodbye: only the missing heartbeat tells the others.
    await b!.stop('SIGKILL');
    await waitUntil('the survivor to take the dead replica’s device', async () =>
      (await holders()).every((holder) => holder === A_ID),
    );
    stack.lab.devices[bIndex]!.sim.cut(portOf.get(id)!);
    await waitCell(p, id, 'unavailable');
    stack.lab.devices[bIndex]!.sim.patch(portOf.get(id)!);
    await waitCell(p, id, 'available');
    // Nothing is left stale once the survivor polls it (the console looks at leases every 5 s).
    await waitUntil(
      'the fleet to show both available and nothing stale',
      async () => {
        const { counts } = (await (await fetch(new URL('/api/fleet', running.url))).json()) as {
          counts: Record<string, number>;
        };
        return counts.available === 2 && counts.stale === 0;
      },
      20_000,
    );
    await p.close();
  }, 120_000);
});
