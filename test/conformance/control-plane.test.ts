// The agent as another team's control plane meets it. This file is written as that outside
// client: it adds jobs with BullMQ's own `Queue` and watches them with BullMQ's own `QueueEvents`,
// exactly as BullMQ's README shows, and reads the status stream with plain XREAD. It never uses
// the project's enqueue helpers, which always set `attempts` and so never took the path where
// BullMQ's defaults (attempts 0) hid every failure (issue 19).
//
// Every outcome the lab can produce is run under BullMQ's defaults and under each job option a
// control plane may use. Per job: exactly one final event on the stream, the job's state
// matches, and `returnvalue` or `failedReason` carries the same code as the event.
//
// The audit outcomes (clean, drift found, unknown device, device unreachable) run only under
// AUDIT_SETS: BullMQ's defaults (attempts 0, the path that once hid every failure) and retries
// with backoff (only the last of several `audit.failed` is final). The other options act on the
// queue, not on the job type, and the envelope they meet is the same one every job type runs in,
// which the provision cases already prove per option; running the audits under them too would
// only lengthen a suite that is already long.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobsOptions, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type Lab, type LabDevice, startLab } from '../../lab/index.js';
import { CLOSED_TCP_PORT } from '../../testkit/peers/process.js';
import { AgentProcess } from '../helpers/agent-proc.js';

const QUEUE = 'dc-port-jobs';
/** Short, so the hanging device ends its jobs quickly; the agent's default is 300 s. */
const JOB_TIMEOUT_SECONDS = 3;

/** The ways a control plane may add a job: BullMQ's defaults, then each option on its own. */
const OPTION_SETS: { name: string; opts: (id: string) => JobsOptions }[] = [
  { name: 'defaults', opts: () => ({}) },
  { name: 'job-id', opts: (id) => ({ jobId: id }) },
  { name: 'attempts-0', opts: () => ({ attempts: 0 }) },
  { name: 'attempts-backoff', opts: () => ({ attempts: 3, backoff: { type: 'exponential', delay: 100 } }) },
  { name: 'delay', opts: () => ({ delay: 400 }) },
  { name: 'priority', opts: () => ({ priority: 7 }) },
  { name: 'lifo', opts: () => ({ lifo: true }) },
  { name: 'remove', opts: () => ({ removeOnComplete: true, removeOnFail: true }) },
];

/** The option sets that also run the audit outcomes (see the top of the file for why only these). */
const AUDIT_SETS = new Set(['defaults', 'attempts-backoff']);

type Final =
  | 'provision.succeeded'
  | 'provision.planned'
  | 'deprovision.blocked'
  | 'audit.completed'
  | 'failed';

interface Outcome {
  name: string;
  job: string;
  data: unknown;
  state: 'completed' | 'failed';
  type: Final;
  code?: string;
  fields?: string[];
  /** audit.completed: how many connections it found drifted. */
  drifts?: number;
  /** The event's subject, where the case fixes it. */
  subject?: string;
}

interface Switches {
  ok: LabDevice;
  hang: LabDevice;
  downId: string;
}

const P = { ok: 0, plan: 1, blocked: 2, inUse: 3, clean: 4, drift: 5 } as const;

