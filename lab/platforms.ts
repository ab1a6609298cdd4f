import type { Platform, PortType } from '../contract/port-types.js';
import type { NetconfPlatform } from '../drivers/netconf/platform.js';
import {
  IANA_IF_TYPE_NS,
  IETF_INTERFACES_NS,
  ietfInterfacesPlatform,
} from '../drivers/platforms/ietf-interfaces/index.js';
import { OPENCONFIG_INTERFACES_NS, openconfigPlatform } from '../drivers/platforms/openconfig/index.js';
import { subinterfacesOf } from '../drivers/port-state.js';
import { childrenNamed, el, type XmlFragment } from '../drivers/xml/xml.js';
import { cloneTree, type DataNode, type DatastoreSchema, leaf, leafValue, node } from './datastore.js';
import type { RpcErrorSpec } from './netconf-errors.js';
import { huaweiVrpLabPlatform } from './platforms/huawei-vrp.js';
import { iosxrLabPlatform } from './platforms/iosxr.js';
import { junosLabPlatform } from './platforms/junos.js';

/**
 * How one YANG model lives on a lab switch. A platform is data plus a few pure functions: its
 * schema for the generic datastore, the hello capabilities, how the device names its ports, the
 * whole-tree checks a commit runs, and its operational state. Reading the port model back out of
 * the datastore is not repeated here: the lab asks the driver's own NetconfPlatform
 * (`driver.parsePort`, `driver.listSubinterfaces`), and a port's factory state is the driver's
 * own clear payload. Adding huawei-vrp, junos or iosxr is one more object in LAB_PLATFORMS.
 */

/** What the switch's hardware says about a name, for the checks a commit runs. */
export interface Hardware {
  hasPort(name: string): boolean;
}

/** One interface's live state, for `<get>`. */
export interface InterfaceStatus {
  name: string;
  adminUp: boolean;
  operUp: boolean;
  subinterface: boolean;
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

const IF_TYPES = new Set([
  'ethernetCsmacd',
  'l2vlan',
  'ieee8023adLag',
  'softwareLoopback',
  'propVirtual',
  'other',
]);
const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

/** Huawei-style names (GE1/0/1, 10GE1/0/2, 100GE1/0/3), the inventory's usual spelling. */
function vrpStylePortName(portType: PortType, n: number): string {
  const prefix = portType === '1000BASE-LX' ? 'GE' : portType === '10GBASE-LR' ? '10GE' : '100GE';
  return `${prefix}1/0/${n}`;
}

/** A name the hardware has: a physical port or one of its `<port>.<vlan>` sub-interfaces. */
function knownName(name: string, hardware: Hardware): boolean {
  if (hardware.hasPort(name)) return true;
  const dot = name.lastIndexOf('.');
  return (
    dot > 0 &&
    hardware.hasPort(name.slice(0, dot)) &&
    subinterfacesOf(name.slice(0, dot), [name]).length === 1
  );
}

function pathOf(prefix: string, name: string, leafName?: string): string {
  const key = name.includes("'") ? `"${name}"` : `'${name}'`;
  return `/${prefix}:interfaces/${prefix}:interface[${prefix}:name=${key}]${leafName ? `/${leafName}` : ''}`;
}

function ifType(value: string): XmlFragment {
  return el('type', { 'xmlns:ianaift': IANA_IF_TYPE_NS }, `ianaift:${value}`);
}

const IETF_SCHEMA: DatastoreSchema = {
  roots: ['interfaces'],
  namespace: IETF_INTERFACES_NS,
  prefix: 'if',
  listKeys: { interface: ['name'] },
  leafTypes: { enabled: 'boolean', type: 'identity' },
  identities: { type: { prefix: 'ianaift', ns: IANA_IF_TYPE_NS, values: IF_TYPES } },
};

export const ietfLabPlatform: LabPlatform = {
  name: 'ietf-interfaces',
  driver: ietfInterfacesPlatform,
  schema: IETF_SCHEMA,
  capabilities: [
    `${IETF_INTERFACES_NS}?module=ietf-interfaces&revision=2014-05-08`,
    `${IANA_IF_TYPE_NS}?module=iana-if-type&revision=2014-05-08`,
  ],
  portName: vrpStylePortName,
  factoryPort: (port: string) => ietfInterfacesPlatform.clearPayload(port),

  subinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'interfaces',
      { xmlns: IETF_INTERFACES_NS },
      el(
        'interface',
        undefined,
        el('name', undefined, `${port}.${vlan}`),
        ifType('l2vlan'),
        el('description', undefined, `PVI vlan ${vlan}`),
        el('enabled', undefined, 'true'),
      ),
    );
  },

  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'interfaces',
      { xmlns: IETF_INTERFACES_NS, 'xmlns:nc': NC_NS },
      el('interface', { 'nc:operation': 'remove' }, el('name', undefined, `${port}.${vlan}`)),
    );
  },

  check(tree, hardware, phase) {
    const out: RpcErrorSpec[] = [];
    const ns = { if: IETF_INTERFACES_NS };
    for (const root of tree) {
      for (const i of childrenNamed(root, 'interface')) {
        const name = leafValue(i, 'name') ?? '';
        if (!knownName(name, hardware)) {
          out.push({
            type: 'application',
            tag: 'invalid-value',
            message: `this device has no interface ${name}`,
            path: pathOf('if', name),
            pathNamespaces: ns,
            info: { 'bad-element': 'name' },
          });
        } else if (phase === 'commit' && leafValue(i, 'type') === undefined) {
          // RFC 7950 §15.6: a missing mandatory leaf is data-missing with the leaf's path.
          out.push({
            type: 'application',
            tag: 'data-missing',
            message: `mandatory leaf type is missing for interface ${name}`,
            path: pathOf('if', name, 'if:type'),
            pathNamespaces: ns,
          });
        }
      }
    }
    return out;
  },

  state(running, interfaces) {
    const types = new Map<string, string>();
    for (const root of running) {
      for (const i of childrenNamed(root, 'interface')) {
        const name = leafValue(i, 'name');
        const type = leafValue(i, 'type');
        if (name !== undefined && type !== undefined) types.set(name, type);
      }
    }
    const entries = interfaces.map((s) =>
      node('interface', [
        leaf('name', s.name),
        leaf('type', types.get(s.name) ?? (s.subinterface ? 'l2vlan' : 'ethernetCsmacd')),
        leaf('admin-status', s.adminUp ? 'up' : 'down'),
        leaf('oper-status', s.operUp ? 'up' : 'down'),
      ]),
    );
    return [...cloneTree(running), node('interfaces-state', entries)];
  },
};

