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
  /** `<config>` content that makes the port match the intent (merged into the target datastore). */
  intentPayload(intent: PortIntent): XmlFragment;
  /** `<config>` content that removes the port's service configuration; the port entry stays. */
  clearPayload(port: string): XmlFragment;
  /** Subtree filter selecting exactly this port's configuration. */
  portFilter(port: string): XmlFragment;
  /**
   * Subtree filter selecting every interface's whole configuration: one get-config that an audit
   * of all the device's ports reads, parses per port and lists sub-interfaces from.
   */
  allPortsFilter(): XmlFragment;
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

/** YANG boolean text → boolean; anything else is unknown. */
export function yangBoolean(text: string | undefined): boolean | undefined {
  const t = text?.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  return undefined;
}
