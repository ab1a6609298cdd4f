import type { Platform } from '../../../contract/port-types.js';
import type { LabPlatform } from '../platform.js';
import { huaweiVrpLabPlatform } from './huawei-vrp.js';
import { ietfLabPlatform } from './ietf-interfaces.js';
import { iosxrLabPlatform } from './iosxr.js';
import { junosLabPlatform } from './junos.js';
import { openconfigLabPlatform } from './openconfig.js';

export const LAB_PLATFORMS: ReadonlyMap<Platform, LabPlatform> = new Map<Platform, LabPlatform>([
  ['ietf-interfaces', ietfLabPlatform],
  ['openconfig', openconfigLabPlatform],
  ['huawei-vrp', huaweiVrpLabPlatform],
  ['junos', junosLabPlatform],
  ['iosxr', iosxrLabPlatform],
]);

export function labPlatform(name: Platform): LabPlatform {
  const p = LAB_PLATFORMS.get(name);
  if (!p) {
    throw new Error(`the lab has no ${name} model yet (it serves: ${[...LAB_PLATFORMS.keys()].join(', ')})`);
  }
  return p;
}
