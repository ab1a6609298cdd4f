import { afterAll, describe, expect, inject, it } from 'vitest';
import { type RunningNetconf, startNetconf } from '../../testkit/peers/netconf.js';
import { fastAgentConfig, ietfDevice, RawQueue, readPort, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// A NETCONF lock held by a frozen agent host (issue 11 item 11). Replica A takes the job, locks
// netconfd's candidate and is then frozen (SIGSTOP) mid-transaction: its TCP connection stays up,
// so netconfd keeps its session and the lock. A's device lease and BullMQ job lock lapse, and
// replica B takes the job over. B's lock is denied naming A's session; B's records say that
// session ran under a device lease A no longer holds, so B kills it (<kill-session>) and
// completes the job. Before the fix B got lock-denied on every attempt until the job failed.

const DEVICE = 'nc-stale-lock';
const PORT = 'XGE13/0/1';
const CONN = 'hc-stale-lock';
const COMMUNITY_ENV = 'STALE_COMMUNITY';

describe('a candidate lock held by a frozen agent', () => {
  const peers = inject('peers');
  const agents: AgentProcess[] = [];
  let device: RunningNetconf | undefined;
  afterAll(async () => {
    for (const a of agents) {
      if (a.exited) continue;
      process.kill(a.pid, 'SIGCONT');
      await a.stop('SIGKILL');
    }
    await device?.stop();
  });

  it('is cleared by the replica that holds the device lease now, which completes the job', async () => {
    device = await startNetconf(peers.runDir, { name: 'stale-lock', modules: peers.netconf.ietf.modules });
    const prefix = `stalelock${Date.now()}`;
    const config = (id: string) =>
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix,
          agentId: id,
          spillFile: `${peers.runDir}/${prefix}-${id}-spill.jsonl`,
          devices: [ietfDevice(DEVICE, device!.info, peers, { ports: [PORT], communityEnv: COMMUNITY_ENV })],
        }),
      );
    const start = (id: string, env: Record<string, string> = {}) => {
      const a = AgentProcess.start(config(id), { [COMMUNITY_ENV]: 'agent-stale', ...env });
      agents.push(a);
      return a;
    };
    const queue = new RawQueue(peers.redis.url, prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    try {
      const frozen = start('stale-a', { DCAGENT_TEST_PAUSE_AT: 'before-commit' });
      await frozen.waitForLog('dcagent running');
      const jobId = `provision-${CONN}-1`;
      await queue.add(
        'provision',
        { schemaVersion: 1, connectionId: CONN, device: DEVICE, port: PORT },
        jobId,
      );
      // A holds the candidate lock here (the edit is in the candidate, nothing committed).
      await frozen.waitForLog('test fault: paused at before-commit');
      const heir = start('stale-b');
      await heir.waitForLog('dcagent running');
      process.kill(frozen.pid, 'SIGSTOP');

      const { state, job } = await queue.settle(jobId, 45_000);
      expect(state, job.failedReason).toBe('completed');
      expect(heir.log()).toContain('killing that session');
      expect(heir.log()).toContain('"msg":"provisioned"');

      const mine = await events.all(CONN);
      expect(mine.filter((e) => e.type === 'provision.succeeded').map((e) => e.id)).toEqual([
        `${jobId}:provision.succeeded`,
      ]);
      expect(
        mine.filter((e) => e.type === 'provision.failed' && (e.data as { final?: boolean }).final === true),
      ).toEqual([]);
      expect((await readPort(device.info, PORT))?.description).toBe(`HC ${CONN}`);
      expect(await heir.stop('SIGTERM')).toBe(0);
    } finally {
      await queue.close();
      events.close();
    }
  });
});
