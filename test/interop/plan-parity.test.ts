// CONTRACT §3: a dry run fails exactly where the job fails, with the same code. For every failure
// a plan can know, `dcagent plan`, a `dryRun: true` job and the real job give the same answer, on
// a lab switch of every platform the lab serves and on netconfd. An `audit` job then reads each
// switch back without changing it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createRedis, waitReady } from '../../agent/redis.js';
import { type AgentConfig, loadConfig } from '../../config/load.js';
import type { Platform } from '../../contract/port-types.js';
import { silentLogger } from '../../core/logger.js';
import { RedisKeys } from '../../core/redis-keys.js';
import type { DeviceDriver } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { DeviceLock } from '../../jobs/device-lock.js';
import type { AuditResult } from '../../jobs/handlers/audit.js';
import { createProcessor } from '../../jobs/pipeline/processor.js';
import { createWorker } from '../../jobs/pipeline/queue.js';
import { LAB_PLATFORM_NAMES, type Lab, startLab } from '../../lab/index.js';
import { ncclientSetPort } from '../conformance/netconf-peer-tools.js';
import { runCli } from '../helpers/cli.js';

const peers = inject('peers');
const netconfd = peers.netconf.ietf;
const dir = mkdtempSync(join(tmpdir(), 'dcagent-parity-'));
const NETCONFD_PORTS = ['10GE6/0/1', '10GE6/0/2'];

interface Switch {
  name: string;
  configPath: string;
  cfg: AgentConfig;
  device: string;
  platform: Platform;
  /** [held by another connection, free]. */
  ports: [string, string];
}

let lab: Lab;
const switches: Switch[] = [];
const drivers = new Map<string, DeviceDriver>();
let redis: ReturnType<typeof createRedis>;
let jobCount = 0;

function processorFor(cfg: AgentConfig) {
  return createProcessor({
    cfg,
    driverFor: (d) => {
      const key = `${cfg.source}:${d.id}`;
      const drv = drivers.get(key) ?? createDriver(d);
      drivers.set(key, drv);
      return drv;
    },
    events: { publish: async () => {} },
    lock: new DeviceLock(
      redis,
      new RedisKeys(`parity${process.pid}`, 'events'),
      30_000,
      silentLogger,
      'parity',
    ),
    watch: { watch: async () => {}, unwatch: async () => {}, lightPresent: async () => false },
    logger: silentLogger,
  });
}

/** Runs one job attempt through the agent's own processor: `ok`, or the code its failure starts with. */
async function job(sw: Switch, name: string, data: Record<string, unknown>): Promise<string> {
  const processor = processorFor(sw.cfg);
  try {
    await processor({
      name,
      data: { schemaVersion: 1, ...data },
      id: `parity-${++jobCount}`,
      attemptsMade: 0,
      opts: { attempts: 1 },
      moveToDelayed: async () => {},
    } as unknown as Job);
    return 'ok';
  } catch (err) {
    return /^([a-z-]+): /.exec((err as Error).message)?.[1] ?? `? ${(err as Error).message}`;
  }
}

/** `dcagent plan provision`: `ok`, or the code it reported (an unknown name reads as its flag). */
async function plan(sw: Switch, data: Record<string, unknown>): Promise<string> {
  const flag = (name: string, key: string) => (data[key] === undefined ? [] : [name, String(data[key])]);
  const r = await runCli([
    'plan',
    'provision',
    '--config',
    sw.configPath,
    ...flag('--device', 'device'),
    ...flag('--port', 'port'),
    ...flag('--connection', 'connectionId'),
    ...flag('--description', 'description'),
    ...flag('--port-type', 'portType'),
    ...flag('--bandwidth-mbps', 'bandwidthMbps'),
    '--json',
  ]);
  if (r.code === 0) return 'ok';
  const m = /^dcagent: (?:--(device|port): .* (?:is not in the inventory|is not a port of)|([a-z-]+): )/.exec(
    r.stderr,
  );
  if (m?.[1]) return `unknown-${m[1]}`;
  return m?.[2] ?? `? ${r.stderr}`;
}

beforeAll(async () => {
  const labConfig = join(dir, 'lab.yaml');
  lab = await startLab({
    devices: LAB_PLATFORM_NAMES.length,
    ports: 2,
    platform: LAB_PLATFORM_NAMES,
    configOut: labConfig,
    secrets: 'files',
    redisUrl: peers.redis.url,
    controlPort: false,
  });
  const labCfg = loadConfig({ path: labConfig });
  for (const d of lab.devices) {
    const [held, free] = d.ports.map((p) => p.name);
    switches.push({
      name: `lab ${d.platform}`,
      configPath: labConfig,
      cfg: labCfg,
      device: d.id,
      platform: d.platform,
      ports: [held!, free!],
    });
  }
  const ncConfig = join(dir, 'netconfd.yaml');
  writeFileSync(
    ncConfig,
    `redis: { url: "${peers.redis.url}" }
devices:
  - id: sw-parity
    host: ${netconfd.host}
    platform: ietf-interfaces
    portType: 10GBASE-LR
    ports: ${JSON.stringify(NETCONFD_PORTS)}
    netconf:
      port: ${netconfd.port}
      username: ${netconfd.username}
      privateKeyFile: ${netconfd.privateKeyPath}
      hostKey: "${netconfd.hostKeySha256}"
      connectTimeoutMs: 5000
      rpcTimeoutMs: 10000
    snmp: { version: 2c, communityEnv: PARITY_COMMUNITY }
    optics: none
`,
  );
  process.env.PARITY_COMMUNITY = 'public';
  for (const port of NETCONFD_PORTS)
    await ncclientSetPort(netconfd, 'ietf', port, { description: 'spare', enabled: false });
  switches.push({
    name: 'netconfd ietf-interfaces',
    configPath: ncConfig,
    cfg: loadConfig({ path: ncConfig }),
    device: 'sw-parity',
    platform: 'ietf-interfaces',
    ports: [NETCONFD_PORTS[0]!, NETCONFD_PORTS[1]!],
  });
  redis = createRedis(labCfg.redis, 'fast');
  await waitReady(redis, 5_000);
  // The first port of every switch belongs to another connection, set up by a real job.
  for (const sw of switches) {
    const seeded = await job(sw, 'provision', {
      connectionId: 'hc-other',
      device: sw.device,
      port: sw.ports[0],
    });
    if (seeded !== 'ok') throw new Error(`${sw.name}: seeding hc-other failed: ${seeded}`);
  }
}, 120_000);

