// SNMP traps as hints to poll (CONTRACT §5 "Traps"), against the real agent process, the lab's
// switches sending their own linkDown/linkUp, and Debian's `snmptrap` as an independent sender.
// Two agents: one with a 60 s interval (only the trap path can explain a quick event), one with a
// 2 s interval whose lab drops every trap (polling alone must still see the cut) and that takes a
// storm of 10,000 traps.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, type LabDevice, startLab } from '../../lab/index.js';
import { freeUdpPort } from '../../testkit/peers/process.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const run = promisify(execFile);
const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const IF_INDEX = '1.3.6.1.2.1.2.2.1.1';
const V3_USER = 'dc-trapper';
const V3_KEY = 'trap-auth-key-1';

type Doc = Record<string, Record<string, unknown> & { devices?: Record<string, unknown>[] }> & {
  devices: Record<string, unknown>[];
};

/** One trap from Debian's snmptrap; `args` are the version/credential flags. */
async function snmptrap(args: string[], target: number, trapOid: string, ifIndex: number): Promise<void> {
  await run(
    'snmptrap',
    [...args, `127.0.0.1:${target}`, '', trapOid, `${IF_INDEX}.${ifIndex}`, 'i', String(ifIndex)],
    { timeout: 10_000 },
  );
}

/** Sum of the trap counter's samples whose labels contain every `want` pair. */
function trapsCounted(body: string, want: Record<string, string>): number {
  let n = 0;
  for (const m of body.matchAll(/^dcagent_traps_received_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = m[1] ?? '';
    if (Object.entries(want).every(([k, v]) => labels.includes(`${k}="${v}"`))) n += Number(m[2]);
  }
  return n;
}

/** Devices with a trap poll loop under way. */
function hintsActive(body: string): number {
  return Number(/^dcagent_trap_hints_active (\S+)$/m.exec(body)?.[1] ?? 0);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

interface Rig {
  lab: Lab;
  agent: AgentProcess;
  events: EventWatcher;
  queue: Queue;
  queueRedis: Redis;
  trapPort: number;
  dir: string;
}

async function startRigWith(
  name: string,
  labOptions: { trapDrop?: number; monitoringIntervalSeconds?: number },
  monitoring: Record<string, unknown>,
  traps: Record<string, unknown>,
  extraDevices: (doc: Doc) => Record<string, unknown>[] = () => [],
  env: Record<string, string> = {},
): Promise<Rig> {
  const peers = inject('peers');
  const dir = mkdtempSync(join(tmpdir(), `dcagent-${name}-`));
  const configPath = join(dir, 'agent.yaml');
  const trapPort = await freeUdpPort();
  const prefix = `${name}${Date.now()}`;
  const lab = await startLab({
    devices: 3,
    ports: 2,
    linkUpDelayMs: 200,
    patched: true,
    configOut: configPath,
    secrets: 'files',
    redisUrl: peers.redis.url,
    controlPort: false,
    trapTargets: [`127.0.0.1:${trapPort}`],
    ...labOptions,
  });
  const doc = parse(readFileSync(configPath, 'utf8')) as Doc;
  doc.redis = { ...doc.redis, prefix };
  doc.agent = {
    ...doc.agent,
    id: `${name}-agent`,
    httpPort: 0,
    logLevel: 'info',
    shutdownTimeoutSeconds: 10,
  };
  doc.monitoring = {
    ...doc.monitoring,
    upPolls: 2,
    downPolls: 2,
    ...monitoring,
    traps: { enabled: true, listen: '127.0.0.1', port: trapPort, ...traps },
  };
  doc.queues = { attempts: 3, backoffMs: 200 };
  doc.events = { spillFile: join(dir, 'spill.jsonl') };
  doc.devices = [...doc.devices, ...extraDevices(doc)];
  writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  const agent = AgentProcess.start(configPath, env);
  await agent.waitForLog('dcagent running', 30_000);
  const queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
  return {
    lab,
    agent,
    events: new EventWatcher(peers.redis.url, prefix),
    queue: new Queue('dc-port-jobs', { connection: queueRedis, prefix }),
    queueRedis,
    trapPort,
    dir,
  };
}

async function stopRig(r: Rig | undefined): Promise<number | string | undefined> {
  if (!r) return undefined;
  const code = await r.agent.stop('SIGTERM');
  await r.queue.close();
  r.queueRedis.disconnect();
  r.events.close();
  await r.lab.stop();
  rmSync(r.dir, { recursive: true, force: true });
  return code;
}

/** Provisions port 1 of `device` and waits until the agent has polled the device once. */
async function provisionAndHold(r: Rig, device: LabDevice, conn: string): Promise<void> {
  const port = device.ports[0]!.name;
  await enqueueJob(
    r.queue,
    'provision',
    { schemaVersion: 1, connectionId: conn, device: device.id, port },
    `provision-${conn}-1`,
  );
  await r.events.waitFor(conn, (e) => e.type === 'provision.succeeded', 45_000);
}

async function pollCount(agent: AgentProcess, device: string): Promise<number> {
  return (await agent.metric('dcagent_poll_duration_seconds_count', 'device')).get(device) ?? 0;
}

const v2c = (d: LabDevice) => ['-v2c', '-c', d.snmp.community];

describe('traps with a 60 s interval: only the trap path can explain a quick event', () => {
  let r: Rig;
  let a: LabDevice;
  let b: LabDevice;
  let c: LabDevice;
  /** The last moment the agent had not yet polled device a: its next regular turn is 60 s after. */
  let beforeFirstPoll = 0;

  beforeAll(async () => {
    r = await startRigWith(
      'traps60',
      {},
      { intervalSeconds: 60 },
      { confirmMs: 300 },
      (doc) => [
        {
          ...doc.devices[2],
          id: 'v3-sw',
          host: '127.0.0.3',
          snmp: { version: 3, user: V3_USER, authProtocol: 'sha', authKeyEnv: 'V3_TRAP_KEY' },
        },
      ],
      { V3_TRAP_KEY: V3_KEY },
    );
    [a, b, c] = r.lab.devices as [LabDevice, LabDevice, LabDevice];
    await Promise.all([provisionAndHold(r, a, 'hc-trap-a'), provisionAndHold(r, b, 'hc-trap-b')]);
    // The monitor takes new connections at its next lease round (half an interval): wait for it.
    beforeFirstPoll = Date.now();
    await until('the first polls of a and b', async () => {
      const [na, nb] = [await pollCount(r.agent, a.id), await pollCount(r.agent, b.id)];
      if (na === 0) beforeFirstPoll = Date.now();
      return na > 0 && nb > 0 ? true : undefined;
    });
    // A linkUp hint: the trap poll and its confirmations finish construction within seconds.
    await snmptrap(v2c(a), r.trapPort, LINK_UP, a.ports[0]!.ifIndex);
    await snmptrap(v2c(b), r.trapPort, LINK_UP, b.ports[0]!.ifIndex);
    await r.events.waitFor('hc-trap-a', (e) => e.type === 'construction.completed', 30_000);
    await r.events.waitFor('hc-trap-b', (e) => e.type === 'construction.completed', 30_000);
  }, 180_000);

  afterAll(async () => {
    expect(await stopRig(r)).toBe(0);
  });

  it('a lab linkDown for a cut fibre leads to availability.changed before the next regular poll', async () => {
    const detectedBefore =
      (await r.agent.metric('dcagent_detection_seconds_count', 'source')).get('trap') ?? 0;
    a.sim.cut(a.ports[0]!.name);
    const ev = await r.events.waitFor(
      'hc-trap-a',
      (e) => e.type === 'availability.changed' && (e.data as { to?: string }).to === 'unavailable',
      45_000,
    );
    // The regular grid of device a has its second turn 60 s after its first, which came after
    // beforeFirstPoll: an event before then came from the trap's polls.
    expect(Date.parse(ev.time)).toBeLessThan(beforeFirstPoll + 60_000);
    const body = (await r.agent.http('/metrics')).body;
    expect(trapsCounted(body, { device: a.id, type: 'linkDown', result: 'polled' })).toBeGreaterThanOrEqual(
      1,
    );
    const detected = (await r.agent.metric('dcagent_detection_seconds_count', 'source')).get('trap') ?? 0;
    expect(detected).toBe(detectedBefore + 1);
  });

  it('a snmptrap linkDown for a port that is up and lit polls it and changes nothing', async () => {
    const polls = await pollCount(r.agent, b.id);
    await snmptrap(v2c(b), r.trapPort, LINK_DOWN, b.ports[0]!.ifIndex);
    await until('the trap poll of b and its end', async () => {
      const body = (await r.agent.http('/metrics')).body;
      const counted = trapsCounted(body, { device: b.id, type: 'linkDown', result: 'polled' });
      return counted >= 1 && hintsActive(body) === 0 && (await pollCount(r.agent, b.id)) > polls
        ? true
        : undefined;
    });
    const types = (await r.events.all('hc-trap-b')).map((e) => e.type);
    expect(types).toEqual(['provision.succeeded', 'construction.completed']);
  });

  it('two devices on one address are told apart by community', async () => {
    const body0 = (await r.agent.http('/metrics')).body;
    const [a0, c0] = [trapsCounted(body0, { device: a.id }), trapsCounted(body0, { device: c.id })];
    await snmptrap(v2c(c), r.trapPort, LINK_UP, c.ports[1]!.ifIndex);
    await until('the trap from c', async () =>
      trapsCounted((await r.agent.http('/metrics')).body, { device: c.id }) > c0 ? true : undefined,
    );
    await snmptrap(v2c(a), r.trapPort, LINK_UP, a.ports[1]!.ifIndex);
    const body = await until('the trap from a', async () => {
      const text = (await r.agent.http('/metrics')).body;
      return trapsCounted(text, { device: a.id }) > a0 ? text : undefined;
    });
    expect(a.host).toBe(c.host);
    expect(trapsCounted(body, { device: a.id })).toBe(a0 + 1);
    expect(trapsCounted(body, { device: c.id })).toBe(c0 + 1);
  });

  it('an unknown sender is counted and dropped', async () => {
    const before = trapsCounted((await r.agent.http('/metrics')).body, { device: a.id });
    // a's community, from an address no inventory device has.
    await snmptrap([...v2c(a), '--clientaddr=127.0.0.2'], r.trapPort, LINK_DOWN, a.ports[1]!.ifIndex);
    const body = await until('the unknown sender counted', async () => {
      const text = (await r.agent.http('/metrics')).body;
      return trapsCounted(text, { device: '', result: 'unknown-sender' }) >= 1 ? text : undefined;
    });
    expect(trapsCounted(body, { device: a.id })).toBe(before);
  });

  it('a v3 trap with a wrong key is refused; the right key is accepted', async () => {
    const v3 = (key: string) => [
      '-v3',
      '-u',
      V3_USER,
      '-l',
      'authNoPriv',
      '-a',
      'SHA',
      '-A',
      key,
      '-e',
      '0x80000000010203',
      '--clientaddr=127.0.0.3',
    ];
    await snmptrap(v3('not-the-key-at-all'), r.trapPort, LINK_DOWN, 1);
    await until('the refusal counted', async () =>
      trapsCounted((await r.agent.http('/metrics')).body, { device: 'v3-sw', result: 'bad-credentials' }) >= 1
        ? true
        : undefined,
    );
    let body = (await r.agent.http('/metrics')).body;
    expect(trapsCounted(body, { device: 'v3-sw', type: 'linkDown' })).toBe(0);
    // The same trap with the right key is taken (no replica polls v3-sw, so it is forwarded).
    await snmptrap(v3(V3_KEY), r.trapPort, LINK_DOWN, 1);
    body = await until('the accepted v3 trap', async () => {
      const text = (await r.agent.http('/metrics')).body;
      return trapsCounted(text, { device: 'v3-sw', type: 'linkDown' }) >= 1 ? text : undefined;
    });
    expect(trapsCounted(body, { device: 'v3-sw', type: 'linkDown', result: 'forwarded' })).toBe(1);
  });
});

describe('traps lost or stormed, with a 2 s interval', () => {
  let r: Rig;
  let a: LabDevice;
  let b: LabDevice;
  const RATE = 10;

  beforeAll(async () => {
    // The lab writes SNMP timeouts that fit the interval it is told.
    r = await startRigWith(
      'traps2s',
      { trapDrop: 1, monitoringIntervalSeconds: 2 },
      { intervalSeconds: 2 },
      { ratePerDevice: RATE },
    );
    [a, b] = r.lab.devices as [LabDevice, LabDevice];
    await Promise.all([provisionAndHold(r, a, 'hc-lost-a'), provisionAndHold(r, b, 'hc-lost-b')]);
    await r.events.waitFor('hc-lost-a', (e) => e.type === 'construction.completed', 45_000);
    await r.events.waitFor('hc-lost-b', (e) => e.type === 'construction.completed', 45_000);
  }, 180_000);

  afterAll(async () => {
    expect(await stopRig(r)).toBe(0);
  });

  it('with every trap dropped, polling still reports the cut', async () => {
    a.sim.cut(a.ports[0]!.name);
    await r.events.waitFor(
      'hc-lost-a',
      (e) => e.type === 'availability.changed' && (e.data as { to?: string }).to === 'unavailable',
      30_000,
    );
    const body = (await r.agent.http('/metrics')).body;
    expect(trapsCounted(body, { device: a.id })).toBe(0);
  });

  it('a storm of 10,000 traps for one device is rate-limited and never holds up the polls of another', async () => {
    const overruns = async () =>
      (await r.agent.metric('dcagent_poll_overruns_total', 'device')).get(b.id) ?? 0;
    const overrunsBefore = await overruns();
    const pollsBefore = await pollCount(r.agent, b.id);
    const require = createRequire(import.meta.url);
    const snmp = require('net-snmp');
    const session = snmp.createSession('127.0.0.1', a.snmp.community, {
      version: snmp.Version2c,
      trapPort: r.trapPort,
    });
    const vbs = [{ oid: `${IF_INDEX}.${a.ports[0]!.ifIndex}`, type: 2, value: a.ports[0]!.ifIndex }];
    let maxActive = 0;
    const t0 = Date.now();
    // 10,000 in about a second: 20 bursts of 500, 50 ms apart (one burst fits a socket buffer).
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 500; i++) session.trap(LINK_DOWN, vbs, () => {});
      await new Promise((res) => setTimeout(res, 50));
      maxActive = Math.max(maxActive, hintsActive((await r.agent.http('/metrics')).body));
    }
    session.close();
    // Received and counted: the counter stops moving.
    let last = -1;
    const body = await until('the storm counted', async () => {
      const text = (await r.agent.http('/metrics')).body;
      const n = trapsCounted(text, { device: a.id, type: 'linkDown' });
      const done = n === last && n > 0;
      last = n;
      await new Promise((res) => setTimeout(res, 500));
      return done ? text : undefined;
    });
    // Until every trap was counted: the bucket refills for as long as the agent takes to read them.
    const windowSeconds = (Date.now() - t0) / 1000;
    const accepted =
      trapsCounted(body, { device: a.id, result: 'polled' }) +
      trapsCounted(body, { device: a.id, result: 'coalesced' });
    const limited = trapsCounted(body, { device: a.id, result: 'rate-limited' });
    expect(limited).toBeGreaterThan(5_000);
    // The token bucket: a burst of RATE, then RATE a second while the storm was being read.
    expect(accepted).toBeLessThanOrEqual(RATE * windowSeconds + RATE);
    // One poll loop per device at most, whatever the storm.
    expect(maxActive).toBeLessThanOrEqual(1);
    // Device b kept its grid: polls went on and no turn was skipped.
    await until('three more polls of b', async () =>
      (await pollCount(r.agent, b.id)) >= pollsBefore + 3 ? true : undefined,
    );
    expect(await overruns()).toBe(overrunsBefore);
  });
});

