import type { Platform as PlatformName } from '../../contract/port-types.js';
import type { PortConfigState, PortIntent } from '../driver.js';
import type { XmlElement, XmlFragment } from '../xml/xml.js';

/**
 * A NETCONF platform is data about one YANG model: how a port intent becomes an edit-config
 * payload, how the port reads back, and which interfaces are its Private Virtual Interfaces.
 * Everything here is pure, so each platform is tested without a device, and the driver, the
 * session and the transaction stay the same for every model.
 */
export interface NetconfPlatform {
  readonly name: PlatformName;
  /**
   * Capability URIs (query part ignored) the device must advertise for this model; checked on
   * connect so a wrong inventory entry fails as `unsupported-platform`, not as an odd rpc-error.
   */
  readonly requiredCapabilities: readonly string[];
  /** Whether the model can carry an MTU; an intent with `mtu` on a platform without it is refused. */
  readonly supportsMtu: boolean;
  /** `<config>` content that makes the port match the intent (merged into the target datastore). */
  intentPayload(intent: PortIntent): XmlFragment;
  /** `<config>` content that removes the port's service configuration; the port entry stays. */
  clearPayload(port: string): XmlFragment;
  /** Subtree filter selecting exactly this port's configuration. */
  portFilter(port: string): XmlFragment;
  /** Subtree filter selecting every interface name (and sub-interface index) on the device. */
  interfacesFilter(): XmlFragment;
  /** Reads the port out of a get-config `<data>` element. */
  parsePort(data: XmlElement, port: string): PortConfigState;
  /** Sub-interfaces of `port` named `<port>.<vlan>`, sorted, from a get-config `<data>` element. */
  listSubinterfaces(data: XmlElement, port: string): string[];
  /**
   * The confirm-timeout to send (seconds) for the configured one. Optional: for a device whose
   * rollback timer is coarser than seconds (Junos counts minutes), so the agent never plans with
   * a shorter window than the device enforces. Absent: the configured value is sent as is.
   */
  confirmTimeout?(seconds: number): number;
}

/** What a cleared port looks like to `verify`: no description, administratively down. */
export function clearedState(port: string): PortConfigState {
  return { port, exists: true, enabled: false };
}

/** What a provisioned port looks like, in the normalised form the read-back is compared with. */
export function intendedState(intent: PortIntent): PortConfigState {
  return {
    port: intent.port,
    exists: true,
    description: intent.description,
    enabled: intent.enabled,
    ...(intent.mtu !== undefined ? { mtu: intent.mtu } : {}),
  };
}

/**
 * Whether the device's state satisfies the wanted one. Only the leaves we manage count: an MTU the
 * intent does not mention is the device's business, and a cleared port must have no description.
 */
export function satisfies(actual: PortConfigState, wanted: PortConfigState): boolean {
  if (!actual.exists) return false;
  // Devices commonly trim surrounding whitespace of string leaves (netconfd does), so that alone
  // is not a difference worth failing a job over.
  if ((actual.description ?? '').trim() !== (wanted.description ?? '').trim()) return false;
  if (wanted.enabled !== undefined && actual.enabled !== wanted.enabled) return false;
  if (wanted.mtu !== undefined && actual.mtu !== wanted.mtu) return false;
  return true;
}

/** The small canonical text form `plan` diffs: stable order, one leaf per line. */
export function renderPortConfig(state: PortConfigState | undefined): string {
  if (!state?.exists) return '';
  const lines = [`interface ${state.port}`];
  if (state.description !== undefined) lines.push(` description ${state.description}`);
  if (state.enabled !== undefined) lines.push(` enabled ${state.enabled}`);
  if (state.mtu !== undefined) lines.push(` mtu ${state.mtu}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Sub-interface names of `port` among `names`: `<port>.<n>` with n 1–`maxIndex` (4094, a VLAN, by
 * default; models whose sub-interface number is not a VLAN pass their own bound).
 */
export function subinterfacesOf(port: string, names: Iterable<string>, maxIndex = 4094): string[] {
  const prefix = `${port}.`;
  const out = new Set<string>();
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const rest = n.slice(prefix.length);
    if (/^[1-9][0-9]*$/.test(rest) && Number(rest) <= maxIndex) out.add(n);
  }
  return [...out].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** YANG boolean text → boolean; anything else is unknown. */
export function yangBoolean(text: string | undefined): boolean | undefined {
  const t = text?.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}
