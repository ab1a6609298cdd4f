import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fastAgentConfig, ietfDevice, RawQueue, readPort, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// A job still running when the drain deadline passes (issue 11 item 5). The drain closes the
// outbox, the device sessions and Redis under it; the job then fails, and that attempt's event
// must still exist: it goes to the spill file, and the next run delivers it before finishing
// the job. Before the fix the closed outbox threw and the event was lost.
//
// The job is held at `after-commit` (the port is changed on the device) until the drain is over.

const DEVICE = 'nc-deadline';
const PORT = 'XGE12/0/4';
const CONN = 'hc-deadline';
const COMMUNITY_ENV = 'DEADLINE_COMMUNITY';

describe('drain deadline with a job in flight', () => {
  const peers = inject('peers');
  const agents: AgentProcess[] = [];
  afterAll(async () => {
    for (const a of agents) if (!a.exited) await a.stop('SIGKILL');
  });

  it("keeps the attempt's event in the spill; the next run delivers it and finishes the job", async () => {
    const prefix = `deadline${Date.now()}`;
    const spillFile = `${peers.runDir}/${prefix}-spill.jsonl`;
    const releaseFile = `${peers.runDir}/${prefix}.release`;
    const configPath = writeAgentConfig(
      peers.runDir,
      fastAgentConfig({
        redisUrl: peers.redis.url,
        prefix,
        agentId: prefix,
        spillFile,
        agent: { shutdownTimeoutSeconds: 2 },
        devices: [
          ietfDevice(DEVICE, peers.netconf.ietf, peers, { ports: [PORT], communityEnv: COMMUNITY_ENV }),
        ],
      }),
    );
    const start = (env: Record<string, string> = {}) => {
      const a = AgentProcess.start(configPath, { [COMMUNITY_ENV]: 'agent-deadline', ...env });
      agents.push(a);
      return a;
    };
    const queue = new RawQueue(peers.redis.url, prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    try {
      const first = start({ DCAGENT_TEST_PAUSE_AT: 'after-commit', DCAGENT_TEST_PAUSE_UNTIL: releaseFile });
      await first.waitForLog('dcagent running');
      const jobId = `provision-${CONN}-1`;
      await queue.add(
        'provision',
        { schemaVersion: 1, connectionId: CONN, device: DEVICE, port: PORT },
        jobId,
      );
      await first.waitForLog('test fault: paused at after-commit');
      expect((await readPort(peers.netconf.ietf, PORT))?.description).toBe(`HC ${CONN}`);

      const exit = first.waitForExit(40_000);
      first.child.kill('SIGTERM');
      // The deadline passes with the job still held: the drain closes everything under it.
      await first.waitForLog('"msg":"stopped"');
      writeFileSync(releaseFile, '');
      expect(await exit).toBe(0);
      const spilled = existsSync(spillFile)
        ? readFileSync(spillFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => (JSON.parse(l) as { event: { type: string; data: Record<string, unknown> } }).event)
        : [];
      expect(spilled.map((e) => e.type)).toEqual(['provision.failed']);
      expect(spilled[0]?.data).toMatchObject({ jobId, retryable: true, final: false, attempt: 1 });
      expect(first.log()).toContain('outbox closed: event kept in the spill file for the next run');

      // The next run delivers the spilled event first, then finishes the job (the port already
      // holds the intent, so nothing is sent again).
      const second = start();
      const { state, job } = await queue.settle(jobId, 40_000);
      expect(state, job.failedReason).toBe('completed');
      const mine = await events.all(CONN);
      expect(mine.map((e) => e.type)).toEqual(['provision.failed', 'provision.succeeded']);
      expect(mine.map((e) => e.sequence)).toEqual([1, 2]);
      expect(mine[1]?.data).toMatchObject({ jobId, changed: false });
      expect(readFileSync(spillFile, 'utf8')).toBe('');
      expect(await second.stop('SIGTERM')).toBe(0);
    } finally {
      await queue.close();
      events.close();
    }
  });
});