function outcomes(set: string, sw: Switches): Outcome[] {
  const port = (i: number) => sw.ok.ports[i]!.name;
  const data = (suffix: string, extra: Record<string, unknown> = {}) => ({
    schemaVersion: 1,
    connectionId: `cp-${set}-${suffix}`,
    device: sw.ok.id,
    port: port(P.ok),
    ...extra,
  });
  return [
    {
      name: 'succeeded',
      job: 'provision',
      data: data('ok', { description: 'ACME' }),
      state: 'completed',
      type: 'provision.succeeded',
    },
    {
      name: 'planned',
      job: 'provision',
      data: data('plan', { port: port(P.plan), dryRun: true }),
      state: 'completed',
      type: 'provision.planned',
    },
    {
      name: 'blocked',
      job: 'deprovision',
      data: data('blk', { port: port(P.blocked) }),
      state: 'completed',
      type: 'deprovision.blocked',
    },
    {
      name: 'invalid data',
      job: 'provision',
      data: data('bad', { connectionId: 'Not Valid!', bandwidthMbps: -1 }),
      ...failed('invalid-job', ['bandwidthMbps', 'connectionId']),
    },
    { name: 'invalid name', job: 'Provision', data: data('name'), ...failed('invalid-job', ['(name)']) },
    {
      name: 'data as a string',
      job: 'provision',
      data: JSON.stringify(data('str')),
      ...failed('invalid-job', ['(data)']),
    },
    {
      name: 'unknown device',
      job: 'provision',
      data: data('udev', { device: 'no-such-switch' }),
      ...failed('unknown-device'),
    },
    {
      name: 'unknown port',
      job: 'provision',
      data: data('uport', { port: 'XGE9/9/9' }),
      ...failed('unknown-port'),
    },
    {
      name: 'port in use',
      job: 'provision',
      data: data('other', { port: port(P.inUse) }),
      ...failed('port-in-use'),
    },
    {
      name: 'device unreachable',
      job: 'provision',
      data: data('down', { device: sw.downId }),
      ...failed('unreachable'),
    },
    {
      name: 'device hanging until the job timeout',
      job: 'provision',
      data: data('hang', { device: sw.hang.id, port: sw.hang.ports[0]!.name }),
      ...failed('timeout'),
    },
    ...(AUDIT_SETS.has(set) ? auditOutcomes(set, sw) : []),
  ];
}

/** An audit of a connection whose port matches its intent, of a device with one drifted port, and two failures. */
function auditOutcomes(set: string, sw: Switches): Outcome[] {
  const audit = (extra: Record<string, unknown>) => ({ schemaVersion: 1, device: sw.ok.id, ...extra });
  return [
    {
      name: 'audit clean',
      job: 'audit',
      data: audit({ port: sw.ok.ports[P.clean]!.name, connectionId: `cp-${set}-clean` }),
      state: 'completed',
      type: 'audit.completed',
      drifts: 0,
      subject: `cp-${set}-clean`,
    },
    {
      name: 'audit drift found',
      job: 'audit',
      data: audit({}),
      state: 'completed',
      type: 'audit.completed',
      drifts: 1,
      subject: `device:${sw.ok.id}`,
    },
    {
      name: 'audit unknown device',
      job: 'audit',
      data: audit({ device: 'no-such-switch' }),
      ...failed('unknown-device'),
      subject: 'device:no-such-switch',
    },
    {
      name: 'audit device unreachable',
      job: 'audit',
      data: audit({ device: sw.downId }),
      ...failed('unreachable'),
      subject: `device:${sw.downId}`,
    },
  ];
}

function failed(code: string, fields?: string[]) {
  return { state: 'failed' as const, type: 'failed' as const, code, ...(fields ? { fields } : {}) };
}

interface StreamEvent {
  id: string;
  type: string;
  subject: string;
  data: { jobId?: string; code?: string; final?: boolean; fields?: { path: string }[]; drifts?: unknown[] };
}

/** Every event on the stream, read as any consumer would: XRANGE and JSON.parse of field `event`. */
async function readStream(redis: Redis, key: string): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  let start = '-';
  for (;;) {
    const page = (await redis.xrange(key, start, '+', 'COUNT', 500)) as [string, string[]][];
    for (const [, fields] of page) {
      const i = fields.indexOf('event');
      if (i >= 0) out.push(JSON.parse(fields[i + 1]!) as StreamEvent);
    }
    if (page.length < 500) return out;
    start = `(${page[page.length - 1]![0]}`;
  }
}

const FINAL_TYPES = new Set([
  'provision.succeeded',
  'provision.planned',
  'deprovision.blocked',
  'audit.completed',
]);
const isFinal = (e: StreamEvent) =>
  FINAL_TYPES.has(e.type) || (e.type.endsWith('.failed') && e.data.final === true);

