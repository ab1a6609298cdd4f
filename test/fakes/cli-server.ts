// A fake CLI switch for tests: the lab's emulator (lab/cli-device) behind a real ssh2 server on
// loopback, with a generated host key, one password user, and the inventory entry the agent
// would have for it, built through the real config loader.
import type { DeviceConfig } from '../../config/load.js';
import {
  CLI_PROFILES,
  CliDevice,
  type CliDeviceOptions,
  type CliProfileName,
  CliSshServer,
} from '../../lab/cli-device/index.js';
import { testDevice } from '../helpers/device-config.js';

export const CLI_USER = 'netops';
export const CLI_PASSWORD = 'cli-fake-pass-1';

export interface FakeCliOptions extends Partial<Omit<CliDeviceOptions, 'profile'>> {
  profile: CliProfileName;
}

export interface CliSettingsOverrides {
  hostKey?: string;
  rpcTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxOutputBytes?: number;
  password?: string;
}

export interface FakeCli {
  device: CliDevice;
  server: CliSshServer;
  port: number;
  /** The inventory entry for this device (platform from the profile). */
  deviceConfig(overrides?: CliSettingsOverrides, id?: string): DeviceConfig;
  stop(): Promise<void>;
}

export const DEFAULT_PORTS: Record<CliProfileName, string[]> = {
  vrp8: ['10GE1/0/1', '10GE1/0/2', '10GE1/0/3', '10GE1/0/4'],
  vrp5: ['XGigabitEthernet0/0/1', 'XGigabitEthernet0/0/2', 'XGigabitEthernet0/0/3'],
  ios: [
    'TenGigabitEthernet1/0/1',
    'TenGigabitEthernet1/0/2',
    'TenGigabitEthernet1/0/3',
    'TenGigabitEthernet1/0/4',
  ],
};

export async function startFakeCli(options: FakeCliOptions): Promise<FakeCli> {
  const profile = CLI_PROFILES[options.profile];
  const ports = options.ports ?? DEFAULT_PORTS[options.profile];
  const device = new CliDevice({
    hostname: options.profile === 'ios' ? 'dc-sw-ios' : 'DC-SW-VRP-01',
    ...options,
    profile,
    ports,
  });
  const server = new CliSshServer({ device, users: [{ username: CLI_USER, password: CLI_PASSWORD }] });
  const port = await server.listen();
  return {
    device,
    server,
    port,
    deviceConfig: (o = {}, id = `fake-${options.profile}`) => {
      return testDevice(
        {
          id,
          platform: profile.platform,
          ports,
          cli: {
            port,
            username: CLI_USER,
            passwordEnv: 'FAKE_CLI_PASSWORD',
            hostKey: o.hostKey ?? server.hostKeyFingerprint,
            connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
            rpcTimeoutMs: o.rpcTimeoutMs ?? 5_000,
            keepaliveIntervalMs: 0,
            ...(o.maxOutputBytes !== undefined ? { maxOutputBytes: o.maxOutputBytes } : {}),
          },
        },
        { FAKE_CLI_PASSWORD: o.password ?? CLI_PASSWORD },
      );
    },
    stop: () => server.stop(),
  };
}
