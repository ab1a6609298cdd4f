// `dcagent status` as operators run it: the built binary (node bin/dcagent.js) with a generated
// config, against snmpsimd, for every optics adapter, in human and --json form.
//
// The test runs dist/. It rebuilds dist/ (tsc -p tsconfig.build.json) in beforeAll when any
// source file is newer than the built CLI, so a stale build cannot make it pass or fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../agent/connections.js';
import { writeBaseline } from '../../agent/optics-history.js';
import { DEFAULT_THRESHOLDS } from '../../config/defaults.js';
import { deviceStatusSchema, portStatusSchema } from '../../contract/cli-output.js';
import { RedisKeys } from '../../core/redis-keys.js';
import { FIXTURE_DEVICES, type FixtureDevice, fixtureDevice, snmpset } from '../fakes/snmp-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'bin/dcagent.js');
const BUILT = resolve(ROOT, 'dist/agent/commands/main.js');
const SOURCES = ['agent', 'drivers', 'config', 'core', 'contract', 'jobs', 'lab'];

const snmp = inject('peers').snmp;
const redisUrl = inject('peers').redis.url;
const PREFIX = `status-${process.pid}`;
let dir: string;
let configPath: string;
const env: NodeJS.ProcessEnv = { ...process.env, STATUS_TEST_NC_PASS: 'not-used-by-status' };

