import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisKeys } from '../../core/redis-keys.js';
import { holdLock } from '../../testkit/peers/ncclient.js';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import { fastAgentConfig, ietfDevice, RawQueue, readPort, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// SIGKILL in the middle of a provision, at the three points where a half-done change could be
// left behind, then a fresh `dcagent run` on the same config. What makes recovery work:
// - BullMQ: the dead worker stops renewing the job's lock, so after `stalledSeconds` the job goes
//   back to wait and the new agent runs it again (same jobId, so the same event ids).
// - our device lease lapses after `deviceLockLeaseMs`, so the re-run is not locked out.
// - netconfd (RFC 6241 §8.4.1, §7.5): when the session that made a confirmed commit dies, running
//   is restored at once; a dead session's candidate lock is released and its edits discarded.
// - the transaction is idempotent: it reads running first and sends nothing when it already matches.
// The three points run side by side, each with its own netconfd, queue and agents, because the
// waits are stall timers, not work.

const DEVICE = 'nc-crash';
const COMMUNITY_ENV = 'CRASH_COMMUNITY';
const POINTS = [
  { point: 'before-commit', port: 'XGE6/0/1', conn: 'hc-crash-1', changedOnRerun: true },
  { point: 'after-confirmed-commit', port: 'XGE6/0/2', conn: 'hc-crash-2', changedOnRerun: true },
  { point: 'after-commit', port: 'XGE6/0/3', conn: 'hc-crash-3', changedOnRerun: false },
] as const;

describe.concurrent('SIGKILL mid-provision: a restarted agent completes the job, the port holds exactly the intent', () => {
  const peers = inject('peers');
  const started: RunningNetconf[] = [];
  const devices = new Map<string, NetconfPeerInfo>();
  const agents: AgentProcess[] = [];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(peers.redis.url);
    // The shared ietf instance carries the first point; two private ones the others.
    devices.set(POINTS[0].point, peers.netconf.ietf);
    const more = await Promise.all(
      POINTS.slice(1).map((p) =>
        startNetconf(peers.runDir, { name: `crash-${p.point}`, modules: peers.netconf.ietf.modules }),
      ),
    );
    more.forEach((nc, i) => {
      started.push(nc);
      devices.set(POINTS[i + 1]!.point, nc.info);
    });
  });

  afterAll(async () => {
    for (const a of agents) if (!a.exited) await a.stop('SIGKILL');
    await Promise.all(started.map((s) => s.stop()));
    redis?.disconnect();
  });

  for (const { point, port, conn, changedOnRerun } of POINTS) {
    it(`at ${point}`, async () => {
      const nc = devices.get(point)!;
      const prefix = `crash${Date.now()}${POINTS.findIndex((p) => p.point === point)}`;
      const keys = new RedisKeys(prefix, 'events');
      const configPath = writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix,
          agentId: `crash-${point}`,
          spillFile: `${peers.runDir}/${prefix}-spill.jsonl`,
          devices: [ietfDevice(DEVICE, nc, peers, { ports: [port], communityEnv: COMMUNITY_ENV })],
        }),
      );
      const start = (env: Record<string, string> = {}) => {
        const a = AgentProcess.start(configPath, { [COMMUNITY_ENV]: 'agent-crash', ...env });
        agents.push(a);
        return a;
      };
      const queue = new RawQueue(peers.redis.url, prefix);
      const events = new EventWatcher(peers.redis.url, prefix);
      try {
        const jobId = `provision-${conn}-1`;
        const description = `crash at ${point}`;
        const intended = `HC ${conn} ${description}`;

        const doomed = start({ DCAGENT_TEST_PAUSE_AT: point });
        await doomed.waitForLog('dcagent running');
        await queue.add(
          'provision',
          { schemaVersion: 1, connectionId: conn, device: DEVICE, port, description },
          jobId,
        );
        await doomed.waitForLog(`test fault: paused at ${point}`);

        // Where the transaction stands at the kill, as an independent client sees it.
        if (point === 'before-commit') {
          expect((await readPort(nc, port, 'candidate'))?.description).toBe(intended);
          expect((await readPort(nc, port))?.description).toBeUndefined();
        } else {
          expect((await readPort(nc, port))?.description).toBe(intended);
        }

        expect(await doomed.stop('SIGKILL')).toBe('SIGKILL');

        // Before any agent runs again the device has cleaned up by itself; for the confirmed commit
        // that is the session's end, long before confirmTimeoutSeconds (120) could have done it.
        const leftOver = point === 'after-commit' ? intended : undefined;
        await expect
          .poll(async () => (await readPort(nc, port))?.description, { timeout: 5_000, interval: 100 })
          .toBe(leftOver);
        expect((await readPort(nc, port, 'candidate'))?.description).toBe(leftOver);

        const heir = start();
        // Stall detection (stalledSeconds 4, plus up to two stall checks) and the device lease
        // (3 s) hand the job to the new agent in about 11 s on an idle machine; the deadline
        // leaves room for a loaded one, and a job nobody takes back never settles.
        const { state, job } = await queue.settle(jobId, 40_000);
        expect(state, job.failedReason).toBe('completed');

        // The device holds exactly the intent: running and candidate agree, nothing half-changed.
        const after = await readPort(nc, port);
        expect(after).toMatchObject({ description: intended, enabled: 'true' });
        expect(after?.type).toMatch(/ethernetCsmacd$/);
        expect((await readPort(nc, port, 'candidate'))?.xml).toBe(after?.xml);
        // No lock left behind on the device (another session takes and gives back the candidate
        // lock), nor in Redis.
        const probe = holdLock(nc, 0);
        await probe.locked;
        expect(await probe.done).toBe(0);
        expect(await redis.exists(keys.deviceLock(DEVICE))).toBe(0);

        // One provision.succeeded for this job, no failure, and a contiguous sequence.
        const mine = await events.all(conn);
        const succeeded = mine.filter((e) => e.type === 'provision.succeeded');
        expect(succeeded.map((e) => e.id)).toEqual([`${jobId}:provision.succeeded`]);
        expect(succeeded[0]?.data).toMatchObject({
          jobId,
          verified: true,
          description: intended,
          changed: changedOnRerun,
        });
        expect(mine.filter((e) => e.type.endsWith('.failed'))).toEqual([]);
        expect(mine.map((e) => e.sequence)).toEqual(mine.map((_, i) => i + 1));
        // The heir did the work; the dead agent never got that far.
        expect(heir.log()).toContain('"msg":"provisioned"');
        expect(doomed.log()).not.toContain('"msg":"provisioned"');

        expect(await heir.stop('SIGTERM')).toBe(0);
      } finally {
        await queue.close();
        events.close();
      }
    });
  }
});
