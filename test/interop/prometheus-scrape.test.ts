// The operators' own tools on a real agent: an agent on the lab, its /metrics linted by
// `promtool check metrics`, and a real `prometheus` server (Debian package) scraping it with the
// shipped alert rules. Through Prometheus's HTTP API: after a fibre cut the port's alerts fire,
// and a port still under construction (dark, unhealthy) gets none.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import type { PeerProcess } from '../../testkit/peers/process.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { ROOT } from '../helpers/cli.js';
import { startPrometheus } from '../helpers/prometheus.js';

/**
 * The shipped rules with every `for:` cut to `forSeconds`, so a test sees them fire in seconds.
 * Built from the shipped file, so the expressions under test are exactly the shipped ones.
 */
function rulesWithShortFor(text: string, forSeconds: number): string {
  const doc = parse(text) as { groups: { rules: { for?: string }[] }[] };
  for (const g of doc.groups) for (const r of g.rules) if (r.for !== undefined) r.for = `${forSeconds}s`;
  return stringify(doc, { lineWidth: 0 });
}

/** The value of the sample of `name` with exactly `labels` (in any order), from Prometheus text. */
function sampleValue(text: string, name: string, labels: Record<string, string>): string | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
      l[1],
      l[2],
    ]);
    if (JSON.stringify(got.sort()) === want) return m[3];
  }
  return undefined;
}

interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

function promtoolCheckMetrics(text: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'promtool',
      ['check', 'metrics'],
      { timeout: 30_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
    child.stdin?.end(text);
  });
}

describe('a real Prometheus scraping an agent on the lab, with the shipped alert rules', () => {
  const peers = inject('peers');
  const prefix = `promscrape${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-promscrape-'));
  let lab: Lab;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;
  let prometheus: PeerProcess | undefined;
  let promUrl: string;
  let agentUrl: string;

  const promGet = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${promUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { status: string; data: T };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${JSON.stringify(body)}`);
    return body.data;
  };
  const alerts = async () => (await promGet<{ alerts: PromAlert[] }>('/api/v1/alerts')).alerts;
  const query = async (q: string) =>
    (
      await promGet<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(q)}`,
      )
    ).result;

  beforeAll(async () => {
    const configPath = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 1,
      ports: 2,
      linkUpDelayMs: 200,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      monitoringIntervalSeconds: 1,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { ...doc.agent, id: 'promscrape-agent', httpPort: 0, shutdownTimeoutSeconds: 10 };
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(configPath);
    agentUrl = await agent.httpUrl(30_000);
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });

    // Prometheus in its own folder, on a free loopback port, with 1 s scrapes and evaluations.
    const rulesPath = join(dir, 'alerts.yml');
    writeFileSync(
      rulesPath,
      rulesWithShortFor(readFileSync(join(ROOT, 'docs/monitoring/alerts.yml'), 'utf8'), 3),
    );
    const started = await startPrometheus({
      dir,
      runDir: peers.runDir,
      targets: [new URL(agentUrl).host],
      ruleFiles: [rulesPath],
    });
    prometheus = started.proc;
    promUrl = started.url;
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('alerts fire after a cut, and none for a port under construction', { timeout: 150_000 }, async () => {
    const device = lab.devices[0]!;
    const [cutPort, buildingPort] = device.ports.map((p) => p.name) as [string, string];
    const provision = (conn: string, port: string) =>
      enqueueJob(
        queue,
        'provision',
        { schemaVersion: 1, connectionId: conn, device: device.id, port },
        `provision-${conn}-1`,
      );
    await provision('hc-prom-cut', cutPort);
    await provision('hc-prom-building', buildingPort);
    await events.waitFor('hc-prom-cut', (e) => e.type === 'provision.succeeded', 45_000);
    await events.waitFor('hc-prom-building', (e) => e.type === 'provision.succeeded', 45_000);

    device.sim.patch(cutPort);
    await events.waitFor('hc-prom-cut', (e) => e.type === 'construction.completed', 45_000);
    device.sim.cut(cutPort);
    await events.waitFor(
      'hc-prom-cut',
      (e) => e.type === 'availability.changed' && (e.data as { to?: string }).to === 'unavailable',
      45_000,
    );

    // The cut port: unhealthy (critical) and dark (Rx low keeps firing without an Rx sample).
    const firing = (list: PromAlert[], name: string, port: string) =>
      list.some((a) => a.state === 'firing' && a.labels.alertname === name && a.labels.port === port);
    const until = Date.now() + 90_000;
    let list: PromAlert[] = [];
    while (Date.now() < until) {
      list = await alerts();
      if (firing(list, 'DcagentPortUnhealthy', cutPort) && firing(list, 'DcagentRxLow', cutPort)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(firing(list, 'DcagentPortUnhealthy', cutPort), JSON.stringify(list)).toBe(true);
    expect(firing(list, 'DcagentRxLow', cutPort), JSON.stringify(list)).toBe(true);

    // Prometheus does see the port under construction as dark and unhealthy, for longer than any
    // (shortened) `for:`; the rules leave it alone anyway.
    const healthy = await query(`dcagent_port_healthy{port="${buildingPort}"}`);
    expect(healthy.map((r) => r.value[1])).toEqual(['0']);
    const building = await query(
      `dcagent_connection_state{connection="hc-prom-building",state="under-construction"}`,
    );
    expect(building.map((r) => r.value[1])).toEqual(['1']);
    const dark = await query(`dcagent_port_rx_dark{port="${buildingPort}"}`);
    expect(dark.map((r) => r.value[1])).toEqual(['1']);
    expect(list.filter((a) => a.labels.port === buildingPort)).toEqual([]);
    // Nothing about the agent itself either: it is up, ready and not spilling.
    expect(list.filter((a) => a.labels.port === undefined)).toEqual([]);
  });

  it('a real /metrics scrape passes `promtool check metrics` and carries the CONTRACT §8 series', async () => {
    const res = await fetch(`${agentUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    const lint = await promtoolCheckMetrics(text);
    expect(lint.code, lint.out).toBe(0);
    const device = lab.devices[0]!.id;
    const port = lab.devices[0]!.ports[0]!.name;
    const expected: [string, Record<string, string>, string][] = [
      ['dcagent_connection_state', { connection: 'hc-prom-cut', device, port, state: 'unavailable' }, '1'],
      ['dcagent_connection_state', { connection: 'hc-prom-cut', device, port, state: 'available' }, '0'],
      ['dcagent_port_rx_threshold_dbm', { device, port, lane: '1', bound: 'low-alarm' }, '-14.4'],
      ['dcagent_port_tx_threshold_dbm', { device, port, lane: '1', bound: 'high-alarm' }, '0.5'],
      ['dcagent_port_rx_dark', { device, port, lane: '1' }, '1'],
      ['dcagent_port_optic_present', { device, port }, '1'],
      ['dcagent_ready', {}, '1'],
    ];
    for (const [name, labels, value] of expected) {
      expect(sampleValue(text, name, labels), `${name} ${JSON.stringify(labels)}`).toBe(value);
    }
    expect(text).toMatch(/^dcagent_build_info\{version="[^"]+"\} 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });
});
