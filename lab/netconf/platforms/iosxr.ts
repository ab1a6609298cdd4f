import type { PortType } from '../../../contract/port-types.js';
import {
  IOSXR_IFMGR_CFG_NS,
  IOSXR_MTU_RANGE,
  iosxrPlatform,
} from '../../../drivers/platforms/iosxr/index.js';
import { childrenNamed, el, type XmlFragment } from '../../../drivers/xml/xml.js';
import { cloneTree, type DataNode, type DatastoreSchema, leafValue } from '../datastore.js';
import type { RpcErrorSpec } from '../errors.js';
import type { LabPlatform } from '../platform.js';

/**
 * A Cisco IOS XR router's Cisco-IOS-XR-ifmgr-cfg: one interface-configuration entry per
 * (active, interface-name), physical ports named `<type><rack>/<slot>/<module>/<port>` from port
 * 0, shipped shut down, sub-interfaces as `<port>.<n>` entries. Refusals follow XR's wording,
 * "'<component>' detected the '<severity>' condition '<text>'", with an instance-identifier path.
 */

const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
const PREFIX = 'ifmgr-cfg';

const SCHEMA: DatastoreSchema = {
  roots: ['interface-configurations'],
  namespace: IOSXR_IFMGR_CFG_NS,
  prefix: PREFIX,
  listKeys: { 'interface-configuration': ['active', 'interface-name'], mtu: ['owner'] },
  leafTypes: { mtu: 'uint32' },
  identities: {},
};

function portName(portType: PortType, n: number): string {
  const type =
    portType === '1000BASE-LX' ? 'GigabitEthernet' : portType === '10GBASE-LR' ? 'TenGigE' : 'HundredGigE';
  return `${type}0/0/0/${n - 1}`;
}

function pathOf(active: string, name: string, leafName?: string): string {
  const q = (v: string) => (v.includes("'") ? `"${v}"` : `'${v}'`);
  return `/${PREFIX}:interface-configurations/${PREFIX}:interface-configuration[${PREFIX}:active=${q(active)}][${PREFIX}:interface-name=${q(name)}]${leafName ? `/${PREFIX}:${leafName}` : ''}`;
}

function refuse(active: string, name: string, element: string, message: string): RpcErrorSpec {
  return {
    type: 'application',
    tag: 'invalid-value',
    message,
    path: pathOf(active, name, element === 'interface-name' ? undefined : element),
    pathNamespaces: { [PREFIX]: IOSXR_IFMGR_CFG_NS },
    info: { 'bad-element': element },
  };
}

function configurations(...entries: XmlFragment[]): XmlFragment {
  return el('interface-configurations', { xmlns: IOSXR_IFMGR_CFG_NS }, ...entries);
}

function entriesOf(tree: readonly DataNode[]): DataNode[] {
  const out: DataNode[] = [];
  for (const root of tree) out.push(...(childrenNamed(root, 'interface-configuration') as DataNode[]));
  return out;
}

/** A port this router has, or `<port>.<n>` on one (n 1..2147483647, XR's sub-interface range). */
function present(name: string, hasPort: (n: string) => boolean): boolean {
  if (hasPort(name)) return true;
  const dot = name.lastIndexOf('.');
  const n = name.slice(dot + 1);
  return dot > 0 && hasPort(name.slice(0, dot)) && /^[1-9]\d{0,9}$/.test(n) && Number(n) <= 2_147_483_647;
}

export const iosxrLabPlatform: LabPlatform = {
  name: 'iosxr',
  driver: iosxrPlatform,
  schema: SCHEMA,
  capabilities: [`${IOSXR_IFMGR_CFG_NS}?module=Cisco-IOS-XR-ifmgr-cfg&revision=2017-09-07`],
  portName,
  factoryPort: (port: string) => iosxrPlatform.clearPayload(port),

  subinterfaceConfig(port: string, vlan: number): XmlFragment {
    return configurations(
      el(
        'interface-configuration',
        undefined,
        el('active', undefined, 'act'),
        el('interface-name', undefined, `${port}.${vlan}`),
        el('interface-mode-non-physical', undefined, 'default'),
        el('description', undefined, `PVI vlan ${vlan}`),
      ),
    );
  },

  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'interface-configurations',
      { xmlns: IOSXR_IFMGR_CFG_NS, 'xmlns:nc': NC_NS },
      el(
        'interface-configuration',
        { 'nc:operation': 'remove' },
        el('active', undefined, 'act'),
        el('interface-name', undefined, `${port}.${vlan}`),
      ),
    );
  },

  check(tree, hardware) {
    const out: RpcErrorSpec[] = [];
    const [mtuMin, mtuMax] = IOSXR_MTU_RANGE;
    for (const i of entriesOf(tree)) {
      const active = leafValue(i, 'active') ?? '';
      const name = leafValue(i, 'interface-name') ?? '';
      if (active !== 'act' && active !== 'pre') {
        out.push(
          refuse(
            active,
            name,
            'active',
            `'YANG framework' detected the 'fatal' condition 'Invalid value "${active}" for active: act or pre'`,
          ),
        );
        continue;
      }
      // `pre` is preconfiguration for hardware not yet inserted: accepted whatever the name.
      if (active === 'act' && !present(name, (n) => hardware.hasPort(n))) {
        out.push(
          refuse(
            active,
            name,
            'interface-name',
            `'ifmgr' detected the 'warning' condition 'Interface ${name} does not exist'`,
          ),
        );
        continue;
      }
      for (const m of childrenNamed(childrenNamed(i, 'mtus')[0], 'mtu')) {
        const value = leafValue(m, 'mtu');
        if (value !== undefined && (Number(value) < mtuMin || Number(value) > mtuMax)) {
          out.push(
            refuse(
              active,
              name,
              'mtus',
              `'YANG framework' detected the 'fatal' condition 'Value ${value} is out of range ${mtuMin}..${mtuMax}'`,
            ),
          );
        }
      }
    }
    return out;
  },

  // XR serves interface state in other models (Cisco-IOS-XR-pfi-im-cmd-oper), not served here,
  // so <get> shows the committed configuration only.
  state: (running) => cloneTree(running),
};
