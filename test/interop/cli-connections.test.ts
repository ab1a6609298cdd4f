// `dcagent connections` as an operator uses it: the built binary, an agent (`dcagent run`) on the
// lab, jobs added through BullMQ's own Queue, and the `--json` output checked against the exported
// JSON Schema with an independent validator (ajv). A Redis MONITOR shows the command only reads.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readSubjectNewest } from '../../agent/events/stream.js';
import type { ConnectionDetail, ConnectionView } from '../../contract/cli-output.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { ROOT, runBinAsync } from '../helpers/cli.js';
import { envelopeFor, eventDataExamples } from '../unit/contract/examples.js';

// Formats (date-time) are not checked here: ajv needs a plugin for them, and zod checks them anyway.
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const schema = (name: string) =>
  ajv.compile(JSON.parse(readFileSync(join(ROOT, 'docs/schema', name), 'utf8')) as object);
const listSchema = schema('cli.connections.schema.json');
const detailSchema = schema('cli.connection.schema.json');

function valid(check: typeof listSchema, doc: unknown): string[] {
  return check(doc) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('dcagent connections (list, filters, show) against an agent on the lab', () => {
  const peers = inject('peers');
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-cli-conns-'));
  const prefix = `cliconns${Date.now()}`;
  let lab: Lab;
  let agent: AgentProcess;
  let config: string;
  let queueRedis: Redis;
  let queue: Queue;
  let events: EventWatcher;

  beforeAll(async () => {
    config = join(dir, 'agent.yaml');
    lab = await startLab({
      devices: 2,
      ports: 2,
      linkUpDelayMs: 200,
      monitoringIntervalSeconds: 1,
      configOut: config,
      secrets: 'files',
      redisUrl: peers.redis.url,
      controlPort: false,
    });
    const doc = parse(readFileSync(config, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix };
    doc.agent = { ...doc.agent, id: 'cli-conns', httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 };
    // Fast polls so construction completes quickly; the periodic audit (900 s) stays out of the way.
    doc.monitoring = { ...doc.monitoring, intervalSeconds: 1, upPolls: 2, downPolls: 2 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(config, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
    agent = AgentProcess.start(config);
    await agent.waitForLog('dcagent running', 30_000);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
    events = new EventWatcher(peers.redis.url, prefix);
  }, 90_000);

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const cli = (...args: string[]) => runBinAsync([...args, '--config', config]);
  const list = async (...args: string[]): Promise<ConnectionView[]> => {
    const r = await cli('connections', ...args, '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ConnectionView[];
    expect(valid(listSchema, doc)).toEqual([]);
    return doc;
  };
  const show = async (conn: string): Promise<ConnectionDetail> => {
    const r = await cli('connections', 'show', conn, '--json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ConnectionDetail;
    expect(valid(detailSchema, doc)).toEqual([]);
    return doc;
  };

  it('lists every tracked connection with state, intent and last poll; --device and --state filter; show has the events; an audit drift shows open, then resolved', async () => {
    const [sw1, sw2] = [lab.devices[0]!, lab.devices[1]!];
    const lit = { conn: 'hc-conns-lit', device: sw1, port: sw1.ports[0]!.name };
    const dark = { conn: 'hc-conns-dark', device: sw2, port: sw2.ports[0]!.name };
    for (const c of [lit, dark]) {
      await enqueueJob(
        queue,
        'provision',
        {
          schemaVersion: 1,
          connectionId: c.conn,
          device: c.device.id,
          port: c.port,
          description: 'acme  "primary"',
        },
        `provision-${c.conn}-1`,
      );
      await events.waitFor(c.conn, (e) => e.type === 'provision.succeeded', 45_000);
    }
    lit.device.sim.patch(lit.port);
    await events.waitFor(lit.conn, (e) => e.type === 'construction.completed', 45_000);

    // The dark port has been polled at least once (the monitor polls every second): wait on that.
    let all: ConnectionView[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      all = await list();
      if (all.every((v) => v.lastPoll !== null)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(all.map((v) => v.connectionId)).toEqual([lit.conn, dark.conn]);
    const [litView, darkView] = all as [ConnectionView, ConnectionView];
    expect(litView).toMatchObject({
      device: sw1.id,
      port: lit.port,
      portType: '10GBASE-LR',
      state: 'available',
      degraded: null,
      intent: {
        state: 'configured',
        description: `HC ${lit.conn} acme  "primary"`,
        jobId: `provision-${lit.conn}-1`,
      },
      lastPoll: { ok: true, adminStatus: 'up', operStatus: 'up' },
      lastAudit: null,
    });
    expect(litView.lastPoll?.ok && litView.lastPoll.lanes[0]?.rxDbm).toEqual(expect.any(Number));
    // Provisioned, no light yet: under construction, admin up, oper down, Rx dark.
    expect(darkView).toMatchObject({
      state: 'under-construction',
      lastPoll: { ok: true, adminStatus: 'up', operStatus: 'down', lanes: [{ lane: 1, rxDbm: null }] },
    });

    expect((await list('--device', sw2.id)).map((v) => v.connectionId)).toEqual([dark.conn]);
    expect((await list('--state', 'available')).map((v) => v.connectionId)).toEqual([lit.conn]);
    expect((await list('--state', 'under-construction', '--device', sw1.id)).length).toBe(0);

    const table = await cli('connections');
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(
      /^CONNECTION\s+DEVICE\s+PORT\s+STATE\s+LAST POLL\s+RX DBM\s+AUDIT\s+DESCRIPTION$/,
    );
    expect(rows[1]).toMatch(
      new RegExp(
        `^${lit.conn}\\s+${sw1.id}\\s+\\S+\\s+available\\s+up/up \\d+s ago\\s+-?\\d+\\.\\d\\d\\s+-\\s+"HC `,
      ),
    );
    expect(rows[2]).toMatch(
      new RegExp(`^${dark.conn}\\s+${sw2.id}\\s+\\S+\\s+under-construction\\s+up/down `),
    );

    let detail = await show(lit.conn);
    expect(detail.events.map((e) => e.type)).toEqual(['provision.succeeded', 'construction.completed']);
    expect(detail.events.map((e) => e.sequence)).toEqual([1, 2]);
    expect(detail.eventsScanned).toBeGreaterThanOrEqual(3);

    // An engineer edits the description on the switch (the hook `lab ctl edit` drives); an audit finds it.
    lit.device.sim.editPort(lit.port, { kind: 'description', text: 'moved by hand' });
    const audit = async () => {
      const r = await cli('audit', '--device', sw1.id, '--port', lit.port, '--wait', '--timeout', '60');
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const found = await audit();
    // The human output leads with the drift, field by field.
    expect(found).toContain(`DRIFT ${lit.conn} on ${lit.port}`);
    expect(found).toContain('description: expected');
    expect(found).toContain('found "moved by hand"');
    detail = await show(lit.conn);
    expect(detail.lastAudit).toMatchObject({
      drifts: [
        {
          field: 'description',
          expected: `HC ${lit.conn} acme  "primary"`,
          actual: 'moved by hand',
          resolved: false,
        },
      ],
      resolvedAt: null,
    });
    expect(detail.events.at(-1)?.type).toBe('drift.detected');
    const human = await cli('connections', 'show', lit.conn);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^last audit {2}\S+: 1 drift since /m);
    expect(human.stdout).toMatch(
      /description +"HC hc-conns-lit acme {2}\\"primary\\"" +"moved by hand" +open$/m,
    );
    expect(human.stdout).toMatch(/^ {2}\S+ {2}hc-conns-lit {2}#3 {2}drift\.detected/m);

    // Put back by hand: the next audit finds it clean and keeps the drift, marked resolved.
    lit.device.sim.editPort(lit.port, { kind: 'description', text: `HC ${lit.conn} acme  "primary"` });
    await audit();
    detail = await show(lit.conn);
    expect(detail.lastAudit?.drifts).toEqual([
      {
        field: 'description',
        expected: `HC ${lit.conn} acme  "primary"`,
        actual: 'moved by hand',
        resolved: true,
      },
    ]);
    expect(detail.lastAudit?.resolvedAt).toEqual(expect.any(String));
    expect((await list('--device', sw1.id))[0]?.lastAudit?.drifts[0]?.resolved).toBe(true);
  }, 240_000);

  it('reads only: a Redis MONITOR sees no write command from the CLI', async () => {
    const watcher = new Redis(peers.redis.url);
    const monitor = await watcher.monitor();
    const seen: { source: string; args: string[] }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ source, args }));
    try {
      expect((await cli('connections')).code).toBe(0);
      expect((await cli('connections', 'show', 'hc-conns-lit')).code).toBe(0);
      expect((await cli('connections', 'show', 'hc-conns-lit', '--json')).code).toBe(0);
    } finally {
      monitor.disconnect();
    }
    // The CLI's connections name themselves; every command from those sources is checked.
    const cliSources = new Set(
      seen
        .filter((s) => s.args[0]?.toLowerCase() === 'client' && s.args.includes('dcagent-connections'))
        .map((s) => s.source),
    );
    expect(cliSources.size).toBe(3);
    const commands = [
      ...new Set(seen.filter((s) => cliSources.has(s.source)).map((s) => (s.args[0] ?? '').toLowerCase())),
    ];
    expect(commands).toEqual(expect.arrayContaining(['smembers', 'hmget', 'hgetall', 'xrevrange']));
    const info = (await watcher.call('COMMAND', 'INFO', ...commands)) as [string, number, string[]][];
    const writes = info.filter((c) => c[2].includes('write')).map((c) => c[0]);
    watcher.disconnect();
    expect(writes).toEqual([]);
  });

  it('bad usage and an unknown connection: one line, exit 2 (as jobs show of an unknown job)', async () => {
    const state = await cli('connections', '--state', 'sideways');
    expect(state.code).toBe(2);
    expect(state.stderr.trim().split('\n')).toHaveLength(1);
    expect(state.stderr).toMatch(/^dcagent: --state: .*under-construction.*available.*unavailable.*unknown/);

    const device = await cli('connections', '--device', 'no-such-switch');
    expect(device.code).toBe(2);
    expect(device.stderr.trim()).toMatch(
      /^dcagent: --device: no-such-switch is not in the inventory of .* \(devices: /,
    );

    const unknown = await cli('connections', 'show', 'hc-never-was');
    const job = await cli('jobs', 'show', 'no-such-job');
    expect(unknown.code).toBe(job.code);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([
      'dcagent: no tracked connection hc-never-was (never provisioned, not yet, or deprovisioned; see dcagent events --connection hc-never-was)',
    ]);
    expect(unknown.stdout).toBe('');
  });

  it('show reads the stream backwards no deeper than its bound, and returns the newest events oldest first', async () => {
    const redis = new Redis(peers.redis.url);
    const keys = new RedisKeys(`${prefix}scan`, 'events');
    const ev = (subject: string, sequence: number) =>
      JSON.stringify({
        ...envelopeFor('provision.succeeded', eventDataExamples['provision.succeeded']!),
        id: `${subject}:${sequence}`,
        subject,
        sequence,
      });
    try {
      // Oldest: 12 events of hc-scan-a; then 30 of other connections.
      for (let i = 1; i <= 12; i++) await redis.xadd(keys.events, '*', 'event', ev('hc-scan-a', i));
      for (let i = 1; i <= 30; i++) await redis.xadd(keys.events, '*', 'event', ev('hc-scan-b', i));
      const shallow = await readSubjectNewest(redis, keys, 'hc-scan-a', 10, 25, 7);
      expect(shallow).toEqual({ events: [], scanned: 25 });
      const deep = await readSubjectNewest(redis, keys, 'hc-scan-a', 10, 1_000, 7);
      expect(deep.events.map((e) => e.sequence)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      // It stops once it has found enough: 30 others, then 10 of ours, in pages of 7.
      expect(deep.scanned).toBe(42);
      const all = await readSubjectNewest(redis, keys, 'hc-scan-a', 20, 1_000, 7);
      expect(all).toMatchObject({ scanned: 42 });
      expect(all.events).toHaveLength(12);
    } finally {
      await redis.del(keys.events);
      redis.disconnect();
    }
  });
});
