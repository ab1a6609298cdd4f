import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../agent/metrics.js';
import { ConfigReloader, diffConfigs } from '../../../agent/reload.js';
import { type ClosablePoller, ReloadablePoller } from '../../../agent/reloadable-poller.js';
import type { AgentConfig } from '../../../config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import type { PortPollResult } from '../../../drivers/snmp/poll-result.js';
import { type TestDeviceFields, testConfig } from '../../helpers/device-config.js';

const sw = (
  id: string,
  ports: string[] = ['xe-0/0/1'],
  extra: Record<string, unknown> = {},
): TestDeviceFields => ({
  id,
  platform: 'ietf-interfaces',
  ports,
  netconf: {
    username: 'netops',
    passwordEnv: 'SW_PASS',
    hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  },
  ...extra,
});
const cfgOf = (
  devices: TestDeviceFields[],
  rest: Record<string, unknown> = {},
  env: Record<string, string> = {},
) => testConfig({ agent: { id: 'a1' }, ...rest, devices }, { SW_PASS: 'pa55-word-xyz', ...env });

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { msg: string; level: number });
  return { logger: createLogger({ destination: stream, level: 'info' }), lines, text: () => chunks.join('') };
}

describe('diffConfigs', () => {
  it('names added, removed and changed devices; the same file is no change', () => {
    const old = cfgOf([sw('a'), sw('b'), sw('c')]);
    expect(diffConfigs(old, cfgOf([sw('a'), sw('b'), sw('c')]))).toEqual({
      added: [],
      removed: [],
      changed: [],
      restartOnly: [],
    });
    const next = cfgOf([sw('a'), sw('c', ['xe-0/0/1', 'xe-0/0/2']), sw('d')]);
    expect(diffConfigs(old, next)).toEqual({ added: ['d'], removed: ['b'], changed: ['c'], restartOnly: [] });
  });

  it('a new secret value is a change, though both print as [REDACTED]', () => {
    const dev = [sw('a', ['xe-0/0/1'], { snmp: { version: '2c', communityEnv: 'COMM' } })];
    const old = cfgOf(dev, {}, { COMM: 'first-community' });
    expect(diffConfigs(old, cfgOf(dev, {}, { COMM: 'first-community' })).changed).toEqual([]);
    expect(diffConfigs(old, cfgOf(dev, {}, { COMM: 'other-community' })).changed).toEqual(['a']);
  });

  it('names every setting outside devices that differs, by its dotted path', () => {
    const old = cfgOf([sw('a')]);
    const next = cfgOf([sw('a')], { agent: { id: 'a2', httpPort: 9999 }, queues: { jobs: 'other' } });
    expect(diffConfigs(old, next).restartOnly).toEqual(['agent.httpPort', 'agent.id', 'queues.jobs']);
  });
});

describe('ConfigReloader', () => {
  const setup = (load: () => AgentConfig) => {
    let current = cfgOf([sw('a'), sw('b')]);
    const applied: string[][] = [];
    const log = capture();
    const metrics = createMetrics();
    const reloader = new ConfigReloader({
      load,
      current: () => current,
      apply: (next, diff) => {
        current = next;
        applied.push([...diff.added, ...diff.removed, ...diff.changed]);
      },
      logger: log.logger,
      metrics,
    });
    return { reloader, applied, log, metrics, current: () => current };
  };

  it('applies a new inventory and logs one line naming what was added and removed', async () => {
    const s = setup(() => cfgOf([sw('a'), sw('c')]));
    expect(s.reloader.reload('SIGHUP')).toBe('applied');
    expect(s.applied).toEqual([['c', 'b']]);
    expect(s.current().devices.map((d) => d.id)).toEqual(['a', 'c']);
    const lines = s.log.lines().filter((l) => l.msg === 'config reloaded');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ added: ['c'], removed: ['b'], changed: [] });
    expect(await s.metrics.registry.metrics()).toContain('dcagent_config_reloads_total{result="applied"} 1');
  });

  it('refuses an invalid file with one line per problem and keeps the inventory', () => {
    const s = setup(() => {
      throw new ConfigError([
        { path: 'devices[1] (c).host', message: 'Required' },
        { path: 'devices[2] (d).platform', message: 'unknown platform' },
      ]);
    });
    const before = s.current();
    expect(s.reloader.reload('SIGHUP')).toBe('invalid');
    expect(s.current()).toBe(before);
    expect(s.applied).toEqual([]);
    const msgs = s.log.lines().map((l) => l.msg);
    expect(msgs).toContain('config reload: devices[1] (c).host: Required');
    expect(msgs).toContain('config reload: devices[2] (d).platform: unknown platform');
    expect(msgs.some((m) => m.startsWith('config reload refused'))).toBe(true);
  });

  it('refuses the whole reload when a setting that needs a restart changed, in one line', () => {
    const s = setup(() => cfgOf([sw('a'), sw('c')], { queues: { jobs: 'elsewhere' } }));
    expect(s.reloader.reload('SIGHUP')).toBe('restart-required');
    expect(s.applied).toEqual([]);
    const refused = s.log.lines().filter((l) => l.msg.startsWith('config reload refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]?.msg).toContain('queues.jobs');
    expect(refused[0]?.msg).toContain('restart');
  });

  it('never logs a secret value', () => {
    const dev = [sw('a', ['xe-0/0/1'], { snmp: { version: '2c', communityEnv: 'COMM' } })];
    const log = capture();
    let current = cfgOf(dev, {}, { COMM: 'old-community-value' });
    new ConfigReloader({
      load: () => cfgOf(dev, {}, { COMM: 'new-community-value' }),
      current: () => current,
      apply: (next) => {
        current = next;
      },
      logger: log.logger,
    }).reload('SIGHUP');
    expect(log.text()).toContain('"changed":["a"]');
    expect(log.text()).not.toContain('community-value');
  });
});

