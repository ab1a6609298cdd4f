import {
  IANA_IF_TYPE_NS,
  IETF_INTERFACES_NS,
  ietfInterfacesPlatform,
} from '../../../drivers/platforms/ietf-interfaces/index.js';
import { childrenNamed, el, type XmlFragment } from '../../../drivers/xml/xml.js';
import { cloneTree, type DatastoreSchema, leaf, leafValue, node } from '../datastore.js';
import type { RpcErrorSpec } from '../errors.js';
import {
  IF_TYPES,
  ifType,
  knownName,
  type LabPlatform,
  NC_NS,
  pathOf,
  vrpStylePortName,
} from '../platform.js';

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
