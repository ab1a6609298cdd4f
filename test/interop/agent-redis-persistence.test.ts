// Issue 11 item 13 (in part): a Redis that keeps nothing across a restart loses every intent and
// tracking record (docs/operations.md). The agent says so at start-up and in /readyz, without
// refusing to run; a Redis with an append-only file gets no such warning.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fastAgentConfig, ietfDevice, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess } from '../helpers/agent-proc.js';
import { RestartableRedis } from '../helpers/redis.js';

const WARNING = 'Redis has no persistence';

describe('start-up warning when Redis has no persistence', () => {
  const peers = inject('peers');
  const started: AgentProcess[] = [];
  let persistent: RestartableRedis | undefined;

  afterAll(async () => {
    for (const a of started) if (!a.exited) await a.stop('SIGKILL');
    await persistent?.down();
  });

  const run = async (redisUrl: string, id: string) => {
    const agent = AgentProcess.start(
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl,
          prefix: `persist${Date.now()}`,
          agentId: id,
          spillFile: `${peers.runDir}/${id}-${Date.now()}-spill.jsonl`,
          devices: [
            ietfDevice('persist-sw', peers.netconf.ietf, peers, {
              ports: ['XGE9/0/1'],
              communityEnv: 'PERSIST_COMMUNITY',
            }),
          ],
        }),
      ),
      { PERSIST_COMMUNITY: 'agent-persist' },
    );
    started.push(agent);
    await agent.waitForLog('dcagent running', 30_000);
    const readyz = await agent.http('/readyz');
    return {
      agent,
      readyz: { status: readyz.status, body: JSON.parse(readyz.body) as { warnings: string[] } },
    };
  };

  it('appendonly no and no save rule: a warning in the log and in /readyz, still ready', async () => {
    // The rig's Redis runs with --save "" --appendonly no.
    const { agent, readyz } = await run(peers.redis.url, 'persist-none');
    expect(agent.count(WARNING)).toBe(1);
    expect(readyz.status).toBe(200);
    expect(readyz.body.warnings).toEqual([expect.stringContaining(WARNING)]);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('with an append-only file: no warning', async () => {
    persistent = await RestartableRedis.start(peers.runDir, { persist: true });
    const { agent, readyz } = await run(persistent.url, 'persist-aof');
    expect(agent.count(WARNING)).toBe(0);
    expect(readyz.status).toBe(200);
    expect(readyz.body.warnings).toEqual([]);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});
