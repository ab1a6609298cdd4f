import { IANA_IF_TYPE_NS } from '../../../drivers/platforms/ietf-interfaces/index.js';
import { OPENCONFIG_INTERFACES_NS, openconfigPlatform } from '../../../drivers/platforms/openconfig/index.js';
import { childrenNamed, el, type XmlFragment } from '../../../drivers/xml/xml.js';
import { cloneTree, type DataNode, type DatastoreSchema, leaf, leafValue, node } from '../datastore.js';
import type { RpcErrorSpec } from '../errors.js';
import { IF_TYPES, knownName, type LabPlatform, NC_NS, pathOf, vrpStylePortName } from '../platform.js';

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
