// bench:jobs — end-to-end provisioning throughput and the agent's CPU per job.
//
//   npm run bench:jobs [-- --jobs 1000 --devices 100 --concurrency 16]
//
// A private Redis, the device lab (in this process) with `devices` switches, and one
// `dcagent run` child on the lab's generated config. `jobs` provision jobs (distinct connections,
// spread evenly over the switches' ports) go on the queue at once; the clock runs from the first
// add to the last completion. Agent CPU is the child's user+system time over that window, read
// from /proc, so the lab's and Redis's work is not counted. Monitoring is set to a long interval
// so the figure is the cost of jobs, not of polling the ports they bring under watch.
//
// The last line is one JSON object:
// {"bench":"jobs","jobs":…,"devices":…,"jobsPerSec":…,"agentCpuMsPerJob":…,"failed":…}

import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { AGENT_NODE_FLAGS } from '../agent/node-flags.js';
import { startLab } from '../lab/index.js';
import { freePort, startPrivateRedis } from '../tools/demo/redis-server.js';
import { spawnOwned } from './owned-child.js';
import { cpuMs } from './proc-cpu.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '1000' },
    devices: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
  },
});
const JOBS = Number(values.jobs);
const DEVICES = Number(values.devices);
const PORTS = Math.ceil(JOBS / DEVICES);
const ROOT = resolve(import.meta.dirname, '..');

const redis = await startPrivateRedis();
const dir = mkdtempSync(join(tmpdir(), 'dcagent-bench-jobs-'));
const configPath = join(dir, 'agent.yaml');
const tLab = Date.now();
const lab = await startLab({
  devices: DEVICES,
  ports: PORTS,
  configOut: configPath,
  secrets: 'files',
  redisUrl: redis.url,
  controlPort: false,
});
console.log(`lab: ${DEVICES} switches × ${PORTS} ports in ${Date.now() - tLab} ms`);

const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
doc.agent = {
  id: 'bench-agent',
  concurrency: Number(values.concurrency),
  httpPort: await freePort(),
  logLevel: 'warn',
};
doc.monitoring = { ...doc.monitoring, intervalSeconds: 3600 };
doc.queues = { attempts: 3, backoffMs: 200, keepCompletedSeconds: 3600 };
doc.events = { spillFile: join(dir, 'spill.jsonl') };
writeFileSync(configPath, stringify(doc, { lineWidth: 0 }));

const log = openSync(join(dir, 'agent.log'), 'a');
const agent = spawnOwned(
  process.execPath,
  [...AGENT_NODE_FLAGS, join(ROOT, 'bin/dcagent.js'), 'run', '--config', configPath],
  {
    cwd: ROOT,
    stdio: ['ignore', log, log],
  },
);
const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
const queue = new Queue('dc-port-jobs', { connection, prefix: 'dcagent' });

let failed = 0;
try {
  const readyBy = Date.now() + 30_000;
  while ((await queue.getWorkers()).length === 0) {
    if (Date.now() > readyBy || agent.exitCode !== null)
      throw new Error(`agent did not start; see ${join(dir, 'agent.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const jobs = lab.devices
    .flatMap((d) => d.ports.map((p) => ({ device: d.id, port: p.name })))
    .slice(0, JOBS);
  const cpu0 = cpuMs(agent.pid as number);
  const t0 = performance.now();
  await queue.addBulk(
    jobs.map((j, i) => {
      const connectionId = `hc-bench-${String(i).padStart(5, '0')}`;
      return {
        name: 'provision',
        data: { schemaVersion: 1, connectionId, device: j.device, port: j.port, description: `bench ${i}` },
        opts: { jobId: `provision-${connectionId}-1` },
      };
    }),
  );
  for (;;) {
    const c = await queue.getJobCounts('completed', 'failed');
    failed = c.failed ?? 0;
    if ((c.completed ?? 0) + failed >= jobs.length) break;
    if (agent.exitCode !== null) throw new Error('agent exited during the run');
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuMs(agent.pid as number) - cpu0;
  const jobsPerSec = jobs.length / seconds;
  const agentCpuMsPerJob = cpu / jobs.length;
  console.log(
    `${jobs.length} jobs in ${seconds.toFixed(2)} s: ${jobsPerSec.toFixed(1)} jobs/s, agent CPU ${cpu.toFixed(0)} ms = ${agentCpuMsPerJob.toFixed(2)} ms/job (target ≤ 5), failed ${failed}`,
  );
  console.log(
    JSON.stringify({
      bench: 'jobs',
      jobs: jobs.length,
      devices: DEVICES,
      jobsPerSec: Number(jobsPerSec.toFixed(1)),
      agentCpuMsPerJob: Number(agentCpuMsPerJob.toFixed(2)),
      failed,
    }),
  );
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => (agent.exitCode !== null ? r(null) : agent.once('exit', r)));
  await queue.close();
  connection.disconnect();
  await lab.stop();
  await redis.stop();
}
process.exitCode = failed === 0 ? 0 : 1;
