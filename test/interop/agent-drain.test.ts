import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisKeys } from '../../core/redis-keys.js';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import {
  eventually,
  fastAgentConfig,
  ietfDevice,
  netconfdPid,
  RawQueue,
  readPort,
  sleep,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// SIGTERM with a job in flight. The slow device is a real one made slow: its netconfd is stopped
// (SIGSTOP) while the job waits for an answer, and continued (SIGCONT) once the drain is under way.

const DEVICE = 'nc-drain';
const PORTS = ['XGE1/0/1', 'XGE1/0/2'];
const COMMUNITY_ENV = 'DRAIN_COMMUNITY';
const SHUTDOWN_S = 15;

describe('SIGTERM drain', () => {
  const peers = inject('peers');
  let device: RunningNetconf;
  let pid: number;
  let redis: Redis;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    device = await startNetconf(peers.runDir, { name: 'drain', modules: peers.netconf.ietf.modules });
    pid = netconfdPid(device.info);
    redis = new Redis(peers.redis.url);
  });

  afterAll(async () => {
    process.kill(pid, 'SIGCONT');
    for (const a of agents) if (!a.exited) await a.stop('SIGKILL');
    await device?.stop();
    redis?.disconnect();
  });

  function start(prefix: string) {
    const spillFile = `${peers.runDir}/${prefix}-spill.jsonl`;
    const agent = AgentProcess.start(
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix,
          agentId: prefix,
          spillFile,
          agent: { shutdownTimeoutSeconds: SHUTDOWN_S },
          devices: [ietfDevice(DEVICE, device.info, peers, { ports: PORTS, communityEnv: COMMUNITY_ENV })],
        }),
      ),
      { [COMMUNITY_ENV]: 'agent-drain' },
    );
    agents.push(agent);
    return {
      agent,
      spillFile,
      queue: new RawQueue(peers.redis.url, prefix),
      keys: new RedisKeys(prefix, 'events'),
    };
  }

  const provision = (queue: RawQueue, port: string, description: string, jobId: string) =>
    queue.add(
      'provision',
      { schemaVersion: 1, connectionId: 'hc-drain', device: DEVICE, port, description },
      jobId,
    );

  /** Opens the agent's NETCONF session with a first job, stops netconfd, then starts a job that hangs. */
  async function jobInFlight(queue: RawQueue, tag: string): Promise<string> {
    await provision(queue, PORTS[0]!, 'warm-up', `warm-${tag}`);
    expect((await queue.settle(`warm-${tag}`)).state).toBe('completed');
    process.kill(pid, 'SIGSTOP');
    const jobId = `slow-${tag}`;
    await provision(queue, PORTS[1]!, `drained ${tag}`, jobId);
    await eventually(async () => (await queue.queue.getJobState(jobId)) === 'active', 10_000, 'job active');
    // Inside its first RPC by now, waiting for the device.
    await sleep(300);
    return jobId;
  }

  it('finishes the job in flight, stops polling, flushes events, closes connections, exits 0 in time', async () => {
    const prefix = `drain${Date.now()}`;
    const { agent, spillFile, queue, keys } = start(prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    try {
      await agent.waitForLog('dcagent running');
      const jobId = await jobInFlight(queue, 'a');
      // The agent polls the watched port and holds its poll lease.
      await eventually(
        async () => (await redis.exists(keys.pollLease(DEVICE))) === 1,
        5_000,
        'poll lease held',
      );

      const signalled = Date.now();
      agent.child.kill('SIGTERM');
      await agent.waitForLog('"msg":"draining"');
      await sleep(1_000);
      // Still draining: alive (healthz), not ready (readyz), the job still waiting for the device.
      expect(agent.exited).toBe(false);
      expect((await agent.http('/healthz')).status).toBe(200);
      expect(await agent.http('/readyz')).toMatchObject({ status: 503 });
      expect(await queue.queue.getJobState(jobId)).toBe('active');

      process.kill(pid, 'SIGCONT');
      expect(await agent.waitForExit(SHUTDOWN_S * 1000)).toBe(0);
      const tookMs = Date.now() - signalled;
      expect(tookMs).toBeLessThan(SHUTDOWN_S * 1000);

      // The job finished during the drain and its event is in the stream, not left in the spill.
      expect((await queue.settle(jobId, 5_000)).state).toBe('completed');
      expect(
        (await events.all('hc-drain')).map((e) => `${e.type}:${(e.data as { jobId?: string }).jobId}`),
      ).toEqual(['provision.succeeded:warm-a', `provision.succeeded:${jobId}`]);
      expect(existsSync(spillFile) ? readFileSync(spillFile, 'utf8') : '').toBe('');
      expect((await readPort(device.info, PORTS[1]!))?.description).toBe('HC hc-drain drained a');
      // Polling stopped and was handed back at once (lease released, not left to expire).
      expect(await redis.exists(keys.pollLease(DEVICE))).toBe(0);
      expect(await redis.zcard(keys.replicas)).toBe(0);
      // Every step finished cleanly: NETCONF sessions closed, Redis quit.
      expect(agent.log()).not.toContain('did not finish cleanly');
      expect(agent.log()).toContain('"msg":"stopped"');
      const clients = await redis.client('LIST');
      expect(String(clients)).not.toContain(`name=dcagent-${prefix}`);
    } finally {
      process.kill(pid, 'SIGCONT');
      await queue.close();
      events.close();
    }
  });

  it('a second SIGTERM exits at once, non-zero', async () => {
    const prefix = `drainx${Date.now()}`;
    const { agent, queue } = start(prefix);
    try {
      await agent.waitForLog('dcagent running');
      await jobInFlight(queue, 'b');
      agent.child.kill('SIGTERM');
      await agent.waitForLog('"msg":"draining"');
      await sleep(500);
      expect(agent.exited).toBe(false);
      const second = Date.now();
      agent.child.kill('SIGTERM');
      const code = await agent.waitForExit(5_000);
      expect(code).not.toBe(0);
      expect(code).toBe(130);
      expect(Date.now() - second).toBeLessThan(2_000);
      expect(agent.log()).toContain('second SIGTERM, exiting at once');
    } finally {
      process.kill(pid, 'SIGCONT');
      await queue.close();
    }
  });
});