const OC_SCHEMA: DatastoreSchema = {
  roots: ['interfaces'],
  namespace: OPENCONFIG_INTERFACES_NS,
  prefix: 'oc-if',
  listKeys: { interface: ['name'], subinterface: ['index'] },
  leafTypes: { enabled: 'boolean', type: 'identity', mtu: 'uint16', index: 'uint32' },
  identities: { type: { prefix: 'ianaift', ns: IANA_IF_TYPE_NS, values: IF_TYPES } },
};

export const openconfigLabPlatform: LabPlatform = {
  name: 'openconfig',
  driver: openconfigPlatform,
  schema: OC_SCHEMA,
  capabilities: [
    `${OPENCONFIG_INTERFACES_NS}?module=openconfig-interfaces&revision=2021-04-06`,
    `${IANA_IF_TYPE_NS}?module=iana-if-type&revision=2014-05-08`,
  ],
  portName: vrpStylePortName,
  factoryPort: (port: string) => openconfigPlatform.clearPayload(port),

  // OpenConfig's own place for a VLAN sub-interface: an index under the port, not a new interface.
  subinterfaceConfig(port: string, vlan: number): XmlFragment {
    const index = String(vlan);
    return el(
      'interfaces',
      { xmlns: OPENCONFIG_INTERFACES_NS },
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el(
          'subinterfaces',
          undefined,
          el(
            'subinterface',
            undefined,
            el('index', undefined, index),
            el(
              'config',
              undefined,
              el('index', undefined, index),
              el('description', undefined, `PVI vlan ${vlan}`),
              el('enabled', undefined, 'true'),
            ),
          ),
        ),
      ),
    );
  },

  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'interfaces',
      { xmlns: OPENCONFIG_INTERFACES_NS, 'xmlns:nc': NC_NS },
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el(
          'subinterfaces',
          undefined,
          el('subinterface', { 'nc:operation': 'remove' }, el('index', undefined, String(vlan))),
        ),
      ),
    );
  },

  check(tree, hardware, phase) {
    const out: RpcErrorSpec[] = [];
    const ns = { 'oc-if': OPENCONFIG_INTERFACES_NS };
    for (const root of tree) {
      for (const i of childrenNamed(root, 'interface')) {
        const name = leafValue(i, 'name') ?? '';
        const config = i.children.find((c) => c.name === 'config');
        if (!knownName(name, hardware)) {
          out.push({
            type: 'application',
            tag: 'invalid-value',
            message: `this device has no interface ${name}`,
            path: pathOf('oc-if', name),
            pathNamespaces: ns,
            info: { 'bad-element': 'name' },
          });
          continue;
        }
        const configName = leafValue(config, 'name');
        if (configName !== undefined && configName !== name) {
          // The list key is a leafref to config/name, so the two must agree.
          out.push({
            type: 'application',
            tag: 'invalid-value',
            message: `config/name ${configName} does not match the list key ${name}`,
            path: pathOf('oc-if', name, 'oc-if:config/oc-if:name'),
            pathNamespaces: ns,
            info: { 'bad-element': 'name' },
          });
        }
        for (const s of childrenNamed(
          i.children.find((c) => c.name === 'subinterfaces'),
          'subinterface',
        )) {
          const index = Number(leafValue(s, 'index'));
          if (index > 4094) {
            out.push({
              type: 'application',
              tag: 'invalid-value',
              message: `sub-interface index ${index} on ${name} is above 4094`,
              path: pathOf('oc-if', name, 'oc-if:subinterfaces'),
              pathNamespaces: ns,
              info: { 'bad-element': 'index' },
            });
          }
        }
        if (phase === 'commit' && leafValue(config, 'type') === undefined && !name.includes('.')) {
          out.push({
            type: 'application',
            tag: 'data-missing',
            message: `mandatory leaf config/type is missing for interface ${name}`,
            path: pathOf('oc-if', name, 'oc-if:config/oc-if:type'),
            pathNamespaces: ns,
          });
        }
      }
    }
    return out;
  },

  state(running, interfaces) {
    const byName = new Map(interfaces.map((s) => [s.name, s]));
    const tree = cloneTree(running);
    for (const root of tree) {
      for (const i of childrenNamed(root, 'interface') as DataNode[]) {
        const name = leafValue(i, 'name') ?? '';
        const s = byName.get(name);
        if (!s) continue;
        const config = i.children.find((c) => c.name === 'config');
        const state = node('state', [
          leaf('name', name),
          ...(config ? cloneTree(config.children.filter((c) => c.name !== 'name')) : []),
          leaf('admin-status', s.adminUp ? 'UP' : 'DOWN'),
          leaf('oper-status', s.operUp ? 'UP' : 'DOWN'),
        ]);
        i.children.push(state);
      }
    }
    return tree;
  },
};

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
