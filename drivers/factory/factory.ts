import type { DeviceConfig } from '../../config/load.js';
import { DcAgentError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { CliDriver } from '../cli/driver.js';
import type { DeviceDriver } from '../driver.js';
import { NetconfDriver, type NetconfDriverDeps } from '../netconf/driver.js';
import { NetconfPool } from '../netconf/pool.js';
import { platformEntry } from '../platforms/registry.js';

/**
 * The one place that turns an inventory entry into a driver: the platform registry says which
 * engine (NETCONF or CLI) and hands it the platform's data.
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

export function createDriver(device: DeviceConfig, deps: DriverDeps = {}): DeviceDriver {
  // The schema only admits known platforms; a config built around it still gets a contract code.
  const entry = platformEntry(device.platform) as ReturnType<typeof platformEntry> | undefined;
  if (!entry) {
    throw new DcAgentError(
      'unsupported-platform',
      `device ${device.id} has unknown platform ${device.platform}`,
      {
        details: { device: device.id, platform: device.platform },
      },
    );
  }
  if (entry.kind === 'cli')
    return new CliDriver(device, entry.dialect, deps.logger ? { logger: deps.logger } : {});
  const pool = deps.netconfPool ?? new NetconfPool(deps.logger ? { logger: deps.logger } : {});
  return new NetconfDriver(device, entry.model, {
    pool,
    ownsPool: deps.netconfPool === undefined,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.netconfTransaction ? { transaction: deps.netconfTransaction } : {}),
    ...(deps.netconfLocks ? { locks: deps.netconfLocks } : {}),
  });
}
