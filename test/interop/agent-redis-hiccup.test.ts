import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisKeys } from '../../core/redis-keys.js';
import { startNetconf } from '../../testkit/peers/netconf.js';
import {
  fastAgentConfig,
  ietfDevice,
  RawQueue,
  readPort,
  sleep,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';
import { RestartableRedis } from '../helpers/redis.js';

// A Redis hiccup while a provision sits inside its NETCONF transaction (CONTRACT §4, issue 11
// item 1). The device is changed by then; what follows the transaction (tracking the connection,
// releasing the lease) needs Redis, through a client that fails fast instead of queueing. That
// failure must be a retryable `backend-unavailable`, so the next attempt (which finds the port
// already right and sends nothing) finishes the job: one provision.succeeded, the connection
// tracked, and construction.completed once light comes. Before the fix it was a final
// `rpc-error`: the port configured, nobody watching it.
//
// The job is held at `after-commit` (the change is committed and read back) by the test pause
// hook until the test has broken Redis, then let go. Each case has its own Redis (kept on disk,
// so the queue survives the stop), netconfd and agent, so the two run side by side.

const DEVICE = 'nc-hiccup';
const COMMUNITY_ENV = 'HICCUP_COMMUNITY';
const COMMUNITY = 'agent-hiccup';

interface Case {
  name: string;
  port: string;
  ifIndex: number;
  conn: string;
  /** Breaks Redis while the job is paused, lets the job go on, and mends Redis. */
  hiccup(redis: RestartableRedis, release: () => void): Promise<void>;
  /** Whether the fault is sure to hit the job's next Redis step (else it may race the reconnect). */
  certain: boolean;
}

const CASES: Case[] = [
  {
    name: 'every client connection dropped (CLIENT KILL TYPE normal)',
    port: 'XGE11/0/1',
    ifIndex: 63101,
    conn: 'hc-hiccup-kill',
    certain: false,
    async hiccup(redis, release) {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 2 });
      try {
        // SKIPME is the default: the test's own connection survives its command.
        const killed = Number(await admin.client('KILL', 'TYPE', 'normal'));
        expect(killed).toBeGreaterThan(0);
        release();
      } finally {
        admin.disconnect();
      }
    },
  },
  {
    name: 'Redis stopped for 5 s',
    port: 'XGE11/0/2',
    ifIndex: 63102,
    conn: 'hc-hiccup-stop',
    certain: true,
    async hiccup(redis, release) {
      await redis.down();
      const downAt = Date.now();
      release();
      await sleep(Math.max(0, downAt + 5_000 - Date.now()));
      await redis.up();
    },
  },
];

describe.concurrent('a Redis hiccup inside a job: the job still completes, once', () => {
  const peers = inject('peers');
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const prefix = `hiccup${c.ifIndex}`;
      const redis = await RestartableRedis.start(peers.runDir, { persist: true });
      const device = await startNetconf(peers.runDir, {
        name: `hiccup-${c.ifIndex}`,
        modules: peers.netconf.ietf.modules,
      });
      const physics = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, COMMUNITY), c.ifIndex);
      const releaseFile = `${peers.runDir}/${prefix}-${Date.now()}.release`;
      const configPath = writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: redis.url,
          prefix,
          agentId: prefix,
          spillFile: `${peers.runDir}/${prefix}-${Date.now()}-spill.jsonl`,
          devices: [ietfDevice(DEVICE, device.info, peers, { ports: [c.port], communityEnv: COMMUNITY_ENV })],
        }),
      );
      const agent = AgentProcess.start(configPath, {
        [COMMUNITY_ENV]: COMMUNITY,
        DCAGENT_TEST_PAUSE_AT: 'after-commit',
        DCAGENT_TEST_PAUSE_UNTIL: releaseFile,
      });
      const queue = new RawQueue(redis.url, prefix);
      // BullMQ reports each refused reconnect while Redis is down on purpose.
      queue.queue.on('error', () => {});
      const events = new EventWatcher(redis.url, prefix);
      const reader = new Redis(redis.url, { maxRetriesPerRequest: 2 });
      reader.on('error', () => {});
      cleanup.push(async () => {
        if (!agent.exited) await agent.stop('SIGKILL');
        await queue.close();
        events.close();
        reader.disconnect();
        await redis.down();
        await device.stop();
        await physics.dark();
      });

      await agent.waitForLog('dcagent running');
      const jobId = `provision-${c.conn}-1`;
      await queue.add(
        'provision',
        { schemaVersion: 1, connectionId: c.conn, device: DEVICE, port: c.port },
        jobId,
      );
      await agent.waitForLog('test fault: paused at after-commit');
      // The device holds the change before Redis breaks: from here on a final failure would lie.
      expect((await readPort(device.info, c.port))?.description).toBe(`HC ${c.conn}`);

      await c.hiccup(redis, () => writeFileSync(releaseFile, ''));

      const { state, job } = await queue.settle(jobId, 45_000);
      expect(state, job.failedReason).toBe('completed');
      const keys = new RedisKeys(prefix, 'events');
      expect(await reader.sismember(keys.trackedConnections, c.conn)).toBe(1);

      await physics.up(-2.5, -1.8);
      await events.waitFor(c.conn, (e) => e.type === 'construction.completed');

      const mine = await events.all(c.conn);
      expect(mine.filter((e) => e.type === 'provision.succeeded').map((e) => e.id)).toEqual([
        `${jobId}:provision.succeeded`,
      ]);
      expect(mine.filter((e) => e.type === 'construction.completed')).toHaveLength(1);
      const failed = mine.filter((e) => e.type === 'provision.failed');
      // Any attempt that failed on the way did so retryably, and none was the last word.
      for (const f of failed) expect(f.data).toMatchObject({ retryable: true, final: false });
      if (c.certain) {
        expect(failed.map((f) => (f.data as { code: string }).code)).toContain('backend-unavailable');
      }
      expect(mine.map((e) => e.sequence)).toEqual(mine.map((_, i) => i + 1));
      expect((await readPort(device.info, c.port))?.description).toBe(`HC ${c.conn}`);
      expect(await agent.stop('SIGTERM')).toBe(0);
    });
  }
});
