// `dcagent jobs` as an operator uses it: the built binary, an agent on the lab, and jobs added the
// way another team's control plane adds them (BullMQ's Queue, default options).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Agent } from '../../agent/app.js';
import { loadConfig } from '../../config/load.js';
import { type JobDetail, type JobView, jobDetailSchema, jobViewSchema } from '../../contract/cli-output.js';
import { silentLogger } from '../../core/logger.js';
import { type Lab, startLab } from '../../lab/index.js';
import { EventWatcher } from '../helpers/agent-proc.js';
import { runBinAsync } from '../helpers/cli.js';

describe('dcagent jobs (list, show, retry) against an agent on the lab', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-cli-jobs-'));
  const prefix = `clijobs${Date.now()}`;
  let lab: Lab;
  let agent: Agent;
  let config: string;
  let queue: Queue;
  let events: EventWatcher;

  beforeAll(async () => {
    config = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      configOut: config,
      secrets: 'files',
      redisUrl: peers.redis.url,
      controlPort: false,
      stateFile: join(dir, 'state.json'),
    });
    const doc = parse(readFileSync(config, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { id: 'cli-jobs', httpPort: 0, logLevel: 'silent' };
    doc.monitoring = { intervalSeconds: 3600 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(config, stringify(doc));
    agent = new Agent({ cfg: loadConfig({ path: config }), logger: silentLogger });
    await agent.start();
    queue = new Queue('dc-port-jobs', {
      connection: new Redis(peers.redis.url, { maxRetriesPerRequest: null }),
      prefix,
    });
    events = new EventWatcher(peers.redis.url, prefix);
  });

  afterAll(async () => {
    await agent?.stop();
    await queue?.close();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => runBinAsync([...args, '--config', config]);

  it('lists by state with the failed reason, shows attempts, and retries a failed job once more', async () => {
    const device = lab.devices[0]!;
    const port = device.ports[0]!.name;
    // BullMQ's defaults: no jobId (it numbers the job), no attempts.
    const good = await queue.add('provision', {
      schemaVersion: 1,
      connectionId: 'hc-jobs-ok',
      device: device.id,
      port,
    });
    const bad = await queue.add('provision', {
      schemaVersion: 1,
      connectionId: 'hc-jobs-bad',
      device: device.id,
      port: 'NoSuchPort9/9',
    });
    await events.waitFor('hc-jobs-ok', (e) => e.type === 'provision.succeeded', 30_000);
    await events.waitFor('hc-jobs-bad', (e) => e.type === 'provision.failed', 30_000);

    const all = await cli('jobs', '--json');
    expect(all.code, all.stderr).toBe(0);
    const views = (JSON.parse(all.stdout) as unknown[]).map((v) => jobViewSchema.parse(v)) as JobView[];
    const byId = new Map(views.map((v) => [v.id, v]));
    expect(byId.get(String(good.id))).toMatchObject({
      state: 'completed',
      connectionId: 'hc-jobs-ok',
      attemptsMade: 1,
      attemptsMax: 1,
      failedReason: null,
    });
    expect(byId.get(String(bad.id))).toMatchObject({ state: 'failed', connectionId: 'hc-jobs-bad' });
    expect(byId.get(String(bad.id))?.failedReason).toMatch(/^unknown-port: /);

    const failedOnly = await cli('jobs', '--state', 'failed');
    expect(failedOnly.code, failedOnly.stderr).toBe(0);
    const rows = failedOnly.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^ID\s+NAME\s+STATE/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([String(bad.id)]);
    expect(rows[1]).toContain('unknown-port');

    const show = await cli('jobs', 'show', String(bad.id), '--json');
    expect(show.code, show.stderr).toBe(0);
    const detail = jobDetailSchema.parse(JSON.parse(show.stdout)) as JobDetail;
    expect(detail).toMatchObject({ state: 'failed', attemptsMade: 1, attemptsMax: 1 });
    expect(detail.data).toMatchObject({ port: 'NoSuchPort9/9' });
    const human = await cli('jobs', 'show', String(bad.id));
    expect(human.stdout).toMatch(/^attempts {4}1 of 1$/m);
    expect(human.stdout).toMatch(/^reason {6}unknown-port: /m);

    // Only a failed job can be retried; a completed one is refused and left alone.
    const refused = await cli('jobs', 'retry', String(good.id));
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `dcagent: job ${good.id} is completed, not failed: only a failed job can be retried`,
    );

    const retried = await cli('jobs', 'retry', String(bad.id));
    expect(retried.code, retried.stderr).toBe(0);
    // The second attempt fails the same way and the control plane hears it: a new event, attempt 2.
    const second = await events.waitFor(
      'hc-jobs-bad',
      (e) => e.type === 'provision.failed' && (e.data as { attempt: number }).attempt === 2,
      30_000,
    );
    expect(second.data).toMatchObject({ code: 'unknown-port', final: true });
    const failures = (await events.all('hc-jobs-bad')).filter((e) => e.type === 'provision.failed');
    expect(new Set(failures.map((e) => e.id)).size).toBe(2);
    const after = jobDetailSchema.parse(
      JSON.parse((await cli('jobs', 'show', String(bad.id), '--json')).stdout),
    );
    expect(after).toMatchObject({ state: 'failed', attemptsMade: 2 });
  });

  it('an unknown job id or state is bad usage (exit 2, one line); nothing listed is "(no jobs)"', async () => {
    const missing = await cli('jobs', 'show', 'no-such-job');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([
      'dcagent: no job no-such-job in queue dc-port-jobs (never added, or removed by its removeOnComplete/removeOnFail)',
    ]);
    const badState = await cli('jobs', '--state', 'stuck');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/^dcagent: --state\[0\]: /);
    const none = await cli('jobs', '--state', 'delayed');
    expect(none.code).toBe(0);
    expect(none.stdout.trim()).toBe('(no jobs)');
  });
});
