import type { PortConfigState, PortIntent } from '../../driver.js';
import type { NetconfPlatform } from '../../netconf/platform.js';
import { subinterfacesOf } from '../../port-state.js';
import { child, childrenNamed, childText, el, type XmlElement, type XmlFragment } from '../../xml/xml.js';

/**
 * Cisco IOS XR native model Cisco-IOS-XR-ifmgr-cfg, namespace
 * http://cisco.com/ns/yang/Cisco-IOS-XR-ifmgr-cfg (the namespace every XR release declares; the
 * `urn:cisco:params:…` spelling is not XR's). Mappings, all under
 * /ifmgr-cfg:interface-configurations/interface-configuration[active='act'][interface-name=port]:
 *   active, interface-name → the list keys, in that order (`act`: the interface is present)
 *   description → .../description
 *   enabled     → .../shutdown          (type empty: present = shut down, absent = enabled)
 *   mtu         → .../mtus/mtu[owner]/mtu (uint32 64..65535; the owner is the interface type,
 *                                           `TenGigE` for TenGigE0/0/0/0, as `show run` prints it)
 * Speed is not written: TenGigE/HundredGigE name the port's speed, fixed by the hardware.
 * Sub-interfaces are interface-configuration entries named `<port>.<n>` (TenGigE0/0/0/0.100).
 */

export const IOSXR_IFMGR_CFG_NS = 'http://cisco.com/ns/yang/Cisco-IOS-XR-ifmgr-cfg';
export const IOSXR_MTU_RANGE: readonly [number, number] = [64, 65_535];

function configurations(...entries: XmlFragment[]): XmlFragment {
  return el('interface-configurations', { xmlns: IOSXR_IFMGR_CFG_NS }, ...entries);
}

function entry(port: string, ...leaves: (XmlFragment | undefined)[]): XmlFragment {
  return el(
    'interface-configuration',
    undefined,
    el('active', undefined, 'act'),
    el('interface-name', undefined, port),
    ...leaves,
  );
}

/** The MTU owner of a port: its interface type, the name without the rack/slot/module/port. */
export function mtuOwner(port: string): string {
  return /^[A-Za-z-]+/.exec(port)?.[0] ?? port;
}

function entries(data: XmlElement): XmlElement[] {
  return childrenNamed(child(data, 'interface-configurations'), 'interface-configuration');
}

function findInterface(data: XmlElement, port: string): XmlElement | undefined {
  // `pre` entries are preconfiguration for absent hardware; only `act` describes the live port.
  return entries(data).find(
    (i) => childText(i, 'interface-name')?.trim() === port && childText(i, 'active')?.trim() === 'act',
  );
}

function parseMtu(entryNode: XmlElement, port: string): number | undefined {
  const mtus = childrenNamed(child(entryNode, 'mtus'), 'mtu');
  const mine = mtus.find((m) => childText(m, 'owner')?.trim() === mtuOwner(port)) ?? mtus[0];
  const t = childText(mine, 'mtu')?.trim();
  return t && /^\d{1,5}$/.test(t) ? Number(t) : undefined;
}

export const iosxrPlatform: NetconfPlatform = Object.freeze({
  name: 'iosxr',
  requiredCapabilities: Object.freeze([IOSXR_IFMGR_CFG_NS]),

  intentPayload(intent: PortIntent): XmlFragment {
    return configurations(
      entry(
        intent.port,
        el('description', undefined, intent.description),
        // remove: a no-op when the port is not shut down, so re-provisioning cannot fail on it.
        intent.enabled ? el('shutdown', { 'nc:operation': 'remove' }) : el('shutdown'),
      ),
    );
  },

  clearPayload(port: string): XmlFragment {
    return configurations(entry(port, el('description', { 'nc:operation': 'remove' }), el('shutdown')));
  },

  portFilter(port: string): XmlFragment {
    return configurations(entry(port));
  },

  allPortsFilter(): XmlFragment {
    // The content match on `active` keeps the act entries (the ones a port's config lives in).
    return configurations(el('interface-configuration', undefined, el('active', undefined, 'act')));
  },

  interfacesFilter(): XmlFragment {
    return configurations(el('interface-configuration', undefined, el('active'), el('interface-name')));
  },

  parsePort(data: XmlElement, port: string): PortConfigState {
    const found = findInterface(data, port);
    if (!found) return { port, exists: false };
    const description = childText(found, 'description');
    const mtu = parseMtu(found, port);
    return {
      port,
      exists: true,
      ...(description !== undefined ? { description } : {}),
      enabled: child(found, 'shutdown') === undefined,
      ...(mtu !== undefined ? { mtu } : {}),
    };
  },

  listSubinterfaces(data: XmlElement, port: string): string[] {
    const names = entries(data)
      .map((i) => childText(i, 'interface-name')?.trim())
      .filter((n): n is string => n !== undefined);
    // XR sub-interface numbers are not VLAN ids (encapsulation sets those), so no 4094 cap.
    return subinterfacesOf(port, names, Number.MAX_SAFE_INTEGER);
  },
});
