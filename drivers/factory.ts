import type { DeviceConfig } from '../config/load.js';
import type { Platform } from '../contract/port-types.js';
import { DcAgentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { CLI_DRIVERS } from './cli/register.js';
import type { DeviceDriver } from './driver.js';
import { NetconfDriver, type NetconfDriverDeps } from './netconf/driver.js';
import { NetconfPool } from './netconf/pool.js';
import { huaweiVrpPlatform } from './platforms/huawei-vrp/index.js';
import { ietfInterfacesPlatform } from './platforms/ietf-interfaces/index.js';
import { iosxrPlatform } from './platforms/iosxr/index.js';
import { junosPlatform } from './platforms/junos/index.js';
import { openconfigPlatform } from './platforms/openconfig/index.js';
import type { NetconfPlatform } from './platforms/platform.js';

/**
 * The one place that turns an inventory entry into a driver. Adding a platform is one entry in a
 * registry below: a NETCONF model goes into NETCONF_PLATFORMS, anything with its own driver
 * (CLI over SSH, say) registers a factory with registerDriver.
 */

export interface DriverDeps {
  logger?: Logger;
  /** Shared sessions; without one, the driver gets a private pool that its close() shuts. */
  netconfPool?: NetconfPool;
  /** Options passed to NETCONF transactions (fault injection in tests). */
  netconfTransaction?: NetconfDriverDeps['transaction'];
  /** Records of who took NETCONF locks (the agent keeps them in Redis). */
  netconfLocks?: NetconfDriverDeps['locks'];
}

export type DriverFactory = (device: DeviceConfig, deps: DriverDeps) => DeviceDriver;

/** NETCONF models served by NetconfDriver. */
export const NETCONF_PLATFORMS: ReadonlyMap<Platform, NetconfPlatform> = new Map<Platform, NetconfPlatform>([
  ['ietf-interfaces', ietfInterfacesPlatform],
  ['openconfig', openconfigPlatform],
  ['huawei-vrp', huaweiVrpPlatform],
  ['junos', junosPlatform],
  ['iosxr', iosxrPlatform],
]);

const factories = new Map<Platform, DriverFactory>();

function netconfFactory(platform: NetconfPlatform): DriverFactory {
  return (device, deps) => {
    const pool = deps.netconfPool ?? new NetconfPool(deps.logger ? { logger: deps.logger } : {});
    return new NetconfDriver(device, platform, {
      pool,
      ownsPool: deps.netconfPool === undefined,
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.netconfTransaction ? { transaction: deps.netconfTransaction } : {}),
      ...(deps.netconfLocks ? { locks: deps.netconfLocks } : {}),
    });
  };
}

for (const [name, platform] of NETCONF_PLATFORMS) factories.set(name, netconfFactory(platform));
for (const [name, factory] of CLI_DRIVERS) factories.set(name, factory);

/** Registers (or replaces) the driver for a platform (tests and out-of-tree drivers). */
export function registerDriver(platform: Platform, factory: DriverFactory): void {
  factories.set(platform, factory);
}

export function supportedPlatforms(): Platform[] {
  return [...factories.keys()];
}

export function createDriver(device: DeviceConfig, deps: DriverDeps = {}): DeviceDriver {
  const factory = factories.get(device.platform);
  if (!factory) {
    throw new DcAgentError(
      'unsupported-platform',
      `platform ${device.platform} of device ${device.id} is not implemented yet (supported: ${supportedPlatforms().join(', ')})`,
      { details: { device: device.id, platform: device.platform } },
    );
  }
  return factory(device, deps);
}
