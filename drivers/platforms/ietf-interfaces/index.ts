import type { PortConfigState, PortIntent } from '../../driver.js';
import { type NetconfPlatform, yangBoolean } from '../../netconf/platform.js';
import { subinterfacesOf } from '../../port-state.js';
import { child, childrenNamed, childText, el, type XmlElement, type XmlFragment } from '../../xml/xml.js';

/**
 * ietf-interfaces@2014-05-08 (RFC 7223). Mappings, all under /if:interfaces/if:interface:
 *   name        → /if:interfaces/if:interface/if:name        (list key, the port as the device spells it)
 *   type        → /if:interfaces/if:interface/if:type        (identityref, always ianaift:ethernetCsmacd
 *                  from iana-if-type@2014-05-08; mandatory, so every payload carries it)
 *   description → /if:interfaces/if:interface/if:description
 *   enabled     → /if:interfaces/if:interface/if:enabled     (boolean, default true)
 */

export const IETF_INTERFACES_NS = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
export const IANA_IF_TYPE_NS = 'urn:ietf:params:xml:ns:yang:iana-if-type';

function interfaces(...entries: XmlFragment[]): XmlFragment {
  return el('interfaces', { xmlns: IETF_INTERFACES_NS }, ...entries);
}

// /if:interfaces/if:interface/if:type = ianaift:ethernetCsmacd
function ethernetType(): XmlFragment {
  return el('type', { 'xmlns:ianaift': IANA_IF_TYPE_NS }, 'ianaift:ethernetCsmacd');
}

function findInterface(data: XmlElement, port: string): XmlElement | undefined {
  // /if:interfaces/if:interface[if:name=port]
  return childrenNamed(child(data, 'interfaces'), 'interface').find((i) => childText(i, 'name') === port);
}

export const ietfInterfacesPlatform: NetconfPlatform = Object.freeze({
  name: 'ietf-interfaces',
  requiredCapabilities: Object.freeze([IETF_INTERFACES_NS]),

  intentPayload(intent: PortIntent): XmlFragment {
    return interfaces(
      el(
        'interface',
        undefined,
        el('name', undefined, intent.port),
        ethernetType(),
        el('description', undefined, intent.description),
        el('enabled', undefined, String(intent.enabled)),
      ),
    );
  },

  clearPayload(port: string): XmlFragment {
    // nc:operation="remove" (RFC 6241 §7.2) deletes the description if present and is a no-op if
    // not, so clearing twice is not an error. The list entry itself stays: physical ports exist.
    return interfaces(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        ethernetType(),
        el('description', { 'nc:operation': 'remove' }),
        el('enabled', undefined, 'false'),
      ),
    );
  },

  portFilter(port: string): XmlFragment {
    return interfaces(el('interface', undefined, el('name', undefined, port)));
  },

  allPortsFilter(): XmlFragment {
    return interfaces(el('interface'));
  },

  interfacesFilter(): XmlFragment {
    return interfaces(el('interface', undefined, el('name')));
  },

  parsePort(data: XmlElement, port: string): PortConfigState {
    const entry = findInterface(data, port);
    if (!entry) return { port, exists: false };
    const description = childText(entry, 'description');
    // enabled defaults to true (RFC 7223) when the device omits it under with-defaults explicit/trim.
    const enabled = yangBoolean(childText(entry, 'enabled')) ?? true;
    return { port, exists: true, ...(description !== undefined ? { description } : {}), enabled };
  },

  listSubinterfaces(data: XmlElement, port: string): string[] {
    const names = childrenNamed(child(data, 'interfaces'), 'interface')
      .map((i) => childText(i, 'name'))
      .filter((n): n is string => n !== undefined);
    return subinterfacesOf(port, names);
  },
});