afterAll(async () => {
  for (const d of drivers.values()) await d.close().catch(() => {});
  redis?.disconnect();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const isCli = (p: Platform) => p === 'cli-vrp' || p === 'cli-ios';

/** Each case: the job data (beyond schemaVersion) and the code every path must give. */
function cases(sw: Switch): [string, Record<string, unknown>, string][] {
  const [held, free] = sw.ports;
  const base = { connectionId: 'hc-parity', device: sw.device, port: free };
  const otherType =
    sw.cfg.devices.find((d) => d.id === sw.device)?.ports[1]?.portType === '10GBASE-LR'
      ? '1000BASE-LX'
      : '10GBASE-LR';
  return [
    ['unknown device', { ...base, device: 'no-such-switch' }, 'unknown-device'],
    ['unknown port', { ...base, port: 'Nope9/9/9' }, 'unknown-port'],
    ['port type the inventory contradicts', { ...base, portType: otherType }, 'invalid-job'],
    ['bandwidth above the port speed', { ...base, bandwidthMbps: 10_000_000 }, 'invalid-job'],
    ['port held by another connection', { ...base, port: held }, 'port-in-use'],
    // Last: where the dialect carries it, the real job provisions the free port.
    [
      'description the dialect cannot carry',
      { ...base, description: 'why?' },
      isCli(sw.platform) ? 'invalid-job' : 'ok',
    ],
  ];
}

describe('plan, a dry-run job and the real job fail alike', () => {
  it('on every lab platform and on netconfd', async () => {
    expect(switches.map((s) => s.platform).sort()).toEqual([...LAB_PLATFORM_NAMES, 'ietf-interfaces'].sort());
    for (const sw of switches) {
      for (const [what, data, code] of cases(sw)) {
        const planned = await plan(sw, data);
        const dry = await job(sw, 'provision', { ...data, dryRun: true });
        const real = await job(sw, 'provision', data);
        expect({ what, on: sw.name, planned, dry, real }).toEqual({
          what,
          on: sw.name,
          planned: code,
          dry: code,
          real: code,
        });
      }
    }
  }, 300_000);
});

describe('an audit job', () => {
  it('reads every port of each switch back and changes nothing', async () => {
    for (const sw of switches) {
      const processor = processorFor(sw.cfg);
      const run = () =>
        processor({
          name: 'audit',
          data: { schemaVersion: 1, device: sw.device },
          id: `parity-${++jobCount}`,
          attemptsMade: 0,
          opts: { attempts: 1 },
        } as unknown as Job) as Promise<AuditResult>;
      const first = await run();
      expect(first.device).toBe(sw.device);
      expect(first.ports.map((p) => p.port)).toEqual(sw.ports);
      expect(first.ports[0], sw.name).toMatchObject({
        exists: true,
        enabled: true,
        connectionId: 'hc-other',
      });
      expect(first.ports[0]?.description, sw.name).toBe('HC hc-other');
      // Reading changed nothing: a second audit sees the same.
      const second = await run();
      expect(second.ports, sw.name).toEqual(first.ports);
    }
  }, 120_000);

  it('`dcagent audit --wait` enqueues it and prints what a worker read', async () => {
    const sw = switches[0]!;
    // The lab's config under a prefix of this test's own, so no other consumer takes the job.
    const doc = parse(readFileSync(sw.configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    doc.redis = { ...doc.redis, prefix: `parity${process.pid}` };
    const configPath = join(dir, 'audit.yaml');
    writeFileSync(configPath, stringify(doc), { mode: 0o600 });
    const cfg = loadConfig({ path: configPath });
    const bull = createRedis(cfg.redis, 'worker');
    const worker = createWorker(cfg, bull, processorFor(cfg));
    try {
      const r = await runCli([
        'audit',
        '--device',
        sw.device,
        '--port',
        sw.ports[0],
        '--job-id',
        'audit-parity-1',
        '--wait',
        '--json',
        '--timeout',
        '60',
        '--config',
        configPath,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        device: sw.device,
        jobId: 'audit-parity-1',
        ports: [{ port: sw.ports[0], description: 'HC hc-other', connectionId: 'hc-other' }],
      });
      const human = await runCli(['audit', '--device', sw.device, '--wait', '--config', configPath]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`${sw.ports[0]}: enabled, "HC hc-other"`);
      const unknown = await runCli(['audit', '--device', 'no-such-switch', '--config', configPath]);
      expect(unknown.code).toBe(2);
    } finally {
      await worker.close();
      bull.disconnect();
    }
  }, 120_000);

  it('with a port outside the inventory fails unknown-port', async () => {
    const sw = switches[0]!;
    expect(await job(sw, 'audit', { device: sw.device, port: 'Nope9/9/9' })).toBe('unknown-port');
  });
});
