import type { PLATFORM_KINDS, Platform } from '../../contract/port-types.js';
import type { CliDialect } from '../cli/dialect.js';
import type { NetconfPlatform } from '../netconf/platform.js';
import { cliIosDialect } from './cli-ios/index.js';
import { cliVrpDialect } from './cli-vrp/index.js';
import { huaweiVrpPlatform } from './huawei-vrp/index.js';
import { ietfInterfacesPlatform } from './ietf-interfaces/index.js';
import { iosxrPlatform } from './iosxr/index.js';
import { junosPlatform } from './junos/index.js';
import { openconfigPlatform } from './openconfig/index.js';

/**
 * Every platform the agent speaks, as data: a NETCONF model or a CLI dialect. Adding a platform is
 * one name in contract/port-types.ts and one entry here; a missing entry, or one of the wrong kind
 * for PLATFORM_KINDS, does not compile.
 */

export type PlatformEntry =
  | { readonly kind: 'netconf'; readonly model: NetconfPlatform }
  | { readonly kind: 'cli'; readonly dialect: CliDialect };

export type PlatformRegistry = {
  readonly [P in Platform]: Extract<PlatformEntry, { kind: (typeof PLATFORM_KINDS)[P] }>;
};

export const PLATFORM_REGISTRY: PlatformRegistry = Object.freeze({
  'ietf-interfaces': { kind: 'netconf', model: ietfInterfacesPlatform },
  openconfig: { kind: 'netconf', model: openconfigPlatform },
  'huawei-vrp': { kind: 'netconf', model: huaweiVrpPlatform },
  junos: { kind: 'netconf', model: junosPlatform },
  iosxr: { kind: 'netconf', model: iosxrPlatform },
  'cli-vrp': { kind: 'cli', dialect: cliVrpDialect },
  'cli-ios': { kind: 'cli', dialect: cliIosDialect },
} satisfies PlatformRegistry);

export function platformEntry(platform: Platform): PlatformEntry {
  return PLATFORM_REGISTRY[platform];
}
