import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { parse, stringify } from 'yaml';
import { Agent } from '../../agent/app.js';
import type { Output } from '../../agent/command-line/io.js';
import { readNew } from '../../agent/events/stream.js';
import { createRedis, type RedisClient } from '../../agent/redis.js';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import { startConsole } from '../../console/start.js';
import type { DcEvent, Drift, EventType } from '../../contract/events.js';
import { type ConnectionState, type ControlPlaneAction, nextState } from '../../contract/lifecycle.js';
import { DcAgentError } from '../../core/errors.js';
import { createLogger, silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { SnmpPoller } from '../../drivers/snmp/poller.js';
import { createQueue, enqueueJob } from '../../jobs/pipeline/queue.js';
import { type Lab, startLab } from '../../lab/index.js';
import { freePort, type PrivateRedis, startPrivateRedis } from './redis-server.js';
import { Timeline } from './timeline.js';

export interface DemoOptions {
  io: Output;
  /** Redis to use; without one a private redis-server is started. */
  redisUrl?: string;
  /** Leave lab and agent running after the story, with a connection to watch. */
  keep?: boolean;
  /** With keep: also serve the web console, and print its URL. */
  console?: boolean;
  /** Per-step deadline. */
  stepTimeoutMs?: number;
}

export interface DemoResult {
  events: DcEvent[];
  elapsedMs: number;
  configPath: string;
  metricsUrl: string;
}

/** A running demo: the lab, the agent and Redis, and how to stop them all. */
interface Stack {
  lab: Lab;
  agent: Agent;
  redis?: PrivateRedis;
  cfg: AgentConfig;
  client: RedisClient;
  queue: Queue;
  poller: SnmpPoller;
}

const DEVICE_PORTS = 4;

async function startStack(o: DemoOptions, t: Timeline): Promise<Stack> {
  const redis = o.redisUrl ? undefined : await startPrivateRedis();
  const redisUrl = o.redisUrl ?? (redis as PrivateRedis).url;
  t.note(`redis ${redisUrl}${redis ? ' (private, started for the demo)' : ''}`);
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-demo-'));
  const configPath = join(dir, 'agent.yaml');
  const lab = await startLab({
    devices: 1,
    ports: DEVICE_PORTS,
    platform: 'ietf-interfaces',
    optics: 'huawei',
    linkUpDelayMs: 500,
    configOut: configPath,
    secrets: 'files',
    redisUrl,
    monitoringIntervalSeconds: 1,
    stateFile: join(dir, 'lab-state.json'),
  });
  // Tune the lab's config for a story told in seconds, and keep the demo's keys apart.
  const doc = parse(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
  doc.redis = { ...doc.redis, prefix: `dcagent-demo-${Date.now()}` };
  doc.agent = {
    ...doc.agent,
    id: 'demo-agent',
    httpPort: await freePort(),
    logLevel: 'warn',
    shutdownTimeoutSeconds: 10,
  };
  // Audits every 2 s under `heal`, so the agent notices an engineer's edit by itself and repairs it.
  doc.monitoring = {
    ...doc.monitoring,
    intervalSeconds: 1,
    upPolls: 3,
    downPolls: 2,
    audit: { intervalSeconds: 2, policy: 'heal' },
  };
  doc.queues = { attempts: 3, backoffMs: 500 };
  doc.events = { spillFile: join(dir, 'outbox-spill.jsonl') };
  writeFileSync(configPath, stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
  const cfg = loadConfig({ path: configPath });
  const device = lab.devices[0];
  t.note(
    `lab: switch ${device?.id} (${device?.platform}, ${device?.optics} optics) NETCONF :${device?.netconf.port}, SNMP udp :${device?.snmp.port}`,
  );
  const agent = new Agent({ cfg });
  await agent.start();
  t.note(`agent ${cfg.agent.id} running; metrics ${agent.httpAddress()}/metrics`);
  const client = createRedis(cfg.redis, 'cli', 'dcagent-demo');
  return {
    lab,
    agent,
    ...(redis ? { redis } : {}),
    cfg,
    client,
    queue: createQueue(cfg, client),
    poller: new SnmpPoller(cfg.devices, cfg.monitoring, { logger: silentLogger }),
  };
}

async function stopStack(s: Stack): Promise<void> {
  s.poller.close();
  await s.queue.close().catch(() => undefined);
  s.client.disconnect();
  await s.agent.stop();
  await s.lab.stop();
  await s.redis?.stop();
}

/** Plays the control plane through one Hosted Connection's life on the built-in lab. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const t = new Timeline(o.io);
  const stepTimeout = o.stepTimeoutMs ?? 30_000;
  t.header('dcagent demo: one Hosted Connection from order to removal, on the built-in device lab');
  const s = await startStack(o, t);
  const keys = new RedisKeys(s.cfg.redis.prefix, s.cfg.events.stream);
  const device = s.cfg.devices[0]!;
  const port = device.ports[0]!.name;
  const conn = 'hc-demo-0001';
  const seen: DcEvent[] = [];
  let cursor = '0';
  let state: ConnectionState = 'to-be-audited';

  const light = async () => {
    const [r] = await s.poller.poll(device.id, [port]);
    return r?.ok ? { rxDbm: r.rxDbm, txDbm: r.txDbm } : {};
  };
  const control = (action: ControlPlaneAction, what: string) => {
    state = nextState(state, { by: 'control-plane', action });
    t.row({ state, what: `control plane: ${what}`, style: 'cyan' });
  };
  /** Waits for the next event of `type` for the connection, printing every event that arrives. */
  const expectEvent = async (type: EventType, what: string, pred: (e: DcEvent) => boolean = () => true) => {
    t.wait(what);
    const until = Date.now() + stepTimeout;
    while (Date.now() < until) {
      const { entries, last } = await readNew(s.client, keys, cursor, 500);
      if (last) cursor = last;
      for (const { event } of entries) {
        if (event.subject !== conn) continue;
        seen.push(event);
        if (event.type === type && pred(event)) return event;
      }
    }
    throw new DcAgentError(
      'timeout',
      `no ${type} within ${stepTimeout / 1000} s (saw: ${seen.map((e) => e.type).join(', ') || 'nothing'})`,
    );
  };
  const agentMoved = (ev: DcEvent, to?: 'available' | 'unavailable') => {
    state = nextState(state, to ? { by: 'agent', event: ev.type, to } : { by: 'agent', event: ev.type });
  };
  const job = async (name: 'provision' | 'deprovision', id: string, extra: Record<string, unknown> = {}) => {
    await enqueueJob(
      s.queue,
      name,
      { schemaVersion: 1, connectionId: conn, device: device.id, port, ...extra },
      id,
    );
  };

  try {
    control('audit-approved', 'order audited');
    control('paid', 'order paid; construction starts');

    // 1. provision
    await job('provision', `provision-${conn}-1`, { description: 'ACME Corp, rack 12 <primary>' });
    const ok = await expectEvent('provision.succeeded', 'provision.succeeded');
    t.row({
      state,
      what: `provision.succeeded: "${(ok.data as { description: string }).description}" verified on the device`,
      ...(await light()),
      style: 'green',
    });

    // 2. the engineer patches the fibre
    s.lab.device(device.id).sim.patch(port);
    t.row({ state, what: 'field engineer patches the customer fibre', ...(await light()) });

    // 3. construction.completed with optical evidence
    const built = await expectEvent(
      'construction.completed',
      'construction.completed (port UP, optics normal)',
    );
    agentMoved(built);
    const ev = (
      built.data as { evidence: { rxDbm: (number | null)[]; txDbm: (number | null)[]; samples: number } }
    ).evidence;
    t.row({
      state,
      what: `construction.completed after ${ev.samples} healthy polls`,
      rxDbm: ev.rxDbm,
      txDbm: ev.txDbm,
      style: 'green',
    });
    control('customer-confirmed', 'customer confirms the connection');

    // 4. fibre cut → unavailable
    s.lab.device(device.id).sim.cut(port);
    t.row({ state, what: 'a backhoe cuts the customer fibre', ...(await light()) });
    const down = await expectEvent(
      'availability.changed',
      'availability.changed → unavailable',
      (e) => (e.data as { to: string }).to === 'unavailable',
    );
    agentMoved(down, 'unavailable');
    const dd = down.data as { rxDbm: (number | null)[]; txDbm: (number | null)[]; reason: string };
    t.row({
      state,
      what: 'availability.changed → unavailable',
      rxDbm: dd.rxDbm,
      txDbm: dd.txDbm,
      reason: dd.reason,
      style: 'red',
    });

    // 5. repair → available
    s.lab.device(device.id).sim.patch(port);
    t.row({ state, what: 'fibre spliced', ...(await light()) });
    const up = await expectEvent(
      'availability.changed',
      'availability.changed → available',
      (e) => (e.data as { to: string }).to === 'available',
    );
    agentMoved(up, 'available');
    const ud = up.data as { rxDbm: (number | null)[]; txDbm: (number | null)[]; reason: string };
    t.row({
      state,
      what: 'availability.changed → available',
      rxDbm: ud.rxDbm,
      txDbm: ud.txDbm,
      reason: ud.reason,
      style: 'green',
    });

    // 6. an engineer edits the port on the switch; the periodic audit reports it and heals it
    const edited = 'temp: loop test, J. Smith';
    s.lab.device(device.id).sim.editPort(port, { kind: 'description', text: edited });
    t.row({
      state,
      what: `network engineer edits the port on the switch: description "${edited}"`,
      ...(await light()),
    });
    const drift = await expectEvent('drift.detected', 'drift.detected (the periodic audit)');
    const dd6 = drift.data as { drifts: Drift[]; detectedBy: string; policy: string };
    t.row({
      state,
      what: `drift.detected: ${dd6.drifts.map((d) => `${d.field} expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`).join('; ')}`,
      reason: `detectedBy ${dd6.detectedBy}, policy ${dd6.policy}`,
      style: 'yellow',
    });
    const healed = await expectEvent('drift.healed', 'drift.healed');
    t.row({
      state,
      what: `drift.healed: intent re-applied through a confirmed commit and read back in ${(healed.data as { durationMs: number }).durationMs} ms`,
      ...(await light()),
      style: 'green',
    });

    // 7. deletion: blocked by a Private Virtual Interface, then unblocked
    control('delete-requested', 'customer deletes the connection');
    s.lab.device(device.id).sim.addSubinterface(port, 100);
    t.row({ state, what: `a Private Virtual Interface ${port}.100 is still configured` });
    await job('deprovision', `deprovision-${conn}-1`);
    const blocked = await expectEvent('deprovision.blocked', 'deprovision.blocked');
    t.row({
      state,
      what: `deprovision.blocked by ${(blocked.data as { subinterfaces: string[] }).subinterfaces.join(', ')}`,
      ...(await light()),
      reason: 'private-virtual-interfaces',
      style: 'yellow',
    });
    s.lab.device(device.id).sim.removeSubinterface(port, 100);
    t.row({ state, what: `the customer removes ${port}.100; the control plane retries with a new job` });
    await job('deprovision', `deprovision-${conn}-2`);

    // 8. deprovision.succeeded
    const gone = await expectEvent('deprovision.succeeded', 'deprovision.succeeded');
    agentMoved(gone);
    const lightPresent = (gone.data as { lightPresent: boolean }).lightPresent;
    t.row({
      state,
      what: `deprovision.succeeded: port cleared and verified${lightPresent ? '; light still present, fibre not yet removed' : ''}`,
      ...(await light()),
      style: 'green',
    });

    const seqs = seen.map((e) => e.sequence);
    const contiguous = seqs.every((q, i) => q === i + 1);
    t.header(
      `\nsummary: ${seen.length} events for ${conn}, sequence ${seqs[0]}..${seqs.at(-1)} ${contiguous ? 'contiguous' : 'NOT contiguous'}, final state ${state}, ${(t.elapsedMs() / 1000).toFixed(1)} s`,
    );
    if (!contiguous) throw new DcAgentError('internal', `event sequence has a gap: ${seqs.join(',')}`);
    const result = {
      events: seen,
      elapsedMs: t.elapsedMs(),
      configPath: s.cfg.source ?? '',
      metricsUrl: `${s.agent.httpAddress()}/metrics`,
    };

    if (o.keep) {
      await keepRunning(s, t, o.io, o.console ?? false);
      return result;
    }
    o.io.out('to see it in a browser: npm run demo -- --console (the web console, left running)');
    return result;
  } finally {
    if (!o.keep) await stopStack(s);
  }
}

/** `--keep`: a second connection stays up, and the operator is told how to watch it. */
async function keepRunning(s: Stack, t: Timeline, io: Output, withConsole: boolean): Promise<void> {
  const device = s.cfg.devices[0]!;
  const port = device.ports[1]!.name;
  await enqueueJob(
    s.queue,
    'provision',
    { schemaVersion: 1, connectionId: 'hc-demo-keep', device: device.id, port, description: 'kept running' },
    `provision-hc-demo-keep-${Date.now()}`,
  );
  s.lab.device(device.id).sim.patch(port);
  const cfg = s.cfg.source ?? '<config>';
  t.header('\nstill running (--keep); watch it with:');
  io.out(`  npx dcagent events --follow --config ${cfg}`);
  io.out(`  npx dcagent status --device ${device.id} --port ${port} --config ${cfg}`);
  io.out(`  curl ${s.agent.httpAddress()}/metrics   (also /healthz, /readyz)`);
  io.out(`  npx dcagent lab ctl cut --device ${device.id} --port ${port} --url ${s.lab.controlUrl}`);
  // The configured address when it is free (a newcomer's browser may have it open), else any port.
  const web = withConsole
    ? await startConsole(s.cfg, { log: createLogger({ level: 'warn', name: 'dcagent-console' }) }).catch(() =>
        freePort().then((p) =>
          startConsole(s.cfg, {
            listen: `127.0.0.1:${p}`,
            log: createLogger({ level: 'warn', name: 'dcagent-console' }),
          }),
        ),
      )
    : undefined;
  if (web)
    io.out(`  console: ${web.url}   (the fleet; ${web.url}connections/hc-demo-keep for one connection)`);
  io.out('press Ctrl-C to stop everything');
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  t.note('stopping lab, agent and redis');
  await web?.close();
  await stopStack(s);
}
