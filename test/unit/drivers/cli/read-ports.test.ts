// The audit's read of a CLI device: one command for every port, wired to the lab's emulator.
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { CliDriver } from '../../../../drivers/cli/driver.js';
import { cliIosDialect } from '../../../../drivers/platforms/cli-ios/index.js';
import { cliVrpDialect } from '../../../../drivers/platforms/cli-vrp/index.js';
import type { SshChannel } from '../../../../drivers/transport/ssh.js';
import { type CliDevice, CliShell } from '../../../../lab/cli-device/index.js';
import { testDevice } from '../../../helpers/device-config.js';
import { emulated } from './helpers.js';

const UNIT_KEY = `SHA256:${'A'.repeat(43)}`;
const drivers: CliDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

/** A driver whose SSH shell is the emulator in-process; `lines` collects every line it typed. */
function driverOn(device: CliDevice, platform: 'cli-vrp' | 'cli-ios', ports: string[]) {
  const lines: string[] = [];
  let typed = '';
  const openShell = async (): Promise<SshChannel> => {
    let shell: CliShell | undefined;
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        typed += chunk.toString();
        for (let i = typed.search(/[\r\n]/); i >= 0; i = typed.search(/[\r\n]/)) {
          if (typed.slice(0, i).trim()) lines.push(typed.slice(0, i));
          typed = typed.slice(i + 1);
        }
        shell?.feed(chunk.toString());
        cb();
      },
    });
    shell = new CliShell(
      device,
      { write: (t) => stream.push(Buffer.from(t)), end: () => stream.push(null) },
      1,
    );
    shell.start();
    return { stream, hostKeyFingerprint: UNIT_KEY, close: () => stream.destroy(), onClose: () => {} };
  };
  const config = testDevice(
    {
      id: 'unit-cli',
      platform,
      ports,
      cli: { username: 'netops', passwordEnv: 'CLI_PASS', hostKey: UNIT_KEY },
    },
    { CLI_PASS: 'x' },
  );
  const driver = new CliDriver(config, platform === 'cli-vrp' ? cliVrpDialect : cliIosDialect, { openShell });
  drivers.push(driver);
  return { driver, lines };
}

describe('CliDriver.readPorts (the audit)', () => {
  it.each([
    ['vrp8', 'cli-vrp', ['10GE1/0/1', '10GE1/0/2']],
    ['ios', 'cli-ios', ['TenGigabitEthernet1/0/1', 'TenGigabitEthernet1/0/2']],
  ] as const)(
    '%s: every port and its sub-interfaces come from one command',
    async (profile, platform, ports) => {
      const device = emulated(profile);
      const { driver, lines } = driverOn(device, platform, [...ports]);
      await driver.apply({
        port: ports[0],
        description: 'HC hc-cli-a first',
        enabled: true,
        portType: '10GBASE-LR',
      });
      await driver.readPorts(ports); // logs in, so the count below is the audit's alone
      const before = lines.length;
      const read = await driver.readPorts([...ports, 'no-such-port']);
      expect(lines.slice(before)).toHaveLength(1);
      expect(read.map((r) => r.state)).toEqual([
        { port: ports[0], exists: true, description: 'HC hc-cli-a first', enabled: true },
        expect.objectContaining({ port: ports[1], exists: true }),
        { port: 'no-such-port', exists: false },
      ]);
    },
  );
});
