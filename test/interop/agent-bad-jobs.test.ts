import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import {
  fastAgentConfig,
  ietfDevice,
  interfacesOf,
  RawQueue,
  readPort,
  runningConfig,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// A corpus of hostile and broken jobs, added raw with BullMQ's queue.add (a producer that skips
// our validating enqueue). Each one either fails at once, with no retry and with every offending
// field named, or, when the text is valid per the contract (printable, at most 64 characters),
// is written verbatim and escaped, so it can never become markup. ncclient then shows that nothing
// else on the device changed.

const DEVICE = 'nc-bad';
const PORTS = ['XGE3/0/1', 'XGE3/0/2', 'XGE3/0/3', 'XGE3/0/4'];
const COMMUNITY_ENV = 'BAD_JOBS_COMMUNITY';
const TEN_KB = 10 * 1024;

type Expect =
  | { ok: true; port: string; description: string }
  | { code: 'invalid-job'; fields: string[] }
  | { code: 'unknown-device' | 'unknown-port' };

interface Case {
  name: string;
  job?: string;
  data: unknown;
  expect: Expect;
}

let n = 0;
const base = () => ({ schemaVersion: 1, connectionId: `hc-bad-${++n}`, device: DEVICE, port: PORTS[0] });
const invalid = (...fields: string[]): Expect => ({ code: 'invalid-job', fields });
const without = (key: string) => {
  const d: Record<string, unknown> = base();
  delete d[key];
  return d;
};

/** Valid text, each on its own port: the description must come back exactly as sent. */
const VERBATIM = [
  '</description><enabled>false</enabled>',
  ']]>]]><rpc message-id="1"><kill-session/></rpc>]]>]]>',
  `& < > " ' &amp; &#x41; <!-- --> <![CDATA[x]]>`,
  '$(reboot); reload | ? #5 `id` %n %s',
];

const CASES: Case[] = [
  ...VERBATIM.map((text, i): Case => {
    const data = { ...base(), port: PORTS[i], description: text };
    return {
      name: `verbatim: ${text}`,
      data,
      expect: { ok: true, port: PORTS[i]!, description: `HC ${data.connectionId} ${text}` },
    };
  }),
  // description
  {
    name: 'NETCONF 1.1 chunk header in a line break',
    data: { ...base(), description: 'ok\n#5\n<x/>' },
    expect: invalid('description'),
  },
  {
    name: 'CLI: CR LF then a command',
    data: { ...base(), description: 'a\r\nreload\r\n' },
    expect: invalid('description'),
  },
  {
    name: '10 KB description',
    data: { ...base(), description: 'A'.repeat(TEN_KB) },
    expect: invalid('description'),
  },
  {
    name: '65 printable characters',
    data: { ...base(), description: 'x'.repeat(65) },
    expect: invalid('description'),
  },
  {
    name: 'bidi override',
    data: { ...base(), description: 'invoice \u202Efdp.exe' },
    expect: invalid('description'),
  },
  { name: 'zero-width space', data: { ...base(), description: 'a\u200Bb' }, expect: invalid('description') },
  { name: 'NUL and BEL', data: { ...base(), description: 'a\u0000b\u0007' }, expect: invalid('description') },
  { name: 'line separator', data: { ...base(), description: 'a\u2028b' }, expect: invalid('description') },
  {
    name: 'description of the wrong type',
    data: { ...base(), description: 42 },
    expect: invalid('description'),
  },
  // connectionId
  {
    name: 'markup in connectionId',
    data: { ...base(), connectionId: 'hc-x</name><enabled>false</enabled>' },
    expect: invalid('connectionId'),
  },
  {
    name: 'shell in connectionId',
    data: { ...base(), connectionId: '$(reboot)' },
    expect: invalid('connectionId'),
  },
  {
    name: '10 KB connectionId',
    data: { ...base(), connectionId: 'a'.repeat(TEN_KB) },
    expect: invalid('connectionId'),
  },
  {
    name: 'upper-case connectionId',
    data: { ...base(), connectionId: 'HC-UPPER' },
    expect: invalid('connectionId'),
  },
  {
    name: 'bidi in connectionId',
    data: { ...base(), connectionId: 'hc-\u202Eevil' },
    expect: invalid('connectionId'),
  },
  {
    name: 'connectionId of the wrong type',
    data: { ...base(), connectionId: 123 },
    expect: invalid('connectionId'),
  },
  { name: 'connectionId missing', data: without('connectionId'), expect: invalid('connectionId') },
  // device
  {
    name: 'CLI in device',
    data: { ...base(), device: `${DEVICE}; reload` },
    expect: { code: 'unknown-device' },
  },
  {
    name: 'newline in device',
    data: { ...base(), device: `${DEVICE}\n` },
    expect: { code: 'unknown-device' },
  },
  {
    name: 'device not in the inventory',
    data: { ...base(), device: 'nc-sw9' },
    expect: { code: 'unknown-device' },
  },
  { name: '10 KB device', data: { ...base(), device: 'd'.repeat(TEN_KB) }, expect: invalid('device') },
  { name: 'device of the wrong type', data: { ...base(), device: [DEVICE] }, expect: invalid('device') },
  { name: 'device missing', data: without('device'), expect: invalid('device') },
  // port
  {
    name: 'markup in port',
    data: { ...base(), port: `${PORTS[0]}</name><enabled>false` },
    expect: { code: 'unknown-port' },
  },
  { name: 'newline in port', data: { ...base(), port: `${PORTS[0]}\n` }, expect: { code: 'unknown-port' } },
  { name: 'shell in port', data: { ...base(), port: '$(reboot)' }, expect: { code: 'unknown-port' } },
  {
    name: 'port not in the inventory',
    data: { ...base(), port: 'XGE3/0/99' },
    expect: { code: 'unknown-port' },
  },
  { name: '10 KB port', data: { ...base(), port: 'p'.repeat(TEN_KB) }, expect: invalid('port') },
  { name: 'port missing', data: without('port'), expect: invalid('port') },
  // the other fields
  { name: 'schemaVersion 2', data: { ...base(), schemaVersion: 2 }, expect: invalid('schemaVersion') },
  {
    name: 'schemaVersion as a string',
    data: { ...base(), schemaVersion: '1' },
    expect: invalid('schemaVersion'),
  },
  { name: 'schemaVersion missing', data: without('schemaVersion'), expect: invalid('schemaVersion') },
  { name: 'an extra key', data: { ...base(), evil: '<x/>' }, expect: invalid('evil') },
  {
    name: 'an extra key named constructor',
    data: { ...base(), constructor: 'x' },
    expect: invalid('constructor'),
  },
  {
    name: 'bandwidth over the port speed',
    data: { ...base(), bandwidthMbps: 100_001 },
    expect: invalid('bandwidthMbps'),
  },
  { name: 'negative bandwidth', data: { ...base(), bandwidthMbps: -5 }, expect: invalid('bandwidthMbps') },
  { name: 'fractional bandwidth', data: { ...base(), bandwidthMbps: 1.5 }, expect: invalid('bandwidthMbps') },
  {
    name: 'bandwidth as a string',
    data: { ...base(), bandwidthMbps: '100' },
    expect: invalid('bandwidthMbps'),
  },
  {
    name: 'portType of another port',
    data: { ...base(), portType: '100GBASE-LR4' },
    expect: invalid('portType'),
  },
  { name: 'unknown portType', data: { ...base(), portType: '400GBASE-XX' }, expect: invalid('portType') },
  {
    name: 'portType and bandwidth both against the inventory',
    data: { ...base(), portType: '1000BASE-LX', bandwidthMbps: 20_000 },
    expect: invalid('portType', 'bandwidthMbps'),
  },
  { name: 'dryRun as a string', data: { ...base(), dryRun: 'yes' }, expect: invalid('dryRun') },
  {
    name: 'everything wrong at once',
    data: {
      schemaVersion: 3,
      connectionId: 'X!',
      device: '',
      port: '',
      description: 'a\nb',
      bandwidthMbps: 0,
      portType: 'x',
      dryRun: 1,
      extra: true,
    },
    expect: invalid(
      'schemaVersion',
      'connectionId',
      'device',
      'port',
      'description',
      'bandwidthMbps',
      'portType',
      'dryRun',
      'extra',
    ),
  },
  {
    name: 'deprovision with a provision-only field',
    job: 'deprovision',
    data: { ...base(), description: 'x' },
    expect: invalid('description'),
  },
  {
    name: 'deprovision with markup in connectionId',
    job: 'deprovision',
    data: { ...base(), connectionId: '</name>' },
    expect: invalid('connectionId'),
  },
  { name: 'data is null', data: null, expect: invalid('(data)') },
  { name: 'data is a string', data: '<rpc><kill-session/></rpc>', expect: invalid('(data)') },
  { name: 'data is an array', data: [base()], expect: invalid('(data)') },
  { name: 'unknown job name', job: 'reboot', data: base(), expect: invalid('(name)') },
  // Names that an object lookup would find on Object.prototype.
  { name: 'job named constructor', job: 'constructor', data: base(), expect: invalid('(name)') },
  { name: 'job named __proto__', job: '__proto__', data: base(), expect: invalid('(name)') },
];

describe('bad jobs added raw to the queue: refused with every offending field named, or written verbatim', () => {
  const peers = inject('peers');
  const nc = peers.netconf.ietf;
  const prefix = `badjobs${Date.now()}`;
  let agent: AgentProcess;
  let queue: RawQueue;
  let events: EventWatcher;

  beforeAll(async () => {
    agent = AgentProcess.start(
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix,
          agentId: 'bad-jobs',
          spillFile: `${peers.runDir}/${prefix}-spill.jsonl`,
          devices: [ietfDevice(DEVICE, nc, peers, { ports: PORTS, communityEnv: COMMUNITY_ENV })],
        }),
      ),
      { [COMMUNITY_ENV]: 'agent-bad-jobs' },
    );
    await agent.waitForLog('dcagent running');
    queue = new RawQueue(peers.redis.url, prefix);
    events = new EventWatcher(peers.redis.url, prefix);
  });

  afterAll(async () => {
    if (agent && !agent.exited) expect(await agent.stop('SIGTERM')).toBe(0);
    await queue?.close();
    events?.close();
  });

  it(`${CASES.length} jobs: each refused at once or applied exactly, and nothing else on the device changes`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const before = await runningConfig(nc);

    const ids = CASES.map((_, i) => `bad-job-${i + 1}`);
    await Promise.all(CASES.map((c, i) => queue.add(c.job ?? 'provision', c.data, ids[i]!)));
    const settled = await Promise.all(ids.map((id) => queue.settle(id, 45_000)));
    const all = await events.all();
    const eventsOf = (jobId: string) => all.filter((e) => (e.data as { jobId?: string }).jobId === jobId);

    const problems: string[] = [];
    CASES.forEach((c, i) => {
      const id = ids[i]!;
      const { state, job } = settled[i]!;
      const mine = eventsOf(id);
      const say = (what: string) => problems.push(`${c.name} (${id}): ${what}`);
      if ('ok' in c.expect) {
        if (state !== 'completed') say(`state ${state}: ${job.failedReason}`);
        const okEvents = mine.filter((e) => e.type === 'provision.succeeded');
        if (okEvents.length !== 1) say(`${okEvents.length} provision.succeeded events`);
        else if (
          (okEvents[0] as DcEvent & { data: { description: string } }).data.description !==
          c.expect.description
        )
          say(`event description ${JSON.stringify(okEvents[0]?.data)}`);
        return;
      }
      if (state !== 'failed') say(`state ${state}, expected failed`);
      // Failed at once: no retry, whatever attempts the producer allowed.
      if (job.attemptsMade !== 1) say(`attemptsMade ${job.attemptsMade}`);
      if (!job.failedReason?.startsWith(`${c.expect.code}:`)) say(`failedReason ${job.failedReason}`);
      const failed = mine.filter((e) => e.type.endsWith('.failed'));
      if (failed.length !== 1 || mine.length !== 1) {
        say(`events ${mine.map((e) => e.type).join(',')}`);
        return;
      }
      const data = failed[0]!.data as {
        code: string;
        retryable: boolean;
        final: boolean;
        fields?: { path: string }[];
      };
      if (data.code !== c.expect.code) say(`code ${data.code}`);
      if (data.retryable !== false || data.final !== true)
        say(`retryable ${data.retryable} final ${data.final}`);
      if (c.expect.code === 'invalid-job') {
        const named = [...new Set((data.fields ?? []).map((f) => f.path))].sort();
        if (JSON.stringify(named) !== JSON.stringify([...c.expect.fields].sort()))
          say(`fields ${JSON.stringify(named)}, expected ${JSON.stringify(c.expect.fields)}`);
      }
    });
    expect(problems).toEqual([]);

    // The valid texts landed verbatim, escaped: <enabled>false</enabled> stayed text.
    for (const c of CASES) {
      if (!('ok' in c.expect)) continue;
      const port = await readPort(nc, c.expect.port);
      expect(port, c.name).toMatchObject({ description: c.expect.description, enabled: 'true' });
      expect(port?.xml.match(/<enabled>/g), c.name).toHaveLength(1);
    }

    // Nothing else changed: the whole running config, minus the four intended ports, is as before.
    const after = await runningConfig(nc);
    const intended = new Set(PORTS);
    const rest = (xml: string) => {
      let out = xml;
      for (const [name, el] of interfacesOf(xml)) if (intended.has(name)) out = out.replace(el, '');
      // On a device that had no interface before, the container itself is new and now empty.
      return out
        .replace(/>\s+</g, '><')
        .replace(/<interfaces xmlns="[^"]*"><\/interfaces>/, '')
        .trim();
    };
    expect(rest(after)).toBe(rest(before));
    expect([...interfacesOf(after).keys()].filter((k) => !interfacesOf(before).has(k)).sort()).toEqual(
      [...PORTS].sort(),
    );

    // Job names are the producer's text: each would be a Prometheus series kept forever. Only the
    // contract's names get a label of their own; reboot, constructor and __proto__ count as other.
    const byName = await agent.metric('dcagent_jobs_total', 'name');
    expect([...byName.keys()].sort()).toEqual(['deprovision', 'other', 'provision']);
    expect(byName.get('other')).toBe(CASES.filter((c) => c.job && c.job !== 'deprovision').length);
  });
});
