import type { Platform } from '../contract/port-types.js';
import { LAB_CLI_PLATFORMS, type LabCliPlatform } from './cli-device/platforms.js';
import type { LabPlatform } from './netconf/platform.js';
import { LAB_PLATFORMS } from './netconf/platforms/index.js';

/**
 * Every platform the lab serves, and how: a NETCONF model (lab/netconf/platforms/) or a CLI dialect
 * (lab/cli-device/platforms.ts). This is the one place that decides which front end a switch gets;
 * startLab, option checks and the `dcagent lab` help all read it.
 */

export type LabModel =
  | { readonly transport: 'netconf'; readonly platform: LabPlatform }
  | { readonly transport: 'cli'; readonly platform: LabCliPlatform };

export const LAB_MODELS: ReadonlyMap<Platform, LabModel> = new Map<Platform, LabModel>([
  ...[...LAB_PLATFORMS].map(([name, platform]): [Platform, LabModel] => [
    name,
    { transport: 'netconf', platform },
  ]),
  ...[...LAB_CLI_PLATFORMS].map(([name, platform]): [Platform, LabModel] => [
    name,
    { transport: 'cli', platform },
  ]),
]);

/** The platform names the lab serves, NETCONF models first. */
export const LAB_PLATFORM_NAMES: readonly Platform[] = Object.freeze([...LAB_MODELS.keys()]);

export function labModel(name: Platform): LabModel {
  const m = LAB_MODELS.get(name);
  if (!m) throw new Error(`the lab has no ${name} model (it serves ${LAB_PLATFORM_NAMES.join(', ')})`);
  return m;
}
