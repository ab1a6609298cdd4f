import type { PortType } from '../../../contract/port-types.js';
import {
  HUAWEI_DESCRIPTION_MAX,
  HUAWEI_IFM_NS,
  huaweiVrpPlatform,
} from '../../../drivers/platforms/huawei-vrp/index.js';
import { el, type XmlFragment } from '../../../drivers/xml/xml.js';
import { cloneTree, type DatastoreSchema, interfacesOf, leaf, leafValue, node } from '../datastore.js';
import type { RpcErrorSpec } from '../errors.js';
import type { LabPlatform } from '../platform.js';

/**
 * A Huawei VRP8 router's huawei-ifm (Huawei's published huawei-ifm YANG, as netconfd
 * loads it): physical ports exist from the start with class/type/number filled in, names are
 * `<type><slot>/<card>/<port>`, and a commit refuses what the YANG refuses (description length
 * 1..242, admin-status up/down, mtu 0..64000) plus what only the hardware knows (the port
 * exists, a sub-interface's parent is a main interface here). Errors carry the error-path as
 * Huawei writes it, an instance-identifier with the `ifm` prefix.
 */

const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';

const SCHEMA: DatastoreSchema = {
  roots: ['ifm'],
  namespace: HUAWEI_IFM_NS,
  prefix: 'ifm',
  listKeys: { interface: ['name'] },
  leafTypes: { mtu: 'uint32' },
  identities: {},
};

/** huawei-ifm port-type enum values per port type (GE is not one; 1G ports are GigabitEthernet). */
function portName(portType: PortType, n: number): string {
  const type = portType === '1000BASE-LX' ? 'GigabitEthernet' : portType === '10GBASE-LR' ? '10GE' : '100GE';
  return `${type}1/0/${n}`;
}

/** `10GE1/0/1` → type `10GE`, number `1/0/1`, as /ifm:ifm/ifm:interfaces/ifm:interface/{type,number}. */
function split(name: string): { type: string; number: string } | undefined {
  const m = /^(.+?)(\d+\/\d+\/\d+)$/.exec(name);
  return m?.[1] && m[2] ? { type: m[1], number: m[2] } : undefined;
}

function pathOf(name: string, leafName?: string): string {
  const key = name.includes("'") ? `"${name}"` : `'${name}'`;
  return `/ifm:ifm/ifm:interfaces/ifm:interface[ifm:name=${key}]${leafName ? `/ifm:${leafName}` : ''}`;
}

function invalid(name: string, leafName: string | undefined, message: string): RpcErrorSpec {
  return {
    type: 'application',
    tag: 'invalid-value',
    message,
    path: pathOf(name, leafName),
    pathNamespaces: { ifm: HUAWEI_IFM_NS },
    info: { 'bad-element': leafName ?? 'name' },
  };
}

function ifm(...entries: XmlFragment[]): XmlFragment {
  return el('ifm', { xmlns: HUAWEI_IFM_NS }, el('interfaces', undefined, ...entries));
}

export const huaweiVrpLabPlatform: LabPlatform = {
  name: 'huawei-vrp',
  driver: huaweiVrpPlatform,
  schema: SCHEMA,
  capabilities: [
    `${HUAWEI_IFM_NS}?module=huawei-ifm&revision=2022-08-06`,
    'urn:huawei:yang:huawei-network-instance?module=huawei-network-instance&revision=2022-09-08',
  ],
  portName,

  factoryPort(port: string): XmlFragment {
    const parts = split(port);
    return ifm(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el('class', undefined, 'main-interface'),
        parts ? el('type', undefined, parts.type) : undefined,
        parts ? el('number', undefined, parts.number) : undefined,
        el('admin-status', undefined, 'down'),
      ),
    );
  },

  // A dot1q termination sub-interface as VRP8 shows it: its own class, and parent-name pointing
  // at the main interface (number is left to the device, its pattern has no place for the dot).
  subinterfaceConfig(port: string, vlan: number): XmlFragment {
    return ifm(
      el(
        'interface',
        undefined,
        el('name', undefined, `${port}.${vlan}`),
        el('class', undefined, 'sub-interface'),
        el('type', undefined, split(port)?.type ?? '10GE'),
        el('parent-name', undefined, port),
        el('description', undefined, `PVI vlan ${vlan}`),
        el('admin-status', undefined, 'up'),
      ),
    );
  },

  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'ifm',
      { xmlns: HUAWEI_IFM_NS, 'xmlns:nc': NC_NS },
      el(
        'interfaces',
        undefined,
        el('interface', { 'nc:operation': 'remove' }, el('name', undefined, `${port}.${vlan}`)),
      ),
    );
  },

  check(tree, hardware) {
    const out: RpcErrorSpec[] = [];
    for (const i of interfacesOf(tree)) {
      const name = leafValue(i, 'name') ?? '';
      // class is ext:dynamic-default: the device derives it from the name when it is not sent.
      const cls = leafValue(i, 'class') ?? (name.includes('.') ? 'sub-interface' : 'main-interface');
      if (cls === 'main-interface') {
        // "Physical … interfaces cannot be created or deleted" (huawei-ifm, list interface).
        if (!hardware.hasPort(name)) out.push(invalid(name, undefined, 'The interface does not exist.'));
      } else if (cls === 'sub-interface') {
        const parent = leafValue(i, 'parent-name') ?? name.slice(0, name.lastIndexOf('.'));
        const n = name.slice(parent.length + 1);
        if (!hardware.hasPort(parent)) {
          // parent-name is a leafref: RFC 7950 §15.5 makes a dangling one data-missing/instance-required.
          out.push({
            ...invalid(
              name,
              'parent-name',
              `The main interface ${parent} of the sub-interface does not exist.`,
            ),
            tag: 'data-missing',
            appTag: 'instance-required',
          });
        } else if (!name.startsWith(`${parent}.`) || !/^[1-9]\d{0,9}$/.test(n)) {
          out.push(invalid(name, undefined, `The sub-interface name must be ${parent}.<number>.`));
        }
      } else {
        out.push(
          invalid(name, 'class', `Invalid class "${cls}": it must be main-interface or sub-interface.`),
        );
      }
      const description = leafValue(i, 'description');
      if (description !== undefined) {
        const length = [...description].length;
        if (length < 1 || length > HUAWEI_DESCRIPTION_MAX) {
          out.push(
            invalid(
              name,
              'description',
              `The description length ${length} is out of range 1..${HUAWEI_DESCRIPTION_MAX}.`,
            ),
          );
        }
      }
      const admin = leafValue(i, 'admin-status');
      if (admin !== undefined && admin !== 'up' && admin !== 'down') {
        out.push(invalid(name, 'admin-status', `Invalid admin-status "${admin}": it must be up or down.`));
      }
      const mtu = leafValue(i, 'mtu');
      if (mtu !== undefined && Number(mtu) > 64_000) {
        out.push(invalid(name, 'mtu', `The MTU ${mtu} is out of range 0..64000.`));
      }
    }
    return out;
  },

  // Operational state sits in the same model, under each interface's config-false `dynamic`.
  state(running, interfaces) {
    const byName = new Map(interfaces.map((s) => [s.name, s]));
    const tree = cloneTree(running);
    for (const i of interfacesOf(tree)) {
      const s = byName.get(leafValue(i, 'name') ?? '');
      if (!s) continue;
      i.children.push(
        node('dynamic', [
          leaf('oper-status', s.operUp ? 'up' : 'down'),
          leaf('physical-status', s.operUp ? 'up' : 'down'),
          leaf('link-status', s.operUp ? 'up' : 'down'),
        ]),
      );
    }
    return tree;
  },
};
