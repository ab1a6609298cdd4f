import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CLOSED_TCP_PORT, freeTcpPort, LOOPBACK } from '../../testkit/peers/process.js';
import { fastAgentConfig, ietfDevice, RawQueue, readPort, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// Start-up and signals of `dcagent run`, on the built binary (issue 11 item 4):
// - a taken HTTP port ends the process with exit 1 before it takes any job;
// - SIGTERM while it is still starting ends it (no worker left running behind a stopped agent);
// - SIGHUP reloads the config (CONTRACT §6): a job in flight finishes and the agent keeps running
//   (agent-config-reload.test.ts covers what a reload changes).

const DEVICE = 'nc-signals';
const COMMUNITY_ENV = 'SIGNALS_COMMUNITY';

describe.concurrent('dcagent run: start-up and signals', () => {
  const peers = inject('peers');
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  const config = (
    prefix: string,
    o: { port: string; redisUrl?: string; agent?: Record<string, unknown> },
  ) => {
    const base = fastAgentConfig({
      redisUrl: o.redisUrl ?? peers.redis.url,
      prefix,
      agentId: prefix,
      spillFile: `${peers.runDir}/${prefix}-spill.jsonl`,
      devices: [
        ietfDevice(DEVICE, peers.netconf.ietf, peers, { ports: [o.port], communityEnv: COMMUNITY_ENV }),
      ],
      ...(o.agent ? { agent: o.agent } : {}),
    });
    return writeAgentConfig(peers.runDir, base);
  };
  const start = (configPath: string, env: Record<string, string> = {}) => {
    const a = AgentProcess.start(configPath, { [COMMUNITY_ENV]: 'agent-signals', ...env });
    cleanup.push(async () => {
      if (!a.exited) await a.stop('SIGKILL');
    });
    return a;
  };

  it('HTTP port taken: exits 1 before taking any job', async () => {
    const prefix = `sigport${Date.now()}`;
    const httpPort = await freeTcpPort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(httpPort, LOOPBACK, () => r()));
    cleanup.push(() => new Promise<void>((r) => squatter.close(() => r())));
    const queue = new RawQueue(peers.redis.url, prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    cleanup.push(async () => {
      await queue.close();
      events.close();
    });
    // A job waits before the agent starts: a worker started ahead of the HTTP server would take it.
    const jobId = 'provision-hc-sigport-1';
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: 'hc-sigport', device: DEVICE, port: 'XGE12/0/1' },
      jobId,
    );

    const agent = start(config(prefix, { port: 'XGE12/0/1', agent: { httpPort, httpHost: LOOPBACK } }));
    expect(await agent.waitForExit(30_000)).toBe(1);
    expect(agent.log()).toContain('EADDRINUSE');
    expect(agent.log()).not.toContain('dcagent running');
    expect(await queue.queue.getJobState(jobId)).toBe('waiting');
    expect(await events.all()).toEqual([]);
    expect(await readPort(peers.netconf.ietf, 'XGE12/0/1')).toBeUndefined();
  });

  it('SIGTERM during start-up: the process ends, nothing was started', async () => {
    const prefix = `sigstart${Date.now()}`;
    // Nothing listens there: start-up waits connectTimeoutMs for Redis, and the signal lands meanwhile.
    const deadRedis = `redis://${LOOPBACK}:${CLOSED_TCP_PORT}`;
    const path = config(prefix, { port: 'XGE12/0/2', redisUrl: deadRedis });
    const agent = start(path);
    await agent.waitForLog('dcagent starting');
    expect(await agent.stop('SIGTERM', 40_000)).toBe(0);
    expect(agent.log()).not.toContain('dcagent running');
    expect(agent.log()).toContain('"msg":"stopped"');
  });

  it('SIGHUP reloads instead of draining: the job in flight finishes, the agent keeps running', async () => {
    const prefix = `sighup${Date.now()}`;
    const port = 'XGE12/0/3';
    const conn = 'hc-sighup';
    const releaseFile = `${peers.runDir}/${prefix}.release`;
    const queue = new RawQueue(peers.redis.url, prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    cleanup.push(async () => {
      await queue.close();
      events.close();
    });
    const agent = start(config(prefix, { port }), {
      DCAGENT_TEST_PAUSE_AT: 'before-commit',
      DCAGENT_TEST_PAUSE_UNTIL: releaseFile,
    });
    await agent.waitForLog('dcagent running');
    const jobId = `provision-${conn}-1`;
    await queue.add('provision', { schemaVersion: 1, connectionId: conn, device: DEVICE, port }, jobId);
    await agent.waitForLog('test fault: paused at before-commit');

    agent.child.kill('SIGHUP');
    await agent.waitForLog('config reloaded: no change');
    writeFileSync(releaseFile, '');
    const succeeded = await events.waitFor(conn, (e) => e.type === 'provision.succeeded', 30_000);
    expect(succeeded.id).toBe(`${jobId}:provision.succeeded`);
    expect(await queue.queue.getJobState(jobId)).toBe('completed');
    expect((await readPort(peers.netconf.ietf, port))?.description).toBe(`HC ${conn}`);
    expect(agent.exited).toBe(false);
    expect(agent.log()).not.toContain('"msg":"draining"');
    expect(await agent.stop('SIGTERM', 40_000)).toBe(0);
  });
});
