import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import type { LabOptions } from '../../lab/options.js';
import { AgentProcess, EventWatcher } from './agent-proc.js';

/**
 * A lab and one `dcagent run` on its config, with the test's own key prefix, a queue and an event
 * watcher: the set-up most lab interop tests share. `tune` edits the config document before the
 * agent starts.
 */
export interface LabAgent {
  lab: Lab;
  agent: AgentProcess;
  events: EventWatcher;
  queue: Queue;
  dir: string;
  configPath: string;
  prefix: string;
  provision(connectionId: string, port: string, description?: string): Promise<string>;
  stop(): Promise<number | string>;
}

export async function startLabAgent(o: {
  redisUrl: string;
  name: string;
  lab: Omit<LabOptions, 'configOut' | 'redisUrl' | 'secrets'>;
  tune?: (doc: Record<string, Record<string, unknown>>, dir: string) => void;
}): Promise<LabAgent> {
  const prefix = `${o.name}${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), `dcagent-${o.name}-`));
  const configPath = join(dir, 'agent.yaml');
  const lab = await startLab({ ...o.lab, configOut: configPath, secrets: 'files', redisUrl: o.redisUrl });
  const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  doc.redis = { ...doc.redis, prefix };
  doc.agent = { ...doc.agent, id: `${o.name}-agent`, httpPort: 0, shutdownTimeoutSeconds: 10 };
  doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
  doc.queues = { attempts: 3, backoffMs: 200 };
  doc.events = { spillFile: join(dir, 'spill.jsonl') };
  o.tune?.(doc, dir);
  writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  const agent = AgentProcess.start(configPath);
  try {
    await agent.waitForLog('dcagent running', 30_000);
  } catch (err) {
    await agent.stop('SIGKILL').catch(() => {});
    await lab.stop();
    throw err;
  }
  const events = new EventWatcher(o.redisUrl, prefix);
  const queueRedis = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  const device = lab.devices[0]!;
  return {
    lab,
    agent,
    events,
    queue,
    dir,
    configPath,
    prefix,
    provision: (connectionId, port, description) =>
      enqueueJob(
        queue,
        'provision',
        {
          schemaVersion: 1,
          connectionId,
          device: device.id,
          port,
          ...(description ? { description } : {}),
        },
        `provision-${connectionId}-1`,
      ),
    async stop() {
      const code = await agent.stop('SIGTERM');
      await queue.close();
      queueRedis.disconnect();
      events.close();
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
