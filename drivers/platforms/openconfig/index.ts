import type { PortConfigState, PortIntent } from '../../driver.js';
import { type NetconfPlatform, yangBoolean } from '../../netconf/platform.js';
import { subinterfacesOf } from '../../port-state.js';
import {
  child,
  childrenNamed,
  childText,
  el,
  path,
  type XmlElement,
  type XmlFragment,
} from '../../xml/xml.js';

/**
 * openconfig-interfaces (openconfig/public release/models/interfaces). Intended configuration
 * lives under the `config` container of each list entry:
 *   name        → /oc-if:interfaces/interface/name, and /oc-if:interfaces/interface/config/name
 *                  (the list key is a leafref to config/name, so both are sent and must be equal)
 *   type        → /oc-if:interfaces/interface/config/type   (identityref to ietf-interfaces
 *                  interface-type; ianaift:ethernetCsmacd from iana-if-type@2014-05-08)
 *   description → /oc-if:interfaces/interface/config/description
 *   enabled     → /oc-if:interfaces/interface/config/enabled (boolean, default true)
 *   mtu         → /oc-if:interfaces/interface/config/mtu     (uint16)
 * Sub-interfaces: both top-level interfaces named `<port>.<vlan>` and entries of
 * /oc-if:interfaces/interface/subinterfaces/subinterface/index other than 0 (index 0 is the
 * port's own default sub-interface in OpenConfig, not a customer's) count, reported as `<port>.<index>`.
 */

export const OPENCONFIG_INTERFACES_NS = 'http://openconfig.net/yang/interfaces';
const IANA_IF_TYPE_NS = 'urn:ietf:params:xml:ns:yang:iana-if-type';

function interfaces(...entries: XmlFragment[]): XmlFragment {
  return el('interfaces', { xmlns: OPENCONFIG_INTERFACES_NS }, ...entries);
}

// /oc-if:interfaces/interface/config/type = ianaift:ethernetCsmacd
function ethernetType(): XmlFragment {
  return el('type', { 'xmlns:ianaift': IANA_IF_TYPE_NS }, 'ianaift:ethernetCsmacd');
}

function findInterface(data: XmlElement, port: string): XmlElement | undefined {
  return childrenNamed(child(data, 'interfaces'), 'interface').find((i) => childText(i, 'name') === port);
}

function parseMtu(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t && /^\d{1,5}$/.test(t) && Number(t) <= 65_535 ? Number(t) : undefined;
}

export const openconfigPlatform: NetconfPlatform = Object.freeze({
  name: 'openconfig',
  requiredCapabilities: Object.freeze([OPENCONFIG_INTERFACES_NS]),

  intentPayload(intent: PortIntent): XmlFragment {
    return interfaces(
      el(
        'interface',
        undefined,
        el('name', undefined, intent.port),
        el(
          'config',
          undefined,
          el('name', undefined, intent.port),
          ethernetType(),
          el('description', undefined, intent.description),
          el('enabled', undefined, String(intent.enabled)),
        ),
      ),
    );
  },

  clearPayload(port: string): XmlFragment {
    // remove (not delete) keeps a second clear from failing on an absent description.
    return interfaces(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el(
          'config',
          undefined,
          el('name', undefined, port),
          ethernetType(),
          el('description', { 'nc:operation': 'remove' }),
          el('enabled', undefined, 'false'),
        ),
      ),
    );
  },

  portFilter(port: string): XmlFragment {
    return interfaces(el('interface', undefined, el('name', undefined, port), el('config')));
  },

  allPortsFilter(): XmlFragment {
    return interfaces(el('interface'));
  },

  interfacesFilter(): XmlFragment {
    return interfaces(
      el(
        'interface',
        undefined,
        el('name'),
        el('subinterfaces', undefined, el('subinterface', undefined, el('index'))),
      ),
    );
  },

  parsePort(data: XmlElement, port: string): PortConfigState {
    const entry = findInterface(data, port);
    if (!entry) return { port, exists: false };
    const config = child(entry, 'config');
    const description = childText(config, 'description');
    const enabled = yangBoolean(childText(config, 'enabled')) ?? true;
    const mtu = parseMtu(childText(config, 'mtu'));
    return {
      port,
      exists: true,
      ...(description !== undefined ? { description } : {}),
      enabled,
      ...(mtu !== undefined ? { mtu } : {}),
    };
  },

  listSubinterfaces(data: XmlElement, port: string): string[] {
    const names: string[] = [];
    for (const i of childrenNamed(child(data, 'interfaces'), 'interface')) {
      const name = childText(i, 'name');
      if (name === undefined) continue;
      names.push(name);
      if (name !== port) continue;
      for (const s of childrenNamed(path(i, 'subinterfaces'), 'subinterface')) {
        const index = childText(s, 'index')?.trim();
        if (index && index !== '0') names.push(`${port}.${index}`);
      }
    }
    // subinterface/index is a uint32 (the VLAN lives in openconfig-vlan), so no 4094 cap here.
    return subinterfacesOf(port, names, 4_294_967_295);
  },
});