describe('two replicas: a trap received by the one that does not poll the device', () => {
  const peers = inject('peers');
  let lab: Lab;
  let x: AgentProcess;
  let y: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;
  let dir: string;
  let xTrapPort = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dcagent-trapreplicas-'));
    const configPath = join(dir, 'agent.yaml');
    const prefix = `trapreplicas${Date.now()}`;
    xTrapPort = await freeUdpPort();
    const yTrapPort = await freeUdpPort();
    // The switches send to replica x only.
    lab = await startLab({
      devices: 2,
      ports: 2,
      linkUpDelayMs: 200,
      patched: true,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      controlPort: false,
      trapTargets: [`127.0.0.1:${xTrapPort}`],
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Doc;
    const write = (id: string, trapPort: number) => {
      const path = join(dir, `${id}.yaml`);
      const mine = {
        ...doc,
        redis: { ...doc.redis, prefix },
        agent: { ...doc.agent, id, httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 },
        monitoring: {
          ...doc.monitoring,
          intervalSeconds: 60,
          upPolls: 2,
          downPolls: 2,
          traps: { enabled: true, listen: '127.0.0.1', port: trapPort, confirmMs: 300 },
        },
        queues: { attempts: 3, backoffMs: 200 },
        events: { spillFile: join(dir, `${id}-spill.jsonl`) },
      };
      writeFileSync(path, stringify(mine, { lineWidth: 0 }), { mode: 0o600 });
      return path;
    };
    x = AgentProcess.start(write('trap-x', xTrapPort));
    y = AgentProcess.start(write('trap-y', yTrapPort));
    await Promise.all([x.waitForLog('dcagent running', 30_000), y.waitForLog('dcagent running', 30_000)]);
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  }, 60_000);

  afterAll(async () => {
    const codes = [await x?.stop('SIGTERM'), await y?.stop('SIGTERM')];
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(codes).toEqual([0, 0]);
  });

  it('forwards the hint through Redis; the holder polls, confirms and reports', {
    timeout: 240_000,
  }, async () => {
    const rig = { queue, events } as Rig;
    const [d1, d2] = lab.devices as [LabDevice, LabDevice];
    await Promise.all([provisionAndHold(rig, d1, 'hc-rep-1'), provisionAndHold(rig, d2, 'hc-rep-2')]);
    // Poll leases settle to one device each (x may take both first and hand one over).
    let beforeFirstPoll = Date.now();
    const held = await until(
      'replica y polling a device',
      async () => {
        for (const d of [d1, d2]) if ((await pollCount(y, d.id)) > 0) return d;
        beforeFirstPoll = Date.now();
        return undefined;
      },
      150_000,
    );
    const conn = held === d1 ? 'hc-rep-1' : 'hc-rep-2';
    // A linkUp from the switch's address, sent to x: x forwards it and y's polls finish construction.
    await snmptrap(v2c(held), xTrapPort, LINK_UP, held.ports[0]!.ifIndex);
    await events.waitFor(conn, (e) => e.type === 'construction.completed', 30_000);
    held.sim.cut(held.ports[0]!.name);
    const ev = await events.waitFor(
      conn,
      (e) => e.type === 'availability.changed' && (e.data as { to?: string }).to === 'unavailable',
      30_000,
    );
    // y's second regular turn is 60 s after its first: both events came from forwarded hints.
    expect(Date.parse(ev.time)).toBeLessThan(beforeFirstPoll + 60_000);
    const xBody = (await x.http('/metrics')).body;
    expect(trapsCounted(xBody, { device: held.id, result: 'forwarded' })).toBeGreaterThanOrEqual(2);
    expect(trapsCounted((await y.http('/metrics')).body, { device: held.id })).toBe(0);
    expect((await y.metric('dcagent_detection_seconds_count', 'source')).get('trap')).toBe(1);
  });
});
