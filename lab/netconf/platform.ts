import type { Platform, PortType } from '../../contract/port-types.js';
import type { NetconfPlatform } from '../../drivers/netconf/platform.js';
import { IANA_IF_TYPE_NS } from '../../drivers/platforms/ietf-interfaces/index.js';
import { subinterfacesOf } from '../../drivers/port-state.js';
import { el, type XmlFragment } from '../../drivers/xml/xml.js';
import type { InterfaceStatus } from '../model/switch.js';
import type { DataNode, DatastoreSchema } from './datastore.js';
import type { RpcErrorSpec } from './errors.js';

/**
 * How one YANG model lives on a lab switch. A platform is data plus a few pure functions: its
 * schema for the generic datastore, the hello capabilities, how the device names its ports, the
 * whole-tree checks a commit runs, and its operational state. Reading the port model back out of
 * the datastore is not repeated here: the lab asks the driver's own NetconfPlatform
 * (`driver.parsePort`, `driver.listSubinterfaces`), and a port's factory state is usually the
 * driver's own clear payload. A new model is one file in `platforms/` and one entry in
 * LAB_PLATFORMS (`platforms/index.ts`).
 */

/** What the switch's hardware says about a name, for the checks a commit runs. */
export interface Hardware {
  hasPort(name: string): boolean;
}

export type CheckPhase = 'edit' | 'commit';

export interface LabPlatform {
  readonly name: Platform;
  /** The agent's reading of this model, shared so lab and agent cannot drift apart. */
  readonly driver: NetconfPlatform;
  readonly schema: DatastoreSchema;
  /** Module capabilities for the hello, besides the protocol ones. */
  readonly capabilities: readonly string[];
  portName(portType: PortType, n: number): string;
  /** `<config>` content of a physical port as the switch ships: present, admin down, no description. */
  factoryPort(port: string): XmlFragment;
  subinterfaceConfig(port: string, vlan: number): XmlFragment;
  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment;
  /**
   * Whole-tree checks. `edit` runs after every edit-config (names the hardware must have);
   * `commit` also runs what YANG only enforces on a complete datastore (mandatory leaves).
   */
  check(tree: readonly DataNode[], hardware: Hardware, phase: CheckPhase): RpcErrorSpec[];
  /** Running plus operational state, as `<get>` returns it. */
  state(running: readonly DataNode[], interfaces: readonly InterfaceStatus[]): DataNode[];
}

export const IF_TYPES = new Set([
  'ethernetCsmacd',
  'l2vlan',
  'ieee8023adLag',
  'softwareLoopback',
  'propVirtual',
  'other',
]);
export const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** Huawei-style names (GE1/0/1, 10GE1/0/2, 100GE1/0/3), the inventory's usual spelling. */
export function vrpStylePortName(portType: PortType, n: number): string {
  const prefix = portType === '1000BASE-LX' ? 'GE' : portType === '10GBASE-LR' ? '10GE' : '100GE';
  return `${prefix}1/0/${n}`;
}

/** A name the hardware has: a physical port or one of its `<port>.<vlan>` sub-interfaces. */
export function knownName(name: string, hardware: Hardware): boolean {
  if (hardware.hasPort(name)) return true;
  const dot = name.lastIndexOf('.');
  return (
    dot > 0 &&
    hardware.hasPort(name.slice(0, dot)) &&
    subinterfacesOf(name.slice(0, dot), [name]).length === 1
  );
}

export function pathOf(prefix: string, name: string, leafName?: string): string {
  const key = name.includes("'") ? `"${name}"` : `'${name}'`;
  return `/${prefix}:interfaces/${prefix}:interface[${prefix}:name=${key}]${leafName ? `/${leafName}` : ''}`;
}

export function ifType(value: string): XmlFragment {
  return el('type', { 'xmlns:ianaift': IANA_IF_TYPE_NS }, `ianaift:${value}`);
}
