import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueueJob } from '../../jobs/pipeline/queue.js';
import { ncclient } from '../../testkit/peers/ncclient.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';
import { h3cPort, SnmpPhysics } from '../helpers/physics.js';

const IETF = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const PORT = 'XGE9/0/1';
const CONN = 'hc-life1';

function subinterfaceXml(name: string, op?: 'delete'): string {
  const attr = op ? ` xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="${op}"` : '';
  const type = op
    ? ''
    : '<type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:l2vlan</type>';
  return `<config><interfaces xmlns="${IETF}"><interface${attr}><name>${name}</name>${type}</interface></interfaces></config>`;
}

describe('the agent end to end: real Redis, netconfd behind OpenSSH, snmpsimd (ncclient checks the device)', () => {
  const peers = inject('peers');
  const prefix = `life${Date.now()}`;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: Queue;
  let queueRedis: Redis;

  beforeAll(async () => {
    const nc = peers.netconf.ietf;
    const config = {
      redis: { url: peers.redis.url, prefix },
      agent: { id: 'life-agent', httpPort: 0, logLevel: 'debug', shutdownTimeoutSeconds: 10 },
      queues: { attempts: 3, backoffMs: 200 },
      monitoring: { intervalSeconds: 1, upPolls: 2, downPolls: 2 },
      events: { spillFile: `${peers.runDir}/${prefix}-spill.jsonl` },
      devices: [
        {
          id: 'nc-sw1',
          host: nc.host,
          platform: 'ietf-interfaces',
          portType: '10GBASE-LR',
          ports: ['XGE9/0/1', 'XGE9/0/2'],
          netconf: {
            port: nc.port,
            username: nc.username,
            privateKeyFile: nc.privateKeyPath,
            hostKey: nc.hostKeySha256,
            confirmTimeoutSeconds: 30,
            rpcTimeoutMs: 15_000,
          },
          snmp: {
            port: peers.snmp.port,
            version: '2c',
            communityEnv: 'LIFE_COMMUNITY',
            timeoutMs: 1000,
            retries: 0,
          },
          optics: 'h3c',
        },
      ],
    };
    agent = AgentProcess.start(AgentProcess.writeConfig(config), { LIFE_COMMUNITY: 'agent-lifecycle' });
    await agent.waitForLog('dcagent running');
    events = new EventWatcher(peers.redis.url, prefix);
    queueRedis = new Redis(peers.redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('dc-port-jobs', { connection: queueRedis, prefix });
  });

  afterAll(async () => {
    const code = await agent?.stop('SIGTERM');
    expect(code).toBe(0);
    await queue?.close();
    queueRedis?.disconnect();
    events?.close();
    await h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-lifecycle'), 61001).dark();
    await h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-lifecycle'), 61002).dark();
  });

  it('walks a Hosted Connection from provision to deprovision with the exact events', async () => {
    const nc = peers.netconf.ietf;
    const port = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-lifecycle'), 61001);
    await port.dark();

    // 1. provision → provision.succeeded, and the device's running config really holds it.
    await enqueueJob(
      queue,
      'provision',
      {
        schemaVersion: 1,
        connectionId: CONN,
        device: 'nc-sw1',
        port: PORT,
        description: 'ACME <primary> & "co"',
      },
      'provision-hc-life1-1',
    );
    const ok = await events.waitFor(CONN, (e) => e.type === 'provision.succeeded');
    expect(ok.data).toMatchObject({
      verified: true,
      description: 'HC hc-life1 ACME <primary> & "co"',
      portType: '10GBASE-LR',
    });
    const running = await ncclient(nc, {
      op: 'get-config',
      source: 'running',
      filter: `<interfaces xmlns="${IETF}"><interface><name>${PORT}</name></interface></interfaces>`,
    });
    expect(running).toContain('<description>HC hc-life1 ACME &lt;primary&gt; &amp; "co"</description>');
    expect(running).toMatch(/<enabled>true<\/enabled>/);

    // 2. the engineer patches the fibre: UP with light → construction.completed with evidence.
    await port.up(-2.5, -1.8);
    const built = await events.waitFor(CONN, (e) => e.type === 'construction.completed');
    expect(built.data).toMatchObject({
      device: 'nc-sw1',
      port: PORT,
      evidence: {
        adminStatus: 'up',
        operStatus: 'up',
        rxDbm: [-2.5],
        txDbm: [-1.8],
        thresholds: { rx: [-14.4, 0.5], tx: [-8.2, 0.5] },
        samples: 2,
      },
    });

    // 3. fibre cut → unavailable (oper-down).
    await port.cut(-1.8);
    const down = await events.waitFor(
      CONN,
      (e) => e.type === 'availability.changed' && e.data.to === 'unavailable',
    );
    expect(down.data).toMatchObject({ to: 'unavailable', reason: 'oper-down', rxDbm: [null], txDbm: [-1.8] });

    // 4. repaired → available.
    await port.up(-2.6, -1.8);
    const up = await events.waitFor(
      CONN,
      (e) => e.type === 'availability.changed' && e.data.to === 'available',
    );
    expect(up.data).toMatchObject({ reason: 'recovered', rxDbm: [-2.6] });

    // 5. a Private Virtual Interface appears → deprovision is blocked and nothing changes.
    await ncclient(nc, {
      op: 'edit-config',
      target: 'candidate',
      commit: true,
      config: subinterfaceXml(`${PORT}.100`),
    });
    await enqueueJob(
      queue,
      'deprovision',
      { schemaVersion: 1, connectionId: CONN, device: 'nc-sw1', port: PORT },
      'deprovision-hc-life1-1',
    );
    const blocked = await events.waitFor(CONN, (e) => e.type === 'deprovision.blocked');
    expect(blocked.data).toMatchObject({
      reason: 'private-virtual-interfaces',
      subinterfaces: [`${PORT}.100`],
    });
    expect(
      await ncclient(nc, {
        op: 'get-config',
        source: 'running',
        filter: `<interfaces xmlns="${IETF}"><interface><name>${PORT}</name></interface></interfaces>`,
      }),
    ).toContain('HC hc-life1');

    // 6. the PVI is removed → deprovision.succeeded, the port is clear on the device.
    await ncclient(nc, {
      op: 'edit-config',
      target: 'candidate',
      commit: true,
      config: subinterfaceXml(`${PORT}.100`, 'delete'),
    });
    await enqueueJob(
      queue,
      'deprovision',
      { schemaVersion: 1, connectionId: CONN, device: 'nc-sw1', port: PORT },
      'deprovision-hc-life1-2',
    );
    const gone = await events.waitFor(CONN, (e) => e.type === 'deprovision.succeeded');
    expect(gone.data).toMatchObject({ verified: true, lightPresent: true });
    const after = await ncclient(nc, {
      op: 'get-config',
      source: 'running',
      filter: `<interfaces xmlns="${IETF}"><interface><name>${PORT}</name></interface></interfaces>`,
    });
    expect(after).not.toContain('<description>');
    expect(after).not.toContain('<enabled>true</enabled>');

    // The exact sequence, numbered 1..n without a gap.
    const all = await events.all(CONN);
    expect(all.map((e) => e.type)).toEqual([
      'provision.succeeded',
      'construction.completed',
      'availability.changed',
      'availability.changed',
      'deprovision.blocked',
      'deprovision.succeeded',
    ]);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.every((e) => e.source === 'dcagent/life-agent' && e.dryRun === false)).toBe(true);
  });

  it('a restarted agent resumes the connection without repeating construction.completed', async () => {
    const port = h3cPort(new SnmpPhysics(peers.snmp.host, peers.snmp.port, 'agent-lifecycle'), 61002);
    await port.dark();
    await enqueueJob(
      queue,
      'provision',
      { schemaVersion: 1, connectionId: 'hc-life2', device: 'nc-sw1', port: 'XGE9/0/2' },
      'provision-hc-life2-1',
    );
    await events.waitFor('hc-life2', (e) => e.type === 'provision.succeeded');
    await port.up(-3.0, -2.0);
    await events.waitFor('hc-life2', (e) => e.type === 'construction.completed');
    // Restart: the new process loads the tracked connection and its health state from Redis.
    expect(await agent.stop('SIGTERM')).toBe(0);
    agent = AgentProcess.start(agent.configPath, { LIFE_COMMUNITY: 'agent-lifecycle' });
    await agent.waitForLog('dcagent running');
    // Healthy polls after the restart must not announce construction again; a cut is still seen.
    await new Promise((r) => setTimeout(r, 3_000));
    await port.cut(-2.0);
    await events.waitFor('hc-life2', (e) => e.type === 'availability.changed');
    const all = await events.all('hc-life2');
    expect(all.map((e) => e.type)).toEqual([
      'provision.succeeded',
      'construction.completed',
      'availability.changed',
    ]);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3]);
  });
});
