import { DcAgentError } from '../../../core/errors.js';
import type { PortConfigState, PortIntent } from '../../driver.js';
import type { NetconfPlatform } from '../../netconf/platform.js';
import { subinterfacesOf } from '../../port-state.js';
import { child, childrenNamed, childText, el, type XmlElement, type XmlFragment } from '../../xml/xml.js';

/**
 * Huawei VRP8 over NETCONF: huawei-ifm (Huawei/yang network-router/8.22.0, revision 2022-08-06),
 * namespace urn:huawei:yang:huawei-ifm. Mappings, all under /ifm:ifm/ifm:interfaces/ifm:interface:
 *   name         → .../ifm:name          (list key, pub-type:if-name, 1..63 chars: `10GE1/0/1`)
 *   description  → .../ifm:description   (string, length 1..242: an empty one is invalid, so a
 *                                          cleared port removes the leaf instead)
 *   enabled      → .../ifm:admin-status  (enumeration port-status: `up` | `down`)
 *   mtu          → .../ifm:mtu           (uint32, range 0..64000, units Byte)
 * class/type/number are `ext:operation-exclude update` and the physical port already has them, so
 * the payload never sends them: it only touches the leaves it manages on an existing entry.
 * Speed is not written: it is the port's type (10GE, 100GE) and fixed by the hardware.
 * Sub-interfaces: entries with class `sub-interface` whose parent-name (a leafref to
 * .../ifm:interface/ifm:name) is the port, named `<port>.<n>`.
 */

export const HUAWEI_IFM_NS = 'urn:huawei:yang:huawei-ifm';

/** /ifm:ifm/ifm:interfaces/ifm:interface/ifm:description: `length "1..242"`. */
export const HUAWEI_DESCRIPTION_MAX = 242;
/** /ifm:ifm/ifm:interfaces/ifm:interface/ifm:mtu: `range "0..64000"`. */
export const HUAWEI_MTU_MAX = 64_000;

function ifm(...entries: XmlFragment[]): XmlFragment {
  return el('ifm', { xmlns: HUAWEI_IFM_NS }, el('interfaces', undefined, ...entries));
}

function entries(data: XmlElement): XmlElement[] {
  return childrenNamed(child(child(data, 'ifm'), 'interfaces'), 'interface');
}

function findInterface(data: XmlElement, port: string): XmlElement | undefined {
  return entries(data).find((i) => childText(i, 'name') === port);
}

// YANG string lengths count characters, not UTF-16 units.
function charLength(s: string): number {
  return [...s].length;
}

function adminStatus(text: string | undefined): boolean | undefined {
  const t = text?.trim();
  if (t === 'up') return true;
  if (t === 'down') return false;
  return undefined;
}

function parseMtu(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t && /^\d{1,5}$/.test(t) && Number(t) <= HUAWEI_MTU_MAX ? Number(t) : undefined;
}

export const huaweiVrpPlatform: NetconfPlatform = Object.freeze({
  name: 'huawei-vrp',
  requiredCapabilities: Object.freeze([HUAWEI_IFM_NS]),

  intentPayload(intent: PortIntent): XmlFragment {
    const length = charLength(intent.description);
    if (length > HUAWEI_DESCRIPTION_MAX) {
      throw new DcAgentError(
        'invalid-job',
        `huawei-ifm takes a description of at most ${HUAWEI_DESCRIPTION_MAX} characters; this one has ${length}`,
        { details: { port: intent.port, length } },
      );
    }
    return ifm(
      el(
        'interface',
        undefined,
        el('name', undefined, intent.port),
        // An empty description is out of range; the leaf's absence is how huawei-ifm says "none".
        length === 0
          ? el('description', { 'nc:operation': 'remove' })
          : el('description', undefined, intent.description),
        el('admin-status', undefined, intent.enabled ? 'up' : 'down'),
      ),
    );
  },

  clearPayload(port: string): XmlFragment {
    // remove, not delete: a second clear finds no description and must still succeed.
    return ifm(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el('description', { 'nc:operation': 'remove' }),
        el('admin-status', undefined, 'down'),
      ),
    );
  },

  portFilter(port: string): XmlFragment {
    return ifm(el('interface', undefined, el('name', undefined, port)));
  },

  allPortsFilter(): XmlFragment {
    return ifm(el('interface'));
  },

  interfacesFilter(): XmlFragment {
    return ifm(el('interface', undefined, el('name'), el('class'), el('parent-name')));
  },

  parsePort(data: XmlElement, port: string): PortConfigState {
    const entry = findInterface(data, port);
    if (!entry) return { port, exists: false };
    const description = childText(entry, 'description');
    // admin-status is ext:dynamic-default: absent means the device did not say, not "up".
    const enabled = adminStatus(childText(entry, 'admin-status'));
    const mtu = parseMtu(childText(entry, 'mtu'));
    return {
      port,
      exists: true,
      ...(description !== undefined ? { description } : {}),
      ...(enabled !== undefined ? { enabled } : {}),
      ...(mtu !== undefined ? { mtu } : {}),
    };
  },

  listSubinterfaces(data: XmlElement, port: string): string[] {
    const names: string[] = [];
    for (const i of entries(data)) {
      const name = childText(i, 'name')?.trim();
      if (name === undefined) continue;
      const parent = childText(i, 'parent-name')?.trim();
      // The parent-name says it outright; the name alone covers a reply filtered down to names.
      if (parent === port || parent === undefined) names.push(name);
    }
    // A VRP sub-interface number is not a VLAN id (dot1q termination sets that), so no 4094 cap.
    return subinterfacesOf(port, names, Number.MAX_SAFE_INTEGER);
  },
});
