// The faults that make drift happen, end to end: `dcagent lab` (the built binary) serves a NETCONF
// and a CLI switch; the agent's own driver provisions a port; `dcagent lab ctl edit` changes it
// as an engineer on the switch would, and `lab ctl reboot --lose-config` loses the last commit.
// Each change is read back with our driver and, on NETCONF, with ncclient (an independent client).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentConfig, findDevice, loadConfig } from '../../config/load.js';
import type { PortConfigState } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { ietfInterfacesPlatform } from '../../drivers/platforms/ietf-interfaces/index.js';
import { parseXml } from '../../drivers/xml/xml.js';
import { NCCLIENT_PYTHON, NCCLIENT_TOOL } from '../../testkit/peers/rig.js';
import { BIN, ensureBuilt, ROOT, runBin } from '../helpers/cli.js';

const run = promisify(execFile);
const READY = /^dcagent lab ready: \d+ switches, control \S+, config (.+)$/m;
const PORT = '10GE1/0/1';

let dir: string;
let lab: ChildProcess;
let config: AgentConfig;
let state: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'dcagent-lab-edit-'));
  state = join(dir, 'state.json');
  lab = spawn(
    process.execPath,
    [
      BIN,
      'lab',
      '--devices',
      '2',
      '--ports',
      '2',
      '--platform',
      'ietf-interfaces,cli-vrp',
      '--link-up-ms',
      '100',
      '--config-out',
      join(dir, 'agent.yaml'),
      '--state-file',
      state,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 60 s:\n${out}`)), 60_000);
    const take = (b: Buffer) => {
      out += b.toString();
      if (READY.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    lab.stdout?.on('data', take);
    lab.stderr?.on('data', take);
    lab.once('exit', () => reject(new Error(`dcagent lab exited before it was ready:\n${out}`)));
  });
  config = loadConfig({ path: READY.exec(out)![1]! });
}, 90_000);

afterAll(async () => {
  if (lab && lab.exitCode === null) {
    const gone = new Promise((r) => lab.once('exit', r));
    lab.kill('SIGTERM');
    await gone;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ctl = (...args: string[]) => {
  const r = runBin(['lab', 'ctl', ...args, '--state-file', state]);
  expect(r.code, r.stderr).toBe(0);
  return r;
};

/** Our own driver, as the agent builds it from the config the lab wrote. */
async function withDriver<T>(id: string, fn: (d: ReturnType<typeof createDriver>) => Promise<T>): Promise<T> {
  const device = findDevice(config, id);
  if (!device) throw new Error(`no ${id} in the lab config`);
  const driver = createDriver(device);
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}

const readPort = (id: string): Promise<PortConfigState> => withDriver(id, (d) => d.readPortConfig(PORT));

async function provision(id: string, description: string): Promise<void> {
  await withDriver(id, (d) => d.apply({ port: PORT, description, enabled: true, portType: '10GBASE-LR' }));
}

/** ncclient with the password the lab wrote for the switch: the running config of the port. */
async function ncclientPort(id: string): Promise<{ description?: string; enabled?: boolean } | undefined> {
  const device = findDevice(config, id)!;
  const netconf = device.netconf!;
  const password = netconf.credentials.password?.reveal();
  const filter = `<interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"><interface><name>${PORT}</name></interface></interfaces>`;
  const { stdout } = await run(
    NCCLIENT_PYTHON,
    [
      NCCLIENT_TOOL,
      JSON.stringify({
        host: device.host,
        port: netconf.port,
        username: netconf.credentials.username,
        password,
        timeout: 20,
        op: 'get-config',
        source: 'running',
        filter,
      }),
    ],
    { timeout: 30_000 },
  );
  // ncclient fetched it; reading the reply's text with our parser keeps the check short.
  const seen = ietfInterfacesPlatform.parsePort(parseXml(stdout), PORT);
  if (!seen.exists) return undefined;
  return {
    ...(seen.description !== undefined ? { description: seen.description } : {}),
    ...(seen.enabled !== undefined ? { enabled: seen.enabled } : {}),
  };
}

/** Polls `read` until `ok` holds; the lab answers at once, the deadline is for a loaded machine. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('lab ctl edit and reboot --lose-config', () => {
  it('NETCONF: description, shutdown and delete are what our driver and ncclient read next', async () => {
    await provision('lab-sw-01', 'HC dxcon-1 customer');
    expect(await readPort('lab-sw-01')).toMatchObject({
      exists: true,
      enabled: true,
      description: 'HC dxcon-1 customer',
    });

    ctl('edit', '--device', 'lab-sw-01', '--port', PORT, '--description', 'edited on the switch');
    expect(await readPort('lab-sw-01')).toMatchObject({ enabled: true, description: 'edited on the switch' });
    expect(await ncclientPort('lab-sw-01')).toEqual({ enabled: true, description: 'edited on the switch' });

    ctl('edit', '--device', 'lab-sw-01', '--port', PORT, '--shutdown');
    expect(await readPort('lab-sw-01')).toMatchObject({
      enabled: false,
      description: 'edited on the switch',
    });
    expect(await ncclientPort('lab-sw-01')).toEqual({ enabled: false, description: 'edited on the switch' });

    ctl('edit', '--device', 'lab-sw-01', '--port', PORT, '--delete');
    expect((await readPort('lab-sw-01')).exists).toBe(false);
    expect(await ncclientPort('lab-sw-01')).toBeUndefined();
  }, 120_000);

  it('NETCONF: a reboot that loses the config comes back without the last commit', async () => {
    await provision('lab-sw-01', 'HC dxcon-1 first');
    await provision('lab-sw-01', 'HC dxcon-1 second');
    ctl('reboot', '--device', 'lab-sw-01', '--down-ms', '500', '--lose-config');
    const back = await until(
      () => readPort('lab-sw-01').catch(() => undefined),
      (p) => p?.description === 'HC dxcon-1 first',
    );
    expect(back).toMatchObject({ description: 'HC dxcon-1 first', enabled: true });
    expect(await ncclientPort('lab-sw-01')).toEqual({ enabled: true, description: 'HC dxcon-1 first' });
  }, 120_000);

  it('CLI: the edits are what our CLI driver reads next, and a lossy reboot drops the last commit', async () => {
    await provision('lab-sw-02', 'HC dxcon-2 customer');
    expect(await readPort('lab-sw-02')).toMatchObject({ enabled: true, description: 'HC dxcon-2 customer' });

    ctl('edit', '--device', 'lab-sw-02', '--port', PORT, '--description', 'edited on the switch');
    expect(await readPort('lab-sw-02')).toMatchObject({ enabled: true, description: 'edited on the switch' });
    ctl('edit', '--device', 'lab-sw-02', '--port', PORT, '--shutdown');
    expect(await readPort('lab-sw-02')).toMatchObject({
      enabled: false,
      description: 'edited on the switch',
    });
    ctl('edit', '--device', 'lab-sw-02', '--port', PORT, '--delete');
    const cleared = await readPort('lab-sw-02');
    expect(cleared.enabled).toBe(false);
    expect(cleared.description).toBeUndefined();

    await provision('lab-sw-02', 'HC dxcon-2 again');
    ctl('reboot', '--device', 'lab-sw-02', '--down-ms', '500', '--lose-config');
    const back = await until(
      () => readPort('lab-sw-02').catch(() => undefined),
      (p) => p !== undefined && p.description === undefined,
    );
    expect(back).toMatchObject({ enabled: false });
    expect(back?.description).toBeUndefined();
  }, 120_000);
});
