import { type AgentConfig, buildConfig, type DeviceConfig } from '../../config/load.js';

/** The inventory fields a test device spells out; the rest come from `TEST_DEVICE_DEFAULTS`. */
export interface TestDeviceFields {
  id: string;
  platform: string;
  ports: readonly string[];
  [field: string]: unknown;
}

/** What a test device has unless it says otherwise: loopback, 10G ports, no optics MIB. */
const TEST_DEVICE_DEFAULTS = {
  host: '127.0.0.1',
  portType: '10GBASE-LR',
  snmp: { version: '2c', communityEnv: 'DCAGENT_TEST_COMMUNITY' },
  optics: 'none',
};

/**
 * A whole config built through the real loader: each device gets `TEST_DEVICE_DEFAULTS` under its
 * own fields, the other sections are taken as given. `env` holds the secrets the `…Env` fields name.
 */
export function testConfig(
  o: { devices: readonly TestDeviceFields[]; [section: string]: unknown },
  env: Record<string, string> = {},
): AgentConfig {
  return buildConfig(
    { ...o, devices: o.devices.map((d) => ({ ...TEST_DEVICE_DEFAULTS, ...d })) },
    { env: { DCAGENT_TEST_COMMUNITY: 'public', ...env } },
  );
}

/** One inventory entry built through the real config loader, as production code sees it. */
export function testDevice(fields: TestDeviceFields, env: Record<string, string> = {}): DeviceConfig {
  const device = testConfig({ devices: [fields] }, env).devices[0];
  if (!device) throw new Error('config without the device');
  return device;
}
