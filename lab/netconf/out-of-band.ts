import { childText, type XmlElement } from '../../drivers/xml/xml.js';
import type { PortEdit, SimPort } from '../model/switch.js';
import { configElement } from './device.js';
import type { LabPlatform } from './platform.js';

/**
 * An engineer's change to one port as `<config>` content in the switch's own model, built from
 * the driver's payloads so every platform gets it: a new description (admin state kept), a
 * shutdown (description kept), or the interface entry removed altogether.
 */
export function portEditConfig(
  platform: LabPlatform,
  running: XmlElement,
  port: Pick<SimPort, 'name' | 'portType'>,
  edit: PortEdit,
): XmlElement {
  const driver = platform.driver;
  const now = driver.parsePort(running, port.name);
  const intent = (description: string, enabled: boolean) =>
    configElement(driver.intentPayload({ port: port.name, portType: port.portType, description, enabled }));
  switch (edit.kind) {
    case 'description':
      return intent(edit.text, now.exists && now.enabled !== false);
    case 'shutdown':
      // Without a description the clear payload is exactly "shut, nothing else".
      return now.description === undefined
        ? configElement(driver.clearPayload(port.name))
        : intent(now.description, false);
    case 'delete':
      return removeEntry(intent('', false), port.name, platform.schema.listKeys);
  }
}

/** Marks the list entry keyed by `port` with operation="remove" (RFC 6241: gone, and no error if absent). */
function removeEntry(
  e: XmlElement,
  port: string,
  listKeys: Readonly<Record<string, readonly string[]>>,
): XmlElement {
  const keys = listKeys[e.name];
  if (keys?.some((k) => childText(e, k)?.trim() === port)) {
    return { ...e, attrs: { ...e.attrs, operation: 'remove' } };
  }
  return { ...e, children: e.children.map((c) => removeEntry(c, port, listKeys)) };
}
