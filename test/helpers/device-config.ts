import { buildConfig, type DeviceConfig } from '../../config/load.js';

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
 * One inventory entry built through the real config loader, so tests use the DeviceConfig that
 * production code sees. `env` holds the secrets its `…Env` fields name.
 */
export function testDevice(fields: TestDeviceFields, env: Record<string, string> = {}): DeviceConfig {
  const cfg = buildConfig(
    { devices: [{ ...TEST_DEVICE_DEFAULTS, ...fields }] },
    { env: { DCAGENT_TEST_COMMUNITY: 'public', ...env } },
  );
  const device = cfg.devices[0];
  if (!device) throw new Error('config without the device');
  return device;
}
