import type { PortConfigState, PortIntent } from '../../driver.js';
import type { NetconfPlatform } from '../../netconf/platform.js';
import { subinterfacesOf } from '../../port-state.js';
import { child, childrenNamed, childText, el, type XmlElement, type XmlFragment } from '../../xml/xml.js';

/**
 * Junos configuration XML (the Junos XML API, `[edit interfaces]`), edited with the standard
 * edit-config on the candidate. Mappings, all under /configuration/interfaces/interface:
 *   name        → .../name        (the physical interface: `xe-0/0/0`, `et-0/0/1`)
 *   description → .../description
 *   enabled     → .../disable     (an empty statement: present = administratively down)
 *   mtu         → .../mtu         (media MTU, 256..9216 on Ethernet PICs)
 * Speed is not written: xe-/et- name the port's speed, fixed by the optic and the PIC.
 * `<configuration>` is sent without a namespace, exactly as Juniper's NETCONF guide writes it;
 * replies carry xmlns="http://xml.juniper.net/xnm/1.1/xnm", which the reader ignores.
 * Sub-interfaces are logical units, /configuration/interfaces/interface/unit/name: unit 0 is
 * the port's own family, any other unit is a Private Virtual Interface, reported `<port>.<unit>`.
 * Commit: the standard `<commit><confirmed/><confirm-timeout>` (seconds, RFC 6241), rounded up
 * to whole minutes, the unit of Junos's rollback timer (`commit confirmed <minutes>`).
 */

/** The Junos XML management protocol; every Junos NETCONF server announces it in its hello. */
export const JUNOS_NETCONF_CAPABILITY = 'http://xml.juniper.net/netconf/junos/1.0';
/** The namespace Junos writes on `<configuration>` in replies. */
export const JUNOS_XNM_NS = 'http://xml.juniper.net/xnm/1.1/xnm';
export const JUNOS_MTU_RANGE: readonly [number, number] = [256, 9216];

function configuration(...entries: XmlFragment[]): XmlFragment {
  return el('configuration', undefined, el('interfaces', undefined, ...entries));
}

function findInterface(data: XmlElement, port: string): XmlElement | undefined {
  return childrenNamed(child(child(data, 'configuration'), 'interfaces'), 'interface').find(
    (i) => childText(i, 'name')?.trim() === port,
  );
}

function parseMtu(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t && /^\d{1,5}$/.test(t) ? Number(t) : undefined;
}

/** Seconds → seconds rounded up to whole minutes, at least one: Junos rolls back by the minute. */
export function junosConfirmTimeout(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError('confirm-timeout must be positive');
  return Math.ceil(seconds / 60) * 60;
}

export const junosPlatform: NetconfPlatform = Object.freeze({
  name: 'junos',
  requiredCapabilities: Object.freeze([JUNOS_NETCONF_CAPABILITY]),
  confirmTimeout: junosConfirmTimeout,

  intentPayload(intent: PortIntent): XmlFragment {
    return configuration(
      el(
        'interface',
        undefined,
        el('name', undefined, intent.port),
        el('description', undefined, intent.description),
        // remove (RFC 6241 §7.2, supported by Junos) is a no-op on a port that is already enabled.
        intent.enabled ? el('disable', { 'nc:operation': 'remove' }) : el('disable'),
      ),
    );
  },

  clearPayload(port: string): XmlFragment {
    return configuration(
      el(
        'interface',
        undefined,
        el('name', undefined, port),
        el('description', { 'nc:operation': 'remove' }),
        el('disable'),
      ),
    );
  },

  portFilter(port: string): XmlFragment {
    return configuration(el('interface', undefined, el('name', undefined, port)));
  },

  allPortsFilter(): XmlFragment {
    return configuration(el('interface'));
  },

  interfacesFilter(): XmlFragment {
    return configuration(el('interface', undefined, el('name'), el('unit', undefined, el('name'))));
  },

  parsePort(data: XmlElement, port: string): PortConfigState {
    const entry = findInterface(data, port);
    if (!entry) return { port, exists: false };
    const description = childText(entry, 'description');
    const mtu = parseMtu(childText(entry, 'mtu'));
    return {
      port,
      exists: true,
      ...(description !== undefined ? { description } : {}),
      enabled: child(entry, 'disable') === undefined,
      ...(mtu !== undefined ? { mtu } : {}),
    };
  },

  listSubinterfaces(data: XmlElement, port: string): string[] {
    const entry = findInterface(data, port);
    const units = childrenNamed(entry, 'unit')
      .map((u) => childText(u, 'name')?.trim())
      .filter((n): n is string => n !== undefined)
      .map((n) => `${port}.${n}`);
    // Unit numbers run well past 4094 (they are not VLAN ids); subinterfacesOf drops unit 0.
    return subinterfacesOf(port, units, Number.MAX_SAFE_INTEGER);
  },
});
