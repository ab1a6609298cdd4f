import type { PortType } from '../../../contract/port-types.js';
import {
  JUNOS_MTU_RANGE,
  JUNOS_NETCONF_CAPABILITY,
  JUNOS_XNM_NS,
  junosPlatform,
} from '../../../drivers/platforms/junos/index.js';
import { childrenNamed, el, type XmlFragment } from '../../../drivers/xml/xml.js';
import { cloneTree, type DatastoreSchema, interfacesOf, leafValue } from '../datastore.js';
import type { RpcErrorSpec } from '../errors.js';
import type { LabPlatform } from '../platform.js';

/**
 * A Junos router's configuration database as NETCONF shows it: one `<configuration>` tree (in
 * the xnm namespace on the way out), physical interfaces named `<type>-<fpc>/<pic>/<port>` from
 * port 0, logical units under them. Refusals look like Junos's own: the error-path is the CLI
 * hierarchy (`[edit interfaces xe-0/0/9]`), not an instance-identifier, and error-info names the
 * bad element.
 */

const NC_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
/** Logical unit numbers on Ethernet interfaces. */
const MAX_UNIT = 16_385;

const SCHEMA: DatastoreSchema = {
  roots: ['configuration'],
  namespace: JUNOS_XNM_NS,
  prefix: 'junos',
  listKeys: { interface: ['name'], unit: ['name'] },
  leafTypes: { mtu: 'uint32', 'vlan-id': 'uint32' },
  identities: {},
};

/** ge- (1G), xe- (10G), et- (40/100G) on FPC 0, PIC 0, numbered from 0 as Junos does. */
function portName(portType: PortType, n: number): string {
  const type = portType === '1000BASE-LX' ? 'ge' : portType === '10GBASE-LR' ? 'xe' : 'et';
  return `${type}-0/0/${n - 1}`;
}

function refuse(at: string, element: string, message: string): RpcErrorSpec {
  return {
    type: 'application',
    tag: 'invalid-value',
    message,
    path: `[edit interfaces ${at}]`,
    info: { 'bad-element': element },
  };
}

function configuration(...entries: XmlFragment[]): XmlFragment {
  return el('configuration', undefined, el('interfaces', undefined, ...entries));
}

export const junosLabPlatform: LabPlatform = {
  name: 'junos',
  driver: junosPlatform,
  schema: SCHEMA,
  capabilities: [JUNOS_NETCONF_CAPABILITY, 'http://xml.juniper.net/dmi/system/1.0'],
  portName,
  factoryPort: (port: string) => junosPlatform.clearPayload(port),

  // A customer VLAN as a logical unit; vlan-id only commits on a tagged interface.
  subinterfaceConfig(port: string, vlan: number): XmlFragment {
    return configuration(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el('vlan-tagging'),
        el(
          'unit',
          undefined,
          el('name', undefined, String(vlan)),
          el('description', undefined, `PVI vlan ${vlan}`),
          el('vlan-id', undefined, String(vlan)),
        ),
      ),
    );
  },

  removeSubinterfaceConfig(port: string, vlan: number): XmlFragment {
    return el(
      'configuration',
      { 'xmlns:nc': NC_NS },
      el(
        'interfaces',
        undefined,
        el(
          'interface',
          undefined,
          el('name', undefined, port),
          el('unit', { 'nc:operation': 'remove' }, el('name', undefined, String(vlan))),
        ),
      ),
    );
  },

  check(tree, hardware) {
    const out: RpcErrorSpec[] = [];
    const [mtuMin, mtuMax] = JUNOS_MTU_RANGE;
    for (const i of interfacesOf(tree)) {
      const name = leafValue(i, 'name') ?? '';
      if (!hardware.hasPort(name)) {
        out.push(refuse(name, name, `device ${name} not found`));
        continue;
      }
      const mtu = leafValue(i, 'mtu');
      if (mtu !== undefined && (Number(mtu) < mtuMin || Number(mtu) > mtuMax)) {
        out.push(refuse(name, 'mtu', `Value ${mtu} is not within range (${mtuMin}..${mtuMax})`));
      }
      for (const u of childrenNamed(i, 'unit')) {
        const unit = leafValue(u, 'name') ?? '';
        if (!/^\d{1,5}$/.test(unit) || Number(unit) > MAX_UNIT) {
          out.push(refuse(name, 'unit', `logical unit number ${unit} is not within range (0..${MAX_UNIT})`));
          continue;
        }
        const vlan = leafValue(u, 'vlan-id');
        if (vlan !== undefined && (Number(vlan) < 1 || Number(vlan) > 4094)) {
          out.push(refuse(`${name} unit ${unit}`, 'vlan-id', `Value ${vlan} is not within range (1..4094)`));
        }
      }
    }
    return out;
  },

  // Junos keeps operational state out of the configuration (it answers get-interface-information,
  // which this lab does not serve), so <get> shows the committed configuration only.
  state: (running) => cloneTree(running),
};
