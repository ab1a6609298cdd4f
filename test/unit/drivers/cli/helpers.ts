// In-process plumbing for CLI tests that need no SSH: a shell on an emulated device, driven by
// keystrokes, and a CliChannel wired straight to one.
import { Duplex } from 'node:stream';
import { CliChannel, type CliChannelOptions } from '../../../../drivers/cli/channel.js';
import {
  CLI_PROFILES,
  CliDevice,
  type CliDeviceOptions,
  type CliProfileName,
  CliShell,
} from '../../../../lab/cli-device/index.js';

export function emulated(
  profile: CliProfileName,
  o: Partial<Omit<CliDeviceOptions, 'profile'>> = {},
): CliDevice {
  return new CliDevice({
    hostname: profile === 'ios' ? 'sw1' : 'DC-SW-01',
    ports:
      profile === 'ios' ? ['TenGigabitEthernet1/0/1', 'TenGigabitEthernet1/0/2'] : ['10GE1/0/1', '10GE1/0/2'],
    ...o,
    profile: CLI_PROFILES[profile],
  });
}

export interface Terminal {
  shell: CliShell;
  /** Everything the shell wrote since the last call. */
  take(): string;
  type(keys: string): void;
  ended(): boolean;
}

export function terminal(device: CliDevice): Terminal {
  let buf = '';
  let ended = false;
  const shell = new CliShell(
    device,
    {
      write: (t) => {
        buf += t;
      },
      end: () => {
        ended = true;
      },
    },
    1,
  );
  shell.start();
  return {
    shell,
    take: () => {
      const out = buf;
      buf = '';
      return out;
    },
    type: (keys) => shell.feed(keys),
    ended: () => ended,
  };
}

/** A channel whose bytes go to and come from a shell on `device`, chunked as the shell writes them. */
export function wiredChannel(
  device: CliDevice,
  options: Omit<CliChannelOptions, 'deviceId'> & { deviceId?: string },
): { channel: CliChannel; shell: CliShell; stream: Duplex; typed: string[] } {
  const typed: string[] = [];
  let shell: CliShell | undefined;
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      typed.push(chunk.toString());
      shell?.feed(chunk.toString());
      cb();
    },
  });
  shell = new CliShell(
    device,
    { write: (t) => stream.push(Buffer.from(t)), end: () => stream.push(null) },
    1,
  );
  const channel = new CliChannel(stream, { deviceId: 'dut', ...options });
  shell.start();
  return { channel, shell, stream, typed };
}
