/** Physical port types a Hosted Connection can be sold on (CONTRACT §3), with the facts the agent needs. */
export const PORT_TYPES = ['1000BASE-LX', '10GBASE-LR', '100GBASE-LR4'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortTypeFacts {
  speedMbps: number;
  /** Optical lanes: each lane has its own Rx/Tx reading (100GBASE-LR4 has four wavelengths). */
  lanes: number;
}

export const PORT_TYPE_FACTS: Readonly<Record<PortType, Readonly<PortTypeFacts>>> = Object.freeze({
  '1000BASE-LX': Object.freeze({ speedMbps: 1_000, lanes: 1 }),
  '10GBASE-LR': Object.freeze({ speedMbps: 10_000, lanes: 1 }),
  '100GBASE-LR4': Object.freeze({ speedMbps: 100_000, lanes: 4 }),
});

export const PLATFORMS = [
  'ietf-interfaces',
  'openconfig',
  'huawei-vrp',
  'junos',
  'iosxr',
  'cli-vrp',
  'cli-ios',
] as const;
export type Platform = (typeof PLATFORMS)[number];

/**
 * How each platform is configured: a NETCONF model or a CLI dialect over SSH. The config schema
 * asks this for the device's block; the drivers' registry is typed against it, so the two agree.
 */
export const PLATFORM_KINDS = Object.freeze({
  'ietf-interfaces': 'netconf',
  openconfig: 'netconf',
  'huawei-vrp': 'netconf',
  junos: 'netconf',
  iosxr: 'netconf',
  'cli-vrp': 'cli',
  'cli-ios': 'cli',
} as const satisfies Record<Platform, 'netconf' | 'cli'>);
export type PlatformKind = (typeof PLATFORM_KINDS)[Platform];

export const OPTICS_ADAPTERS = ['huawei', 'h3c', 'juniper', 'cisco', 'entity-sensor', 'none'] as const;
export type OpticsAdapter = (typeof OPTICS_ADAPTERS)[number];
