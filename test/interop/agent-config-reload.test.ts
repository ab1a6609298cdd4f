import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { DcEvent } from '../../contract/events.js';
import {
  eventually,
  fastAgentConfig,
  ietfDevice,
  RawQueue,
  readPort,
  writeAgentConfig,
} from '../helpers/agent-env.js';
import { AgentProcess, EventWatcher } from '../helpers/agent-proc.js';

// Reloading the config without a restart (issue 13 item 5, CONTRACT §6), on the built binary:
// SIGHUP and `run --watch-config` put a new inventory to use; a bad file is refused and the agent
// keeps running on the old one; a removed device's connections are degraded `not-in-inventory`.

const COMMUNITY_ENV = 'RELOAD_COMMUNITY';

describe.concurrent('dcagent run: config reload', () => {
  const peers = inject('peers');
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  });

  const device = (id: string, port: string) =>
    ietfDevice(id, peers.netconf.ietf, peers, { ports: [port], communityEnv: COMMUNITY_ENV });
  const config = (prefix: string, devices: Record<string, unknown>[]) =>
    fastAgentConfig({
      redisUrl: peers.redis.url,
      prefix,
      agentId: prefix,
      spillFile: `${peers.runDir}/${prefix}-spill.jsonl`,
      devices,
    });
  const setup = (prefix: string, devices: Record<string, unknown>[], args: string[] = []) => {
    const path = writeAgentConfig(peers.runDir, config(prefix, devices));
    const agent = AgentProcess.start(path, { [COMMUNITY_ENV]: 'agent-reload' }, args);
    const queue = new RawQueue(peers.redis.url, prefix);
    const events = new EventWatcher(peers.redis.url, prefix);
    cleanup.push(async () => {
      if (!agent.exited) await agent.stop('SIGKILL');
      await queue.close();
      events.close();
    });
    const provision = async (jobId: string, conn: string, dev: string, port: string) => {
      await queue.add('provision', { schemaVersion: 1, connectionId: conn, device: dev, port }, jobId);
      return events.waitFor(conn, (e) => e.id.startsWith(`${jobId}:`) && isFinal(e), 60_000);
    };
    return { path, agent, queue, events, provision };
  };
  const isFinal = (e: DcEvent) =>
    e.type === 'provision.succeeded' ||
    (e.type === 'provision.failed' && (e.data as { final?: boolean }).final !== false);
  const rewrite = (path: string, prefix: string, devices: Record<string, unknown>[]) =>
    writeFileSync(path, stringify(config(prefix, devices)));

  it('SIGHUP: a job for a device just added succeeds without a restart', async () => {
    const prefix = `rladd${Date.now()}`;
    const s = setup(prefix, [device('rl-old', 'XGE16/0/1')]);
    await s.agent.waitForLog('dcagent running', 30_000);

    // Before the reload the device is unknown: the job fails for good.
    const before = await s.provision('provision-rl-new-1', 'rl-new-a', 'rl-new', 'XGE16/0/2');
    expect(before.type).toBe('provision.failed');
    expect((before.data as { code: string }).code).toBe('unknown-device');

    rewrite(s.path, prefix, [device('rl-old', 'XGE16/0/1'), device('rl-new', 'XGE16/0/2')]);
    s.agent.child.kill('SIGHUP');
    await s.agent.waitForLog('"msg":"config reloaded"', 30_000);
    expect(s.agent.log()).toMatch(/"added":\["rl-new"\]/);

    const after = await s.provision('provision-rl-new-2', 'rl-new-b', 'rl-new', 'XGE16/0/2');
    expect(after.type).toBe('provision.succeeded');
    expect((await readPort(peers.netconf.ietf, 'XGE16/0/2'))?.description).toBe('HC rl-new-b');
    // The unchanged device still works, on the session it had.
    expect((await s.provision('provision-rl-old-1', 'rl-old-a', 'rl-old', 'XGE16/0/1')).type).toBe(
      'provision.succeeded',
    );
    expect(s.agent.exited).toBe(false);
    expect(s.agent.log()).not.toContain('"msg":"draining"');
  });

  it('SIGHUP: a removed device stops being polled and its connection gets monitoring.degraded not-in-inventory, once', async () => {
    const prefix = `rlrm${Date.now()}`;
    const s = setup(prefix, [device('rl-keep', 'XGE16/0/3'), device('rl-gone', 'XGE16/0/4')]);
    await s.agent.waitForLog('dcagent running', 30_000);
    for (const [dev, port] of [
      ['rl-keep', 'XGE16/0/3'],
      ['rl-gone', 'XGE16/0/4'],
    ] as const) {
      expect((await s.provision(`provision-${dev}-1`, `${dev}-a`, dev, port)).type).toBe(
        'provision.succeeded',
      );
    }
    const polls = (dev: string) =>
      s.agent.metric('dcagent_poll_duration_seconds_count', 'device').then((m) => m.get(dev) ?? 0);
    await eventually(async () => (await polls('rl-gone')) > 0, 30_000, 'rl-gone polled before the reload');

    rewrite(s.path, prefix, [device('rl-keep', 'XGE16/0/3')]);
    s.agent.child.kill('SIGHUP');
    await s.agent.waitForLog('"msg":"config reloaded"', 30_000);
    expect(s.agent.log()).toMatch(/"removed":\["rl-gone"\]/);
    const notInInventory = async () =>
      (await s.events.all('rl-gone-a')).filter(
        (e) =>
          e.type === 'monitoring.degraded' && (e.data as { reason: string }).reason === 'not-in-inventory',
      );
    const [degraded] = await eventually(
      async () => {
        const found = await notInInventory();
        return found.length > 0 && found;
      },
      30_000,
      'monitoring.degraded not-in-inventory',
    );
    expect(degraded?.data).toMatchObject({ device: 'rl-gone', port: 'XGE16/0/4' });

    // The kept device goes on being polled; the removed one is not polled again, nor reported again.
    // (A poll already under way at the reload may still land: the baseline is taken after it.)
    const settle = await polls('rl-keep');
    await eventually(async () => (await polls('rl-keep')) >= settle + 2, 30_000, 'rl-keep polled on');
    const gone = await polls('rl-gone');
    const kept = await polls('rl-keep');
    await eventually(async () => (await polls('rl-keep')) >= kept + 3, 30_000, 'rl-keep polled on');
    expect(await polls('rl-gone')).toBe(gone);
    s.agent.child.kill('SIGHUP');
    await s.agent.waitForLog('"msg":"config reloaded: no change"', 30_000);
    await eventually(async () => (await polls('rl-keep')) >= kept + 5, 30_000, 'rl-keep polled on');
    expect(await notInInventory()).toHaveLength(1);
    expect(await polls('rl-gone')).toBe(gone);
  });

  it('SIGHUP with an invalid file: refused, one line per problem, the old inventory keeps working', async () => {
    const prefix = `rlbad${Date.now()}`;
    const s = setup(prefix, [device('rl-stay', 'XGE16/0/6')]);
    await s.agent.waitForLog('dcagent running', 30_000);
    const bad = config(prefix, [
      device('rl-stay', 'XGE16/0/6'),
      { ...device('rl-broken', 'XGE16/0/7'), platform: 'no-such-platform' },
      { ...device('rl-broken2', 'XGE16/0/8'), host: '' },
    ]);
    writeFileSync(s.path, stringify(bad));
    s.agent.child.kill('SIGHUP');
    await s.agent.waitForLog('config reload refused', 30_000);
    const problems = s.agent
      .log()
      .split('\n')
      .filter((l) => l.includes('"msg":"config reload: devices['));
    expect(problems.some((l) => l.includes('rl-broken') && l.includes('platform'))).toBe(true);
    expect(problems.some((l) => l.includes('rl-broken2') && l.includes('host'))).toBe(true);
    expect(s.agent.exited).toBe(false);
    expect((await s.provision('provision-rl-stay-1', 'rl-stay-a', 'rl-stay', 'XGE16/0/6')).type).toBe(
      'provision.succeeded',
    );
  });

  it('--watch-config picks up a file renamed into place', async () => {
    const prefix = `rlwatch${Date.now()}`;
    const s = setup(prefix, [device('rl-w1', 'XGE16/0/9')], ['--watch-config']);
    await s.agent.waitForLog('dcagent running', 30_000);
    // As an editor or config-management tool writes: a new file beside it, renamed over it.
    const tmp = join(dirname(s.path), '.agent.yaml.tmp');
    writeFileSync(
      tmp,
      stringify(config(prefix, [device('rl-w1', 'XGE16/0/9'), device('rl-w2', 'XGE16/0/10')])),
    );
    renameSync(tmp, s.path);
    await s.agent.waitForLog('"added":["rl-w2"]', 30_000);
    expect((await s.provision('provision-rl-w2-1', 'rl-w2-a', 'rl-w2', 'XGE16/0/10')).type).toBe(
      'provision.succeeded',
    );
    // And a second rename: the watch survives the replaced inode.
    writeFileSync(tmp, stringify(config(prefix, [device('rl-w2', 'XGE16/0/10')])));
    renameSync(tmp, s.path);
    await s.agent.waitForLog('"removed":["rl-w1"]', 30_000);
  });
});
