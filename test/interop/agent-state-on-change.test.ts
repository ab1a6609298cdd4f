// State written only on change (issue 14 point 3): a `dcagent run` watching lab ports that are
// steady (built, lit, healthy) polls them again and again, and Redis, watched with MONITOR, sees
// no write from it beyond the replica heartbeat that renews every poll lease at once. The agent
// has a Redis of its own here, so MONITOR sees this agent and nothing else.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Lab, type NetconfLabDevice, startLab } from '../../lab/index.js';
import { provisionAllPorts, seedTrackedConnections } from '../../testkit/tracked-fleet.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { RestartableRedis } from '../helpers/redis.js';

const POLLS = 10;

/** Commands that only read (a script's own calls are listed by MONITOR one by one, so EVAL itself is no write). */
const READS = new Set([
  'get',
  'mget',
  'hget',
  'hmget',
  'hexists',
  'hgetall',
  'smembers',
  'scard',
  'zcard',
  'zscore',
  'zrange',
  'zrangebyscore',
  'exists',
  'ttl',
  'pttl',
  'type',
  'xread',
  'xrange',
  'xrevrange',
  'xlen',
  'ping',
  'info',
  'client',
  'time',
  'eval',
  'evalsha',
  'script',
  'select',
  'hello',
]);

describe('state on change: a steady fleet costs Redis no writes but the lease heartbeat', () => {
  const peers = inject('peers');
  const prefix = `onchange${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-onchange-'));
  let redisServer: RestartableRedis;
  let lab: Lab<NetconfLabDevice>;
  let agent: AgentProcess;
  let events: EventWatcher;
  let redis: Redis;
  let ids: string[];

  beforeAll(async () => {
    redisServer = await RestartableRedis.start(peers.runDir);
    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 3,
      ports: 4,
      patched: true,
      linkUpDelayMs: 0,
      configOut: configPath,
      secrets: 'files',
      redisUrl: redisServer.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    provisionAllPorts(lab.devices);
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { ...doc.agent, id: 'onchange-agent', httpPort: 0, logLevel: 'info' };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });

    redis = new Redis(redisServer.url);
    ids = await seedTrackedConnections(redis, prefix, lab.devices);
    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    events = new EventWatcher(redisServer.url, prefix);
  });

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    events?.close();
    redis?.disconnect();
    await lab?.stop();
    await redisServer?.down();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it(`over ${POLLS} polls with nothing changing, MONITOR sees no writes beyond lease renewals`, {
    timeout: 120_000,
  }, async () => {
    // Every port built: from here on nothing changes on the switches.
    for (const id of ids) await events.waitFor(id, (e) => e.type === 'construction.completed', 60_000);

    const polls = async () => {
      const byDevice = await agent.metric('dcagent_poll_duration_seconds_count', 'device');
      return Math.min(...lab.devices.map((d) => byDevice.get(d.id) ?? 0));
    };
    // One more poll of every device, so the step that completed construction is behind us.
    const settled = (await polls()) + 1;
    while ((await polls()) < settled) await new Promise((r) => setTimeout(r, 200));

    const writes: string[] = [];
    const renewals: string[] = [];
    const monitor = await new Redis(redisServer.url).monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      const [name, key = ''] = args;
      const cmd = (name ?? '').toLowerCase();
      if (READS.has(cmd)) return;
      // BullMQ's worker waiting for jobs (its marker key): the job queue, not monitoring.
      if (key.startsWith(`${prefix}:dc-port-jobs:`)) return;
      const line = args.slice(0, 3).join(' ');
      if ((cmd === 'zadd' || cmd === 'zremrangebyscore') && key === `${prefix}:replicas`) renewals.push(line);
      else writes.push(line);
    });
    try {
      const from = await polls();
      while ((await polls()) < from + POLLS) await new Promise((r) => setTimeout(r, 200));
    } finally {
      monitor.disconnect();
    }

    expect(writes).toEqual([]);
    // The witness saw the agent at work: its heartbeat renews the leases every half interval.
    expect(renewals.length).toBeGreaterThan(0);
    // Metrics come from memory: every port is still reported healthy.
    const healthy = await agent.metric('dcagent_port_healthy', 'port');
    expect([...healthy.values()].reduce((a, b) => a + b, 0)).toBe(ids.length);
    // Nothing happened, so nothing was reported: one event per connection, its completion.
    const all = await events.all();
    expect(all.filter((e) => e.type !== 'construction.completed')).toEqual([]);
  });
});
