import type { PortType } from '../../contract/port-types.js';
import { type CliDeviceProfile, IOS_PROFILE, VRP8_PROFILE } from './profile.js';

/**
 * The CLI dialects a lab switch can speak, as data: which emulator profile (lab/cli-device/profile.ts)
 * serves the platform, how the box names its ports and itself, and how its SNMP agent spells an
 * interface. The emulator is the device; a lab CLI switch (cli-switch.ts) puts the lab's physics
 * and SNMP behind it.
 */

export type CliPlatformName = CliDeviceProfile['platform'];

export interface LabCliPlatform {
  readonly name: CliPlatformName;
  readonly profile: CliDeviceProfile;
  /** The software name in the SSH greeting (`SSH-2.0-<ident>`), as the vendor's boxes send it. */
  readonly sshIdent: string;
  portName(portType: PortType, n: number): string;
  /** The configured hostname (VRP `sysname`, IOS `hostname`) of the switch with this lab id. */
  hostname(switchId: string): string;
  /** ifName where the box abbreviates it; ifDescr is always the full name. */
  ifName?(name: string): string;
}

function profilePortName(profile: CliDeviceProfile): (portType: PortType, n: number) => string {
  return (portType, n) => profile.portNames[portType].replace('{n}', String(n));
}

// IOS serves the short form in ifName and the long one in ifDescr (and in the running config).
const IOS_SHORT_NAMES: readonly (readonly [string, string])[] = [
  ['TenGigabitEthernet', 'Te'],
  ['GigabitEthernet', 'Gi'],
  ['HundredGigE', 'Hu'],
];

/** Huawei VRP8 (CloudEngine): two-stage commit; sysnames are conventionally upper case. */
export const vrpLabCliPlatform: LabCliPlatform = {
  name: 'cli-vrp',
  profile: VRP8_PROFILE,
  sshIdent: 'HUAWEI-1.5',
  portName: profilePortName(VRP8_PROFILE),
  hostname: (id) => id.toUpperCase(),
};

/** Cisco IOS: every line takes effect at once; login lands in privileged exec. */
export const iosLabCliPlatform: LabCliPlatform = {
  name: 'cli-ios',
  profile: IOS_PROFILE,
  sshIdent: 'Cisco-1.25',
  portName: profilePortName(IOS_PROFILE),
  hostname: (id) => id,
  ifName: (name) => {
    const hit = IOS_SHORT_NAMES.find(([long]) => name.startsWith(long));
    return hit ? hit[1] + name.slice(hit[0].length) : name;
  },
};

export const LAB_CLI_PLATFORMS: ReadonlyMap<CliPlatformName, LabCliPlatform> = new Map<
  CliPlatformName,
  LabCliPlatform
>([
  ['cli-vrp', vrpLabCliPlatform],
  ['cli-ios', iosLabCliPlatform],
]);