function newestSource(): number {
  let newest = 0;
  for (const top of SOURCES) {
    const base = resolve(ROOT, top);
    let entries: string[];
    try {
      entries = readdirSync(base, { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const e of entries)
      if (e.endsWith('.ts')) newest = Math.max(newest, statSync(join(base, e)).mtimeMs);
  }
  return newest;
}

function ensureFreshBuild(): void {
  let built = 0;
  try {
    built = statSync(BUILT).mtimeMs;
  } catch {
    // Not built yet.
  }
  const newest = newestSource();
  if (built >= newest) return;
  const tsc = spawnSync(
    process.execPath,
    [resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  // tsc emits despite type errors; type checking is `npm run typecheck`'s job, a current dist/ is ours.
  if (tsc.status !== 0)
    console.warn(`[status test] tsc reported errors:\n${tsc.stdout.split('\n').slice(0, 5).join('\n')}`);
  if (statSync(BUILT).mtimeMs < newest)
    throw new Error('dist/ is stale and tsc -p tsconfig.build.json did not rebuild it');
}

function deviceId(d: FixtureDevice): string {
  return d.community.replace(/^dcagent-/, 'sw-');
}

/** YAML for one device; communities come from the environment, as in production. */
function deviceYaml(
  id: string,
  community: string,
  optics: string,
  ports: FixtureDevice['ports'],
  snmpExtra = '',
): string {
  const envName = `STATUS_TEST_${id.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`;
  env[envName] = community;
  const portLines = ports.map((p) => `      - { name: "${p.name}", portType: ${p.portType} }`).join('\n');
  return [
    `  - id: ${id}`,
    `    host: ${snmp.host}`,
    '    platform: ietf-interfaces',
    '    portType: 10GBASE-LR',
    '    ports:',
    portLines,
    '    netconf: { username: netops, passwordEnv: STATUS_TEST_NC_PASS, insecureAcceptAnyHostKey: true }',
    `    snmp: { port: ${snmp.port}, version: 2c, communityEnv: ${envName}, timeoutMs: 2000, retries: 1${snmpExtra} }`,
    `    optics: ${optics}`,
  ].join('\n');
}

function runStatus(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'status', '--config', configPath, ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ensureFreshBuild();
  dir = mkdtempSync(join(tmpdir(), 'dcagent-status-'));
  configPath = join(dir, 'agent.yaml');
  env.STATUS_TEST_V3_AUTH = snmp.v3.authKey;
  env.STATUS_TEST_V3_PRIV = snmp.v3.privKey;
  const devices = [
    ...FIXTURE_DEVICES.map((d) => deviceYaml(deviceId(d), d.community, d.optics, d.ports)),
    // The same ENTITY-SENSOR device (no module thresholds) with the config's own bounds.
    `${deviceYaml('sw-entity-cfg', 'dcagent-entity-sensor', 'entity-sensor', [
      { name: 'Ethernet1', portType: '10GBASE-LR', lanes: 1 },
    ])}\n    thresholds: { rx: [-12, 0], rxWarning: [-10, -1] }`,
    deviceYaml('sw-cisco16', 'cisco_16_switch', 'none', [
      { name: 'Fa3/0/1', portType: '1000BASE-LX', lanes: 1 },
    ]),
    deviceYaml('sw-silent', 'no-such-community', 'h3c', [
      { name: 'Ten-GigabitEthernet1/0/1', portType: '10GBASE-LR', lanes: 1 },
    ]),
    [
      '  - id: sw-v3',
      `    host: ${snmp.host}`,
      '    platform: ietf-interfaces',
      '    portType: 10GBASE-LR',
      '    ports: ["Ten-GigabitEthernet1/0/2"]',
      '    netconf: { username: netops, passwordEnv: STATUS_TEST_NC_PASS, insecureAcceptAnyHostKey: true }',
      `    snmp: { port: ${snmp.port}, version: 3, user: ${snmp.v3.user}, authProtocol: sha, authKeyEnv: STATUS_TEST_V3_AUTH,`,
      '            privProtocol: aes, privKeyEnv: STATUS_TEST_V3_PRIV, context: dcagent-h3c }',
      '    optics: h3c',
    ].join('\n'),
  ];
  writeFileSync(
    configPath,
    `redis: { url: "${redisUrl}", prefix: ${PREFIX} }\nmonitoring: { intervalSeconds: 10 }\ndevices:\n${devices.join('\n')}\n`,
  );
  for (const d of FIXTURE_DEVICES) for (const m of d.moves) await snmpset(snmp, d.community, m.lit);
});

afterAll(async () => {
  for (const d of FIXTURE_DEVICES) for (const m of d.moves) await snmpset(snmp, d.community, m.dark);
  rmSync(dir, { recursive: true, force: true });
});

describe.each(FIXTURE_DEVICES.flatMap((d) => d.moves.map((m) => [d.optics, m.port, d, m] as const)))(
  'dcagent status (%s) %s',
  (_optics, _port, device, move) => {
    const port = device.ports.find((p) => p.name === move.port)!;
    const thresholds = DEFAULT_THRESHOLDS[port.portType];

    it('--json prints exactly the CONTRACT §7 document', () => {
      const r = runStatus(['--device', deviceId(device), '--port', move.port, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)).toEqual([
        'device',
        'port',
        'ifIndex',
        'adminStatus',
        'operStatus',
        'lanes',
        'rxDbm',
        'txDbm',
        'thresholds',
        'healthy',
        'reasons',
        // Extensions (issue 15 §6), after the contract's fields.
        'thresholdSource',
        'module',
        'inErrors',
        'connectionId',
        'verdict',
      ]);
      expect(portStatusSchema.safeParse(doc).error).toBeUndefined();
      expect(doc).toMatchObject({
        device: deviceId(device),
        port: move.port,
        ifIndex: expect.any(Number),
        adminStatus: 'up',
        operStatus: 'up',
        lanes: move.litLanes.map((l) => ({ ...l, rxState: 'ok', txState: 'ok' })),
        rxDbm: move.litLanes.map((l) => l.rxDbm),
        txDbm: move.litLanes.map((l) => l.txDbm),
        healthy: true,
        reasons: [],
        inErrors: null, // the fixtures have no ifInErrors
        verdict: 'healthy: nothing to do',
      });
      if (doc.thresholdSource === 'default')
        expect(doc.thresholds).toEqual({ rx: [...thresholds.rx], tx: [...thresholds.tx] });
    });

    it('human form is a short table with the same numbers', () => {
      const r = runStatus(['--device', deviceId(device), '--port', move.port]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${deviceId(device)} ${move.port} (ifIndex `);
      expect(r.stdout).toContain('admin up, oper up');
      for (const l of move.litLanes) {
        expect(r.stdout).toMatch(
          new RegExp(`\\n\\s+${l.lane}\\s+${l.rxDbm!.toFixed(2)}\\s+ok\\s+${l.txDbm!.toFixed(2)}\\s+ok\\s`),
        );
      }
      expect(r.stdout).toContain('verdict: healthy: nothing to do');
    });
  },
);

describe('dcagent status: unhealthy, missing readings, other devices', () => {
  it('a port without readings is null in JSON and unhealthy with rx-low/tx-low', () => {
    const r = runStatus(['--device', 'sw-h3c', '--port', 'Ten-GigabitEthernet1/0/2', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ifIndex: 42002,
      lanes: [{ lane: 1, rxDbm: null, txDbm: null }],
      rxDbm: [null],
      txDbm: [null],
      healthy: false,
      reasons: ['rx-low', 'tx-low'],
    });
    const human = runStatus(['--device', 'sw-h3c', '--port', 'Ten-GigabitEthernet1/0/2']);
    expect(human.stdout).toMatch(/1\s+n\/a\s+low-alarm\s+n\/a\s+low-alarm/);
    expect(human.stdout).toContain('health: UNHEALTHY (rx-low, tx-low)');
  });

  it('the recorded cisco_16_switch: Fa3/0/1 by its hex ifName, status only', () => {
    const r = runStatus(['--device', 'sw-cisco16', '--port', 'Fa3/0/1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      device: 'sw-cisco16',
      port: 'Fa3/0/1',
      ifIndex: 11001,
      adminStatus: 'up',
      operStatus: 'down',
      lanes: [],
      rxDbm: [],
      txDbm: [],
      thresholds: { rx: [-19, -3], tx: [-11, -3] },
      healthy: false,
      reasons: ['oper-down'],
      thresholdSource: 'default',
      module: null,
      verdict: 'link down (optics not read on this device): check the patch and the customer side',
    });
  });

  it('SNMPv3 authPriv SHA/AES from the config', () => {
    const r = runStatus(['--device', 'sw-v3', '--port', 'Ten-GigabitEthernet1/0/2', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ ifIndex: 42002, adminStatus: 'up', operStatus: 'up' });
  });
});

describe.each([
  ['huawei', 'dcagent-huawei', '10GE1/0/1', '1.3.6.1.4.1.2011.5.25.31.1.1.3.1.8.4110001', '-312'],
  ['h3c', 'dcagent-h3c', 'Ten-GigabitEthernet1/0/1', '1.3.6.1.4.1.25506.2.70.1.1.1.12.42001', '-731'],
] as const)(
  'dcagent status (%s): lanes judged by the module’s own thresholds on snmpsimd',
  (_v, community, port, rxOid, lit) => {
    const id = community.replace(/^dcagent-/, 'sw-');
    const at = (centiDbm: string) => snmpset(snmp, community, [[rxOid, 'i', centiDbm]]);
    const lane = () => {
      const r = runStatus(['--device', id, '--port', port, '--json']);
      expect(r.code).toBe(0);
      return portStatusSchema.parse(JSON.parse(r.stdout));
    };

    it('between the module’s warning (-12.4) and alarm (-14.4) bounds: low-warning and healthy; past the alarm: unhealthy', async () => {
      try {
        await at('-1300');
        const warn = lane();
        expect(warn.lanes[0]).toMatchObject({
          rxDbm: -13,
          rxState: 'low-warning',
          thresholdSource: 'module',
        });
        expect(warn.lanes[0]!.thresholds.rx).toEqual({
          lowAlarm: -14.4,
          lowWarning: -12.4,
          highWarning: 0.5,
          highAlarm: 2.5,
        });
        expect(warn).toMatchObject({ healthy: true, reasons: [] });
        expect(warn.verdict).toBe(
          'healthy, but lane 1 in the warning band: clean the connector at the next window',
        );
        await at('-1500');
        const alarm = lane();
        expect(alarm.lanes[0]).toMatchObject({ rxDbm: -15, rxState: 'low-alarm' });
        expect(alarm).toMatchObject({ healthy: false, reasons: ['rx-low'] });
      } finally {
        await at(lit);
      }
    });
  },
);

describe('dcagent status: a module with no thresholds (ENTITY-SENSOR) falls back to the config, then the defaults', () => {
  it('the defaults without a config override, the config’s with one', () => {
    const read = (device: string) => {
      const r = runStatus(['--device', device, '--port', 'Ethernet1', '--json']);
      expect(r.code).toBe(0);
      return portStatusSchema.parse(JSON.parse(r.stdout));
    };
    const byDefault = read('sw-entity-sensor');
    expect(byDefault.thresholdSource).toBe('default');
    expect(byDefault.lanes[0]!.thresholds.rx).toEqual({
      lowAlarm: -14.4,
      lowWarning: null,
      highWarning: null,
      highAlarm: 0.5,
    });
    const byConfig = read('sw-entity-cfg');
    expect(byConfig.thresholdSource).toBe('config');
    expect(byConfig.thresholds.rx).toEqual([-12, 0]);
    expect(byConfig.lanes[0]!.thresholds.rx).toEqual({
      lowAlarm: -12,
      lowWarning: -10,
      highWarning: -1,
      highAlarm: 0,
    });
  });
});

describe('dcagent status --device D: every port, with baseline and trend from Redis', () => {
  it('prints every inventory port of the device, judged, with the tracked connection’s baseline and delta', async () => {
    const d = FIXTURE_DEVICES[0]!;
    const move = d.moves[0]!;
    const id = deviceId(d);
    const redis = new Redis(redisUrl);
    const keys = new RedisKeys(PREFIX, 'events');
    try {
      await new ConnectionStore(redis, keys).add(
        {
          connectionId: 'hc-status1',
          device: id,
          port: move.port,
          portType: d.ports.find((p) => p.name === move.port)!.portType,
        },
        new Date(),
      );
      const lit = move.litLanes;
      // A baseline 2 dB above today's light: the delta must read -2.00 on every lit lane.
      await writeBaseline(redis, keys, 'hc-status1', {
        rx: lit.map((l) => (l.rxDbm === null ? null : l.rxDbm + 2)),
        tx: lit.map((l) => l.txDbm),
        at: Date.now(),
      });
    } finally {
      redis.disconnect();
    }
    const r = runStatus(['--device', id, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = deviceStatusSchema.parse(JSON.parse(r.stdout));
    expect(doc.historyError).toBeNull();
    expect(doc.ports.map((p) => p.port)).toEqual(d.ports.map((p) => p.name));
    const one = doc.ports.find((p) => p.port === move.port);
    expect(one).toMatchObject({ connectionId: 'hc-status1', healthy: true });
    for (const lane of (one as { lanes: { rxDeltaDb: number | null; rxDbm: number | null }[] }).lanes)
      if (lane.rxDbm !== null) expect(lane.rxDeltaDb).toBeCloseTo(-2, 2);
    const human = runStatus(['--device', id]);
    expect(human.code).toBe(0);
    for (const p of d.ports) expect(human.stdout).toContain(`${id} ${p.name} (ifIndex `);
    expect(human.stdout).toContain('connection hc-status1');
    expect(human.stdout).toMatch(/rx baseline +rx delta +rx trend/);
    expect(human.stdout).toMatch(/-2\.00/);
  });

  it('Redis away: the live reading is still printed, and says why baselines are missing', () => {
    const d = FIXTURE_DEVICES[0]!;
    const cfg = join(dir, 'no-redis.yaml');
    const text = readFileSync(configPath, 'utf8').replace(redisUrl, 'redis://127.0.0.1:1');
    writeFileSync(cfg, text);
    const r = spawnSync(
      process.execPath,
      [BIN, 'status', '--config', cfg, '--device', deviceId(d), '--json'],
      {
        env,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(0);
    const doc = deviceStatusSchema.parse(JSON.parse(r.stdout));
    expect(doc.historyError).toMatch(/127\.0\.0\.1:1/);
    expect(doc.ports.length).toBe(d.ports.length);
  });
});

describe('dcagent status: exit codes', () => {
  it('1, naming why, when the device cannot be read', () => {
    const r = runStatus(['--device', 'sw-silent', '--port', 'Ten-GigabitEthernet1/0/1', '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^dcagent: timeout: .*snmp-timeout: .*no answer after 2 tries from 2000 ms with backoff 1\.5 \(5000 ms\)/m,
    );
  });

  it('1 with a wrong v3 key, as snmp-auth', () => {
    const saved = env.STATUS_TEST_V3_AUTH;
    env.STATUS_TEST_V3_AUTH = 'not-the-right-auth-key';
    try {
      const r = runStatus(['--device', 'sw-v3', '--port', 'Ten-GigabitEthernet1/0/2']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/auth-failed: .*snmp-auth: .*wrong auth key/);
      expect(r.stderr).not.toContain('not-the-right-auth-key');
    } finally {
      env.STATUS_TEST_V3_AUTH = saved;
    }
  });

  it('2 for an unknown device or port: bad usage, as in every command', () => {
    const dev = runStatus(['--device', 'nope', '--port', 'x']);
    expect(dev.code).toBe(2);
    expect(dev.stderr).toMatch(/^dcagent: --device: nope is not in the inventory of /);
    const port = runStatus(['--device', 'sw-h3c', '--port', 'Ten-GigabitEthernet9/9/9']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(
      /^dcagent: --port: Ten-GigabitEthernet9\/9\/9 is not a port of sw-h3c in the inventory \(ports: /,
    );
  });

  it('2 for bad usage or bad config', () => {
    const missing = runStatus(['--port', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--device <id> is required/);
    const unknownFlag = runStatus(['--device', 'sw-h3c', '--port', 'x', '--bogus']);
    expect(unknownFlag.code).toBe(2);
    const r = spawnSync(
      process.execPath,
      [BIN, 'status', '--config', join(dir, 'missing.yaml'), '--device', 'a', '--port', 'b'],
      {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration/);
  });

  it('--help', () => {
    const r = runStatus(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--device <id>[\s\S]*--port <name>[\s\S]*--json/);
  });
});

it('fixture sanity: every adapter has a device here', () => {
  expect(new Set(FIXTURE_DEVICES.map((d) => d.optics))).toEqual(
    new Set(['huawei', 'h3c', 'juniper', 'cisco', 'entity-sensor']),
  );
  expect(fixtureDevice('dcagent-h3c').optics).toBe('h3c');
});
