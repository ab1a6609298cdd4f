import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Agent } from '../../agent/app.js';
import { loadConfig } from '../../config/load.js';
import { silentLogger } from '../../core/logger.js';
import { type Lab, startLab } from '../../lab/index.js';
import { BIN, ROOT, runBinAsync } from '../helpers/cli.js';

// `dcagent enqueue … --wait` and `dcagent events` as an operator runs them: the built binary,
// against an agent working on a lab switch.
describe('dcagent enqueue and events (the built binary)', () => {
  let lab: Lab;
  let agent: Agent;
  let config: string;
  let device: string;
  let ports: string[];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcagent-cli-flow-'));
    config = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 3,
      configOut: config,
      secrets: 'files',
      redisUrl: inject('peers').redis.url,
      controlPort: false,
    });
    const doc = parse(readFileSync(config, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix: `cliflow${Date.now()}` };
    doc.agent = { id: 'cli-flow', httpPort: 0, logLevel: 'silent' };
    doc.monitoring = { intervalSeconds: 3600 };
    doc.queues = { attempts: 1 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(config, stringify(doc));
    agent = new Agent({ cfg: loadConfig({ path: config }), logger: silentLogger });
    await agent.start();
    device = lab.devices[0]!.id;
    ports = lab.devices[0]!.ports.map((p) => p.name);
  });

  afterAll(async () => {
    await agent?.stop();
    await lab?.stop();
  });

  it('--wait prints the job events as they come and exits 0 on success', async () => {
    const r = await runBinAsync([
      'enqueue',
      'provision',
      '--device',
      device,
      '--port',
      ports[0]!,
      '--connection',
      'hc-cli-1',
      '--description',
      'via CLI',
      '--job-id',
      'provision-hc-cli-1-a',
      '--wait',
      '--json',
      '--config',
      config,
    ]);
    expect(r.stderr).toContain('enqueued provision provision-hc-cli-1-a');
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { jobId?: string; description?: string } });
    expect(events.at(-1)).toMatchObject({
      type: 'provision.succeeded',
      data: { jobId: 'provision-hc-cli-1-a', description: 'HC hc-cli-1 via CLI' },
    });
  });

  it('--wait exits 1 when the job fails for good, printing the failure', async () => {
    const r = await runBinAsync([
      'enqueue',
      'provision',
      '--device',
      device,
      '--port',
      ports[0]!,
      '--connection',
      'hc-cli-2',
      '--wait',
      '--config',
      config,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/provision\.failed .*port-in-use/);
  });

  it('refuses bad flags before anything reaches the queue (exit 2)', async () => {
    for (const args of [
      ['--connection', 'BAD ID', '--port', ports[1]!, '--device', device],
      ['--connection', 'hc-cli-3', '--port', ports[1]!, '--device', 'no-such-switch'],
      ['--connection', 'hc-cli-3', '--port', 'Eth9/9', '--device', device],
      ['--connection', 'hc-cli-3', '--port', ports[1]!, '--device', device, '--description', 'line\nbreak'],
    ]) {
      const r = await runBinAsync(['enqueue', 'provision', ...args, '--config', config]);
      expect(r.code, r.stderr).toBe(2);
    }
    const all = await runBinAsync(['events', '--json', '--config', config]);
    expect(all.stdout).not.toContain('hc-cli-3');
  });

  it('events lists a connection in both forms, and --follow prints new ones until interrupted', async () => {
    const human = await runBinAsync(['events', '--connection', 'hc-cli-1', '--config', config]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/hc-cli-1 +#1 +provision\.succeeded/);
    const last = await runBinAsync(['events', '--last', '1', '--json', '--config', config]);
    expect(last.code).toBe(0);
    const lines = last.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const everything = (await runBinAsync(['events', '--json', '--config', config])).stdout
      .trim()
      .split('\n');
    expect(lines[0]).toBe(everything.at(-1));
    expect(everything.length).toBeGreaterThan(1);
    const follow = spawn(
      process.execPath,
      [BIN, 'events', '--follow', '--json', '--connection', 'hc-cli-4', '--config', config],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    follow.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const enq = await runBinAsync([
      'enqueue',
      'provision',
      '--device',
      device,
      '--port',
      ports[2]!,
      '--connection',
      'hc-cli-4',
      '--config',
      config,
    ]);
    expect(enq.code, enq.stderr).toBe(0);
    await expect
      .poll(() => out, { timeout: 20_000, interval: 200 })
      .toContain('"type":"provision.succeeded"');
    const exited = new Promise<number | null>((r) => follow.once('exit', (c) => r(c)));
    follow.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
