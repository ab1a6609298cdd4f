// Issue 15 §5: with monitoring.qualification.errorFreePolls N, construction.completed also needs N
// polls in a row in which ifInErrors did not grow. A CRC burst on a lab port under construction
// holds completion back for as long as it lasts, and completion comes N error-free polls after
// it ends, with the errors in its evidence. Lab switch, one `dcagent run`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { labModel } from '../../lab/catalog.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const PORT = labModel('ietf-interfaces').platform.portName('10GBASE-LR', 1);
const ERROR_FREE_POLLS = 4;

describe('qualification: an error burst during construction holds construction.completed back', () => {
  const peers = inject('peers');
  const prefix = `qual${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-qual-'));
  let lab: Lab;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;

  beforeAll(async () => {
    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      optics: 'huawei',
      linkUpDelayMs: 200,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { ...doc.agent, id: 'qual-agent', httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
    doc.monitoring = {
      ...doc.monitoring,
      intervalSeconds: 1,
      upPolls: 2,
      downPolls: 2,
      qualification: { errorFreePolls: ERROR_FREE_POLLS },
    };
    doc.queues = { attempts: 3, backoffMs: 200 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  });

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('no completion while CRC errors arrive; completion N error-free polls after they stop, errors in the evidence', {
    timeout: 90_000,
  }, async () => {
    const device = lab.devices[0]!;
    const sim = device.sim;
    const conn = 'hc-qual-1';
    const polls = async () =>
      (await agent.metric('dcagent_poll_duration_seconds_count', 'device')).get(device.id) ?? 0;
    const waitPolls = async (n: number) => {
      const target = (await polls()) + n;
      const deadline = Date.now() + 30_000;
      while ((await polls()) < target) {
        if (Date.now() > deadline) throw new Error(`fewer than ${n} polls in 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The light is good from the start: only the errors can hold completion back.
    sim.errors(PORT, 200);
    sim.patch(PORT);
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: conn, device: device.id, port: PORT, description: 'qualify me' },
      `provision-${conn}-1`,
    );
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 30_000);
    // Well past upPolls + errorFreePolls polls of good light: without the errors it would be complete.
    await waitPolls(2 * (2 + ERROR_FREE_POLLS));
    expect((await events.all(conn)).map((e) => e.type)).toEqual(['provision.succeeded']);

    sim.errors(PORT, 0);
    const stoppedAt = await polls();
    const done = await events.waitFor(conn, (e) => e.type === 'construction.completed', 30_000);
    const after = (await polls()) - stoppedAt;
    // The poll that sees the last errors is not error-free, so it takes at least N more.
    expect(after).toBeGreaterThanOrEqual(ERROR_FREE_POLLS);
    const evidence = (done.data as { evidence: { errors?: Record<string, unknown> } }).evidence;
    expect(evidence.errors).toMatchObject({ counter: 'ifInErrors', errorFreePolls: ERROR_FREE_POLLS });
    expect(evidence.errors!.errors as number).toBeGreaterThan(0);
    expect(evidence.errors!.erroredPolls as number).toBeGreaterThan(0);
  });
});
