// Issue 11 item 7: a device that rebooted and renumbered its interfaces while another replica held
// its poll lease. Replica A maps the ports and polls; it is frozen past its lease, replica B takes
// the device, the switch reboots with its ifIndex values swapped, B is killed, and A resumes after
// the switch's new sysUpTime has passed the last one A read, so "sysUpTime went back" never fires
// for A. A must not read port 2 as port 1: no false `availability.changed` for the lit, available
// connection and no `construction.completed` for the dark one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const until = async (what: string, pred: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
};

describe('a reboot that renumbered ifIndex while the lease was elsewhere', () => {
  const peers = inject('peers');
  const prefix = `renum${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-renum-'));
  const agents = new Map<string, AgentProcess>();
  let lab: Lab;
  let events: EventWatcher;
  let queue: Queue;
  let redis: Redis;

  beforeAll(async () => {
    const base = join(dir, 'base.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      linkUpDelayMs: 0,
      configOut: base,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(base, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.queues = { attempts: 3, backoffMs: 200 };
    for (const id of ['renum-a', 'renum-b']) {
      const path = join(dir, `${id}.yaml`);
      doc.agent = { ...doc.agent, id, httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
      doc.events = { spillFile: join(dir, `${id}-spill.jsonl`) };
      writeFileSync(path, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
      agents.set(id, AgentProcess.start(path));
    }
    await Promise.all([...agents.values()].map((a) => a.waitForLog('dcagent running', 30_000)));
    events = new EventWatcher(peers.redis.url, prefix);
    redis = new Redis(peers.redis.url, { maxRetriesPerRequest: 2 });
    queue = new Queue('dc-port-jobs', {
      connection: new Redis(peers.redis.url, { maxRetriesPerRequest: null }),
      prefix,
    });
  });

  afterAll(async () => {
    for (const a of agents.values()) {
      if (a.exited) continue;
      a.child.kill('SIGCONT');
      await a.stop('SIGKILL');
    }
    await queue?.close();
    redis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the resumed replica remaps instead of reading another port', { timeout: 120_000 }, async () => {
    const device = lab.devices[0]!;
    const sim = device.sim;
    const [lit, dark] = [device.ports[0]!.name, device.ports[1]!.name];
    for (const [conn, port] of [
      ['hc-renum-lit', lit],
      ['hc-renum-dark', dark],
    ] as const) {
      await enqueueJob(
        queue,
        'provision',
        { schemaVersion: 1, connectionId: conn, device: device.id, port },
        `provision-${conn}-1`,
      );
      await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 45_000);
    }
    sim.patch(lit);
    await events.waitFor('hc-renum-lit', (e) => e.type === 'construction.completed', 20_000);
    const before = (await events.all()).length;

    // The holder has mapped the ports; freeze it past its lease so the other takes the device.
    const holder = async () => ((await redis.get(`${prefix}:poll-lease:${device.id}`)) ?? '').split('/')[0]!;
    const aId = await holder();
    const a = agents.get(aId)!;
    const b = [...agents.entries()].find(([id]) => id !== aId)![1];
    a.child.kill('SIGSTOP');
    const lastSeenByA = sim.uptimeTicks();
    await until('the other replica to take the lease', async () => (await holder()) !== aId, 15_000);

    const pollsOf = async (x: AgentProcess) =>
      (await x.metric('dcagent_poll_duration_seconds_count', 'device')).get(device.id) ?? 0;
    await until('the other replica to poll', async () => (await pollsOf(b)) >= 1, 15_000);

    // Reboot with the two ports' ifIndex swapped, then the other replica dies.
    await sim.reboot(500, { renumber: true });
    expect(sim.port(lit).ifIndex).toBe(2);
    const bPolls = await pollsOf(b);
    await until(
      'the other replica to poll after the reboot',
      async () => (await pollsOf(b)) >= bPolls + 2,
      15_000,
    );
    expect(await b.stop('SIGKILL')).toBe('SIGKILL');
    // Resume A only once the new uptime has passed what A last read: no "sysUpTime went back".
    await until('the new uptime to pass the old one', () => sim.uptimeTicks() > lastSeenByA + 200, 60_000);
    const aLog = a.log().length;
    a.child.kill('SIGCONT');
    // A few rounds (with upPolls = downPolls = 2) for any false transition to show.
    const p0 = await pollsOf(a);
    await until(
      'the resumed replica to poll the device four times',
      async () => (await pollsOf(a)) >= p0 + 4,
      30_000,
    );

    const after = (await events.all()).slice(before);
    const wrong = after.filter(
      (e) =>
        (e.subject === 'hc-renum-lit' && e.type === 'availability.changed') ||
        (e.subject === 'hc-renum-dark' && e.type === 'construction.completed'),
    );
    expect(wrong.map((e) => `${e.subject} ${e.type} ${JSON.stringify(e.data)}`)).toEqual([]);
    expect(a.log().slice(aLog)).not.toContain('device restarted');
  });
});
