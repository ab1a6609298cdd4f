import type { Platform } from '../../contract/port-types.js';
import type { DriverFactory } from '../factory.js';
import { cliIosDialect } from '../platforms/cli-ios/index.js';
import { cliVrpDialect } from '../platforms/cli-vrp/index.js';
import type { CliDialect } from './dialect.js';
import { CliDriver } from './driver.js';

/**
 * The CLI platforms, for factory.ts to register. This module does not import the factory's
 * values (only its types), so the two can import each other without an evaluation cycle.
 */

export const CLI_DIALECTS: ReadonlyMap<Platform, CliDialect> = new Map<Platform, CliDialect>([
  ['cli-vrp', cliVrpDialect],
  ['cli-ios', cliIosDialect],
]);

export const CLI_DRIVERS: ReadonlyMap<Platform, DriverFactory> = new Map<Platform, DriverFactory>(
  [...CLI_DIALECTS].map(([name, dialect]): [Platform, DriverFactory] => [
    name,
    (device, deps) => new CliDriver(device, dialect, deps.logger ? { logger: deps.logger } : {}),
  ]),
);