describe('ReloadablePoller', () => {
  class FakePoller implements ClosablePoller {
    closed = false;
    constructor(
      readonly name: string,
      readonly gate?: Promise<void>,
    ) {}
    async poll(deviceId: string): Promise<PortPollResult[]> {
      await this.gate;
      return [{ ok: false, device: deviceId, port: this.name, reason: 'snmp-error', message: '', at: 0 }];
    }
    close() {
      this.closed = true;
    }
  }
  const via = async (p: ReloadablePoller, device: string) => (await p.poll(device))[0]?.port;

  it('keeps unchanged devices on their instance, moves added and changed ones, closes an unused instance after its last poll', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const built: FakePoller[] = [];
    const names = ['first', 'second', 'third'];
    const p = new ReloadablePoller(
      () => {
        const f = new FakePoller(names[built.length] ?? 'more', built.length === 0 ? gate : undefined);
        built.push(f);
        return f;
      },
      cfgOf([sw('a'), sw('b')]),
    );
    const slow = p.poll('b');
    p.reload(cfgOf([sw('a'), sw('b', ['xe-0/0/9']), sw('c')]), ['c', 'b'], []);
    release();
    expect((await slow)[0]?.port).toBe('first');
    expect(await via(p, 'a')).toBe('first');
    expect(await via(p, 'b')).toBe('second');
    expect(await via(p, 'c')).toBe('second');
    expect(built[0]?.closed).toBe(false);

    // `a` leaves too: nothing routes to the first instance; it closes, the newest stays open.
    p.reload(cfgOf([sw('b', ['xe-0/0/9']), sw('c')]), [], ['a']);
    expect(built[0]?.closed).toBe(true);
    expect(built[1]?.closed).toBe(false);
    expect(built).toHaveLength(2);
  });

  it('hands the poll options (qualification error counters) to the device poller', async () => {
    const seen: unknown[] = [];
    const p = new ReloadablePoller(
      () => ({
        poll: async (_d: string, _ports?: readonly string[], options?: unknown) => {
          seen.push(options);
          return [];
        },
        close() {},
      }),
      cfgOf([sw('a')]),
    );
    await p.poll('a', ['xe-0/0/1'], { errorCounters: ['xe-0/0/1'] });
    await p.poll('a', ['xe-0/0/1']);
    expect(seen).toEqual([{ errorCounters: ['xe-0/0/1'] }, undefined]);
  });

  it('closes a retired instance only once its poll in flight has returned', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const built: FakePoller[] = [];
    const p = new ReloadablePoller(
      () => {
        const f = new FakePoller(`p${built.length}`, built.length === 0 ? gate : undefined);
        built.push(f);
        return f;
      },
      cfgOf([sw('a')]),
    );
    const inFlight = p.poll('a');
    p.reload(cfgOf([sw('a', ['xe-0/0/2'])]), ['a'], []);
    expect(built[0]?.closed).toBe(false);
    release();
    await inFlight;
    expect(built[0]?.closed).toBe(true);
    expect(await via(p, 'a')).toBe('p1');
  });
});