describe('a control plane on BullMQ defaults and every job option hears exactly one final event per job', () => {
  const peers = inject('peers');
  const prefix = `cplane${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-cplane-'));
  let lab: Lab;
  let agent: AgentProcess;
  let redis: Redis;
  let queue: Queue;
  let queueEvents: QueueEvents;
  const switches = new Map<string, Switches>();
  /** What QueueEvents reported per job id, collected from before the first add. */
  const ended = new Map<
    string,
    { state: 'completed' | 'failed'; returnvalue?: unknown; failedReason?: string }
  >();

  beforeAll(async () => {
    const configPath = join(dir, 'agent.yaml');
    // Per option set, one switch that works and one that hangs, so device locks do not queue the sets behind each other.
    lab = await startLab({
      devices: OPTION_SETS.length * 2,
      ports: 6,
      idPrefix: 'cp-sw-',
      linkUpDelayMs: 200,
      configOut: configPath,
      secrets: 'files',
      redisUrl: peers.redis.url,
      controlPort: false,
    });
    const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, unknown> & {
      devices: { id: string; netconf: Record<string, unknown> }[];
    };
    const closedPort = CLOSED_TCP_PORT;
    const devices = doc.devices;
    OPTION_SETS.forEach((set, i) => {
      const ok = lab.devices[2 * i]!;
      const hang = lab.devices[2 * i + 1]!;
      const hangEntry = devices.find((d) => d.id === hang.id)!;
      // Longer than the job deadline: only the job timeout may end a job on this switch.
      hangEntry.netconf = {
        ...hangEntry.netconf,
        connectTimeoutMs: 60_000,
        rpcTimeoutMs: 60_000,
        confirmTimeoutSeconds: 120,
      };
      const downId = `cp-down-${i}`;
      const okEntry = devices.find((d) => d.id === ok.id)!;
      devices.push({ ...okEntry, id: downId, netconf: { ...okEntry.netconf, port: closedPort } });
      switches.set(set.name, { ok, hang, downId });
      hang.sim.silence();
      ok.sim.addSubinterface(ok.ports[P.blocked]!.name, 100);
    });
    doc.redis = { ...(doc.redis as object), prefix };
    doc.agent = {
      ...(doc.agent as object),
      id: 'cplane-agent',
      httpPort: 0,
      logLevel: 'info',
      concurrency: 32,
      shutdownTimeoutSeconds: 10,
    };
    doc.queues = { jobTimeoutSeconds: JOB_TIMEOUT_SECONDS, deviceLockRetryMs: 200, stalledSeconds: 30 };
    doc.events = { spillFile: join(dir, 'spill.jsonl') };
    writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });

    redis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE, { connection: redis, prefix });
    queueEvents = new QueueEvents(QUEUE, { connection: { url: peers.redis.url }, prefix });
    queueEvents.on('completed', ({ jobId, returnvalue }) => {
      ended.set(jobId, { state: 'completed', returnvalue });
    });
    queueEvents.on('failed', ({ jobId, failedReason }) => {
      ended.set(jobId, { state: 'failed', failedReason });
    });
    await queueEvents.waitUntilReady();

    agent = AgentProcess.start(configPath);
    await agent.waitForLog('dcagent running', 30_000);

    // Each set's "port in use" port belongs to another connection, put there by a job like any
    // other; so do the audit sets' clean port and the port an engineer then shuts on the switch.
    const provisions = OPTION_SETS.flatMap((set) => {
      const sw = switches.get(set.name)!;
      const owned: [string, number][] = [['owner', P.inUse]];
      if (AUDIT_SETS.has(set.name)) owned.push(['clean', P.clean], ['drift', P.drift]);
      return owned.map(([suffix, i]) => ({
        schemaVersion: 1,
        connectionId: `cp-${set.name}-${suffix}`,
        device: sw.ok.id,
        port: sw.ok.ports[i]!.name,
      }));
    });
    const owners = await Promise.all(
      provisions.map(async (data) => String((await queue.add('provision', data)).id)),
    );
    await waitEnded(owners, 45_000);
    expect(owners.map((id) => ended.get(id))).toEqual(
      owners.map(() => expect.objectContaining({ state: 'completed' })),
    );
    for (const set of AUDIT_SETS) {
      const sw = switches.get(set)!;
      sw.ok.sim.editPort(sw.ok.ports[P.drift]!.name, { kind: 'shutdown' });
    }
  });

  afterAll(async () => {
    // The switches stay silent: an aborted connection to a hung device must not keep the agent
    // alive after its drain (ssh2's destroy() after end() used to leave the socket open).
    const code = await agent?.stop('SIGTERM');
    if (code !== 0)
      console.log(`[control-plane] agent exit ${code}; log tail:\n${agent?.log().slice(-4000)}`);
    await queueEvents?.close();
    await queue?.close();
    redis?.disconnect();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  async function waitEnded(ids: string[], timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (ids.some((id) => !ended.has(id))) {
      if (Date.now() > until) {
        const open = ids.filter((id) => !ended.has(id));
        throw new Error(`no end reported by QueueEvents within ${timeoutMs} ms for jobs ${open.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it.for(OPTION_SETS)(
    'options "$name": every outcome ends with one final event matching the job',
    { timeout: 120_000 },
    async (set) => {
      const sw = switches.get(set.name)!;
      const cases = outcomes(set.name, sw);
      const added = [];
      for (const [i, c] of cases.entries()) {
        const job = await queue.add(c.job, c.data, set.opts(`cp-${set.name}-${i + 1}`));
        added.push({ c, id: String(job.id) });
      }
      // The hanging switch's attempts each run to the deadline; a retried one backs off in between.
      await waitEnded(
        added.map((a) => a.id),
        60_000,
      );
      // The final event may be read a moment after BullMQ reports the end: it is written first,
      // but the reader below and QueueEvents are separate connections.
      const eventsKey = `${prefix}:events`;
      const all = await readStream(redis, eventsKey);

      const problems: string[] = [];
      for (const { c, id } of added) {
        const say = (what: string) => problems.push(`${c.name} (job ${id}): ${what}`);
        const end = ended.get(id)!;
        const mine = all.filter((e) => e.data.jobId === id);
        const finals = mine.filter(isFinal);
        if (finals.length !== 1) {
          say(
            `${finals.length} final events (${mine.map((e) => `${e.type}:${e.data.code ?? ''}`).join(', ')})`,
          );
          continue;
        }
        const ev = finals[0]!;
        if (c.subject !== undefined && ev.subject !== c.subject)
          say(`final event subject ${ev.subject}, expected ${c.subject}`);
        if (end.state !== c.state)
          say(`QueueEvents said ${end.state} (${end.failedReason ?? ''}), expected ${c.state}`);
        const state = await queue.getJobState(id);
        const expectedState = set.name === 'remove' ? 'unknown' : c.state;
        if (state !== expectedState) say(`job state ${state}, expected ${expectedState}`);
        if (c.type === 'failed') {
          if (!ev.type.endsWith('.failed')) say(`final event ${ev.type}`);
          if (ev.data.code !== c.code) say(`event code ${ev.data.code}, expected ${c.code}`);
          if (!end.failedReason?.startsWith(`${ev.data.code}: `))
            say(`failedReason ${JSON.stringify(end.failedReason)} does not carry ${ev.data.code}`);
          if (c.fields) {
            const named = [...new Set((ev.data.fields ?? []).map((f) => f.path))].sort();
            if (JSON.stringify(named) !== JSON.stringify(c.fields)) say(`fields ${JSON.stringify(named)}`);
          }
        } else if (c.type === 'audit.completed') {
          if (ev.type !== c.type) say(`final event ${ev.type}, expected ${c.type}`);
          if (ev.data.drifts?.length !== c.drifts)
            say(`${ev.data.drifts?.length} drifted connections, expected ${c.drifts}`);
          // An audit's returnvalue is its event's data plus the ports as read.
          const { ports, ...rest } = (end.returnvalue ?? {}) as { ports?: unknown };
          if (!Array.isArray(ports) || JSON.stringify(rest) !== JSON.stringify(ev.data))
            say(`returnvalue ${JSON.stringify(end.returnvalue)} is not the event's data plus ports`);
        } else {
          if (ev.type !== c.type) say(`final event ${ev.type}, expected ${c.type}`);
          if (JSON.stringify(end.returnvalue) !== JSON.stringify(ev.data))
            say(
              `returnvalue ${JSON.stringify(end.returnvalue)} is not the event's data ${JSON.stringify(ev.data)}`,
            );
        }
        // Nothing after the final event for this job.
        if (mine.indexOf(ev) !== mine.length - 1)
          say(`events after the final one: ${mine.map((e) => e.type)}`);
      }
      expect(problems).toEqual([]);
    },
  );
});
