import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DcEvent } from '../../contract/events.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { holdLock, ncclient } from '../../testkit/peers/ncclient.js';
import {
  eventually,
  fastAgentConfig,
  IETF_NS,
  ietfDevice,
  RawQueue,
  RedisMonitor,
  readPort,
  runningConfig,
  sleep,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// Dry runs, both ways: `dcagent run --dry-run` (every job only planned) and a `dryRun: true` job
// on a normal agent. Only *.planned events come out, with the exact NETCONF payload and a diff;
// the device is not touched (ncclient: running identical) and no lock is taken: the jobs succeed
// while another session holds the candidate lock, and Redis MONITOR never sees our device lock
// key, which it does see for the real job that follows (so the check can fail).

const DEVICE = 'nc-dry';
const NEW_PORT = 'XGE2/0/1';
const OLD_PORT = 'XGE2/0/2';
const COMMUNITY_ENV = 'DRY_RUN_COMMUNITY';
const DESCRIPTION = 'dry <run> & "quotes"';
const IANA = 'urn:ietf:params:xml:ns:yang:iana-if-type';

/** The payload a provision of NEW_PORT sends, written out by hand from RFC 6241 and RFC 7223. */
const provisionRpc = (conn: string) =>
  '<edit-config><target><candidate/></target><default-operation>merge</default-operation>' +
  '<config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">' +
  `<interfaces xmlns="${IETF_NS}"><interface><name>${NEW_PORT}</name>` +
  `<type xmlns:ianaift="${IANA}">ianaift:ethernetCsmacd</type>` +
  `<description>HC ${conn} dry &lt;run&gt; &amp; &quot;quotes&quot;</description>` +
  '<enabled>true</enabled></interface></interfaces></config></edit-config>';

const deprovisionRpc =
  '<edit-config><target><candidate/></target><default-operation>merge</default-operation>' +
  '<config xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0">' +
  `<interfaces xmlns="${IETF_NS}"><interface><name>${OLD_PORT}</name>` +
  `<type xmlns:ianaift="${IANA}">ianaift:ethernetCsmacd</type>` +
  '<description nc:operation="remove"/><enabled>false</enabled></interface></interfaces></config></edit-config>';

describe('dry runs: planned events only, exact payload and diff, device untouched, no lock', () => {
  const peers = inject('peers');
  const nc = peers.netconf.ietf;
  const started: AgentProcess[] = [];
  let monitor: RedisMonitor;
  let redis: Redis;

  beforeAll(async () => {
    // A port that is already someone's, so the deprovision plan has something to remove.
    await ncclient(nc, {
      op: 'edit-config',
      target: 'candidate',
      commit: true,
      config: `<interfaces xmlns="${IETF_NS}"><interface><name>${OLD_PORT}</name><type xmlns:ianaift="${IANA}">ianaift:ethernetCsmacd</type><description>HC hc-dry-old leased line</description><enabled>true</enabled></interface></interfaces>`,
    });
    redis = new Redis(peers.redis.url);
    monitor = await RedisMonitor.start(peers.redis.host, peers.redis.port);
  });

  afterAll(async () => {
    for (const a of started) if (!a.exited) await a.stop('SIGKILL');
    monitor?.close();
    redis?.disconnect();
  });

  async function runDry(o: { prefix: string; agentArgs: string[]; dryRunField: boolean }) {
    const keys = new RedisKeys(o.prefix, 'events');
    const agent = AgentProcess.start(
      writeAgentConfig(
        peers.runDir,
        fastAgentConfig({
          redisUrl: peers.redis.url,
          prefix: o.prefix,
          agentId: o.prefix,
          spillFile: `${peers.runDir}/${o.prefix}-spill.jsonl`,
          devices: [
            ietfDevice(DEVICE, nc, peers, { ports: [NEW_PORT, OLD_PORT], communityEnv: COMMUNITY_ENV }),
          ],
        }),
      ),
      { [COMMUNITY_ENV]: 'agent-dry-run' },
      o.agentArgs,
    );
    started.push(agent);
    await agent.waitForLog('dcagent running');
    const queue = new RawQueue(peers.redis.url, o.prefix);
    const events = new EventWatcher(peers.redis.url, o.prefix);
    const conn = `hc-${o.prefix}`;
    const before = await runningConfig(nc);
    const from = monitor.lines.length;
    // Someone else holds the candidate lock for the whole dry run.
    const other = holdLock(nc, 30);
    await other.locked;
    try {
      const extra = o.dryRunField ? { dryRun: true } : {};
      await queue.add(
        'provision',
        {
          schemaVersion: 1,
          connectionId: conn,
          device: DEVICE,
          port: NEW_PORT,
          description: DESCRIPTION,
          ...extra,
        },
        `provision-${conn}`,
      );
      await queue.add(
        'deprovision',
        { schemaVersion: 1, connectionId: 'hc-dry-old', device: DEVICE, port: OLD_PORT, ...extra },
        `deprovision-${conn}`,
      );
      for (const id of [`provision-${conn}`, `deprovision-${conn}`]) {
        const { state, job } = await queue.settle(id, 20_000);
        expect(state, job.failedReason).toBe('completed');
      }
      expect(other.child.exitCode).toBeNull();
    } finally {
      other.child.kill('SIGKILL');
      await other.done;
    }

    const planned = (await events.waitFor(conn, (e) => e.type === 'provision.planned')) as DcEvent & {
      data: { rpc: string; diff: string; changes: number };
    };
    expect(await events.all(conn)).toEqual([planned]);
    expect(planned).toMatchObject({ dryRun: true, sequence: 1, data: { device: DEVICE, port: NEW_PORT } });
    expect(planned.data.rpc).toBe(provisionRpc(conn));
    // The port does not exist yet: everything is added.
    expect(planned.data.diff).toContain(
      `+interface ${NEW_PORT}\n+ description HC ${conn} ${DESCRIPTION}\n+ enabled true\n`,
    );
    expect(planned.data.changes).toBe(3);

    const cleared = (await events.waitFor(
      'hc-dry-old',
      (e) => e.type === 'deprovision.planned',
    )) as DcEvent & {
      data: { rpc: string; diff: string; changes: number };
    };
    expect(cleared.dryRun).toBe(true);
    expect(cleared.data.rpc).toBe(deprovisionRpc);
    expect(cleared.data.diff).toContain(
      ` interface ${OLD_PORT}\n- description HC hc-dry-old leased line\n- enabled true\n+ enabled false\n`,
    );
    expect(cleared.data.changes).toBe(3);
    expect((await events.all()).map((e) => e.type).sort()).toEqual([
      'deprovision.planned',
      'provision.planned',
    ]);

    // The device is exactly as before, and nothing is being watched.
    expect(await runningConfig(nc)).toBe(before);
    expect(await redis.smembers(keys.trackedConnections)).toEqual([]);
    const lockKey = keys.deviceLock(DEVICE);
    // Give MONITOR a moment to show the last commands, then: not one mentions our device lock.
    await sleep(200);
    expect(monitor.mentioning(lockKey, from)).toEqual([]);
    await queue.close();
    events.close();
    return { agent, keys, conn, planned, from };
  }

  it('`dcagent run --dry-run` plans ordinary jobs', async () => {
    const { agent } = await runDry({ prefix: 'dryagent', agentArgs: ['--dry-run'], dryRunField: false });
    expect(agent.log()).toContain('"dryRun":true');
    expect(await agent.stop('SIGTERM')).toBe(0);
  });

  it('a `dryRun: true` job on a normal agent; the real job then does what the plan said', async () => {
    const { agent, keys, conn, planned } = await runDry({
      prefix: 'dryjob',
      agentArgs: [],
      dryRunField: true,
    });
    // Positive control: the real job takes our device lock (MONITOR sees it) and lands the plan.
    const from = monitor.lines.length;
    const queue = new RawQueue(peers.redis.url, 'dryjob');
    await queue.add(
      'provision',
      { schemaVersion: 1, connectionId: conn, device: DEVICE, port: NEW_PORT, description: DESCRIPTION },
      `provision-${conn}-real`,
    );
    expect((await queue.settle(`provision-${conn}-real`)).state).toBe('completed');
    await queue.close();
    await eventually(
      async () => monitor.mentioning(keys.deviceLock(DEVICE), from).some((l) => /\] "set" /i.test(l)),
      5_000,
      'MONITOR shows the real job setting the device lock',
    );
    const port = await readPort(nc, NEW_PORT);
    const after = planned.data.diff
      .split('\n')
      .filter((l) => l.startsWith('+ '))
      .map((l) => l.slice(2));
    expect(after).toEqual([`description ${port?.description}`, `enabled ${port?.enabled}`]);
    expect(await agent.stop('SIGTERM')).toBe(0);
  });
});
