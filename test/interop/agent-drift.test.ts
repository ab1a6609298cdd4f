// Issue 13: intent records, periodic audit, drift.detected once per distinct drift, heal.
// netconfd behind OpenSSH is the switch; ncclient is the engineer who changes it out of band.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import { ncclient } from '../../testkit/peers/ncclient.js';
import {
  eventually,
  fastAgentConfig,
  IETF_NS,
  ietfDevice,
  RawQueue,
  readPort,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

const DEVICE = 'nc-drift';
const AUDIT_SECONDS = 3;
/** One audit interval with its jitter, a job's queueing and a loaded machine's slack. */
const WITHIN_AN_INTERVAL_MS = 30_000;

function editXml(port: string, inner: string, op?: 'delete'): string {
  const attr = op ? ` xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="${op}"` : '';
  return `<config><interfaces xmlns="${IETF_NS}"><interface${attr}><name>${port}</name>${inner}</interface></interfaces></config>`;
}

describe.each([
  ['report', ['XGE14/0/1', 'XGE14/0/2', 'XGE14/0/3', 'XGE14/0/4']],
  ['heal', ['XGE15/0/1', 'XGE15/0/2', 'XGE15/0/3', 'XGE15/0/4']],
] as const)('drift under policy %s (netconfd + ncclient as the engineer)', (policy, ports) => {
  const peers = inject('peers');
  const prefix = `drift${policy}${Date.now()}`;
  const nc = peers.netconf.ietf;
  let agent: AgentProcess;
  let events: EventWatcher;
  let queue: RawQueue;
  const engineer = (port: string, inner: string, op?: 'delete') =>
    ncclient(nc, { op: 'edit-config', target: 'candidate', commit: true, config: editXml(port, inner, op) });

  beforeAll(async () => {
    const config = fastAgentConfig({
      redisUrl: peers.redis.url,
      prefix,
      agentId: `drift-${policy}`,
      spillFile: `${peers.runDir}/${prefix}-spill.jsonl`,
      devices: [ietfDevice(DEVICE, nc, peers, { ports: [...ports], communityEnv: 'DRIFT_COMMUNITY' })],
      monitoring: { intervalSeconds: 2, audit: { intervalSeconds: AUDIT_SECONDS, policy } },
    });
    agent = AgentProcess.start(AgentProcess.writeConfig(config), {
      DRIFT_COMMUNITY: 'drift-no-such-community',
    });
    await agent.waitForLog('dcagent running');
    events = new EventWatcher(peers.redis.url, prefix);
    queue = new RawQueue(peers.redis.url, prefix);
  });

  afterAll(async () => {
    expect(await agent?.stop('SIGTERM')).toBe(0);
    await queue?.close();
    events?.close();
  });

  async function provision(conn: string, port: string): Promise<void> {
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: conn, device: DEVICE, port, description: 'cust' },
      `provision-${conn}`,
    );
    await events.waitFor(conn, (e) => e.type === 'provision.succeeded');
  }

  /** Waits until a periodic audit that started after `since` has completed. */
  async function anAuditAfter(since: number): Promise<void> {
    await eventually(
      async () => {
        const done = await queue.queue.getJobs(['completed'], 0, 200);
        return done.some((j) => j.name === 'audit' && (j.processedOn ?? 0) > since);
      },
      WITHIN_AN_INTERVAL_MS,
      'a later periodic audit',
    );
  }

  const drifts = async (conn: string) => (await events.all(conn)).filter((e) => e.type === 'drift.detected');

  async function expectOneDrift(conn: string, field: string): Promise<DcEvent> {
    const ev = await events.waitFor(conn, (e) => e.type === 'drift.detected', WITHIN_AN_INTERVAL_MS);
    expect(ev.data).toMatchObject({ device: DEVICE, detectedBy: 'audit', policy });
    const data = ev.data as { drifts: { field: string }[]; diff: string };
    expect(data.drifts.map((d) => d.field)).toEqual([field]);
    expect(data.diff).toContain('intended');
    return ev;
  }

  /** Report: the drift is not published again by the next audit. Heal: ncclient sees the intent back. */
  async function afterDrift(conn: string, port: string, detected: DcEvent): Promise<void> {
    if (policy === 'report') {
      await anAuditAfter(Date.parse(detected.time));
      await anAuditAfter(Date.now());
      expect(await drifts(conn)).toHaveLength(1);
      return;
    }
    const healed = await events.waitFor(conn, (e) => e.type === 'drift.healed', WITHIN_AN_INTERVAL_MS);
    expect(healed.data).toMatchObject({ device: DEVICE, port, verified: true });
    const now = await readPort(nc, port);
    expect(now?.description).toBe(`HC ${conn} cust`);
    expect(now?.enabled).toBe('true');
  }

  it('a description changed on the switch: drift.detected with expected and actual', async () => {
    const conn = `hc-d1${policy}`;
    await provision(conn, ports[0]);
    await engineer(ports[0], '<description>edited by hand</description>');
    const ev = await expectOneDrift(conn, 'description');
    expect((ev.data as { drifts: unknown[] }).drifts[0]).toEqual({
      field: 'description',
      expected: `HC ${conn} cust`,
      actual: 'edited by hand',
    });
    await afterDrift(conn, ports[0], ev);
  });

  it('a port shut on the switch: enabled true → false', async () => {
    const conn = `hc-d2${policy}`;
    await provision(conn, ports[1]);
    await engineer(ports[1], '<enabled>false</enabled>');
    const ev = await expectOneDrift(conn, 'enabled');
    expect((ev.data as { drifts: unknown[] }).drifts[0]).toEqual({
      field: 'enabled',
      expected: true,
      actual: false,
    });
    await afterDrift(conn, ports[1], ev);
  });

  it('the interface entry deleted on the switch: missing', async () => {
    const conn = `hc-d3${policy}`;
    await provision(conn, ports[2]);
    await engineer(ports[2], '', 'delete');
    const ev = await expectOneDrift(conn, 'missing');
    expect((ev.data as { drifts: { actual: unknown }[] }).drifts[0]?.actual).toBeNull();
    await afterDrift(conn, ports[2], ev);
  });

  it.runIf(policy === 'report')(
    'a deprovisioned port configured again by hand: unexpected-config; an audit job returns the drifts',
    async () => {
      const conn = `hc-d4${policy}`;
      await provision(conn, ports[3]);
      await queue.add(
        'deprovision',
        { schemaVersion: 1, connectionId: conn, device: DEVICE, port: ports[3] },
        `deprovision-${conn}`,
      );
      await events.waitFor(conn, (e) => e.type === 'deprovision.succeeded');
      await engineer(ports[3], '<description>someone else</description><enabled>true</enabled>');
      await expectOneDrift(conn, 'unexpected-config');
      await queue.add('audit', { schemaVersion: 1, device: DEVICE, port: ports[3] }, `audit-${conn}-job`);
      const { state, job } = await queue.settle(`audit-${conn}-job`);
      expect(state).toBe('completed');
      expect(job.returnvalue.drifts).toEqual([
        expect.objectContaining({
          connectionId: conn,
          port: ports[3],
          drifts: [expect.objectContaining({ field: 'unexpected-config' })],
        }),
      ]);
    },
  );
});
