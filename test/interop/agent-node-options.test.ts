// Decision 0013: the agent's node options reach it on every start path that runs the launcher
// itself, and an agent started without them says so once, naming what it lacks.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AGENT_NODE_FLAGS } from '../../agent/node-flags.js';
import { fastAgentConfig, writeAgentConfig } from '../helpers/agent-env.js';
import { AgentProcess } from '../helpers/agent-proc.js';

const WARNING = "node is not running with the agent's options";

describe('the agent node options', () => {
  const peers = inject('peers');
  const started: AgentProcess[] = [];
  afterAll(async () => {
    for (const a of started) if (!a.exited) await a.stop('SIGKILL');
  });

  const start = async (launch: 'launcher' | 'npx' | 'plain-node') => {
    const id = `node-options-${launch}`;
    const agent = AgentProcess.start(
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix: `nodeopts${Date.now()}`,
          agentId: id,
          spillFile: `${peers.runDir}/${id}-${Date.now()}-spill.jsonl`,
          devices: [],
        }),
      ),
      {},
      [],
      launch,
    );
    started.push(agent);
    // npx adds npm's own start-up, seconds on a loaded machine.
    await agent.waitForLog('dcagent running', 60_000);
    return agent;
  };

  it('bin/dcagent.js run, executed itself: the shebang gives node the options; no warning', async () => {
    const agent = await start('launcher');
    expect(agent.count(WARNING)).toBe(0);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('npx dcagent run (CONTRACT §2): the options reach the agent too; no warning', async () => {
    // npm's start-up alone takes seconds on a loaded machine; the agent's own start is the same.
    const agent = await start('npx');
    expect(agent.count(WARNING)).toBe(0);
    // npm does not pass SIGTERM on to the agent: signal every process started with this config
    // (npm and the agent's node), and wait for the agent's own drain, so nothing is left running.
    spawnSync('pkill', ['-TERM', '-f', '--', agent.configPath]);
    await agent.waitForLog('"msg":"stopped"', 30_000);
  }, 90_000);

  it('node bin/dcagent.js run: one warning that names each missing option, and the agent runs', async () => {
    const agent = await start('plain-node');
    expect(agent.count(WARNING)).toBe(1);
    const line = agent
      .log()
      .split('\n')
      .find((l) => l.includes(WARNING));
    expect(JSON.parse(line ?? '{}').missing).toEqual([...AGENT_NODE_FLAGS]);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});
