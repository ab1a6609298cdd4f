import type { CliDevice, EmuInterface } from './device.js';

/** An interface's block as the running config prints it. */
function interfaceLines(device: CliDevice, i: EmuInterface): string[] {
  const c = device.profile.config;
  const out = [`interface ${i.name}`];
  if (i.description !== undefined) out.push(c.description.replace('{text}', i.description));
  out.push(...i.lines);
  if (!i.enabled) out.push(c.shutdown);
  else if (c.noShutdown && i.physical) out.push(c.noShutdown);
  return out;
}

/** `show running-config interface <name>`. */
export function renderInterface(device: CliDevice, i: EmuInterface): string[] {
  const c = device.profile.config;
  const body = interfaceLines(device, i);
  return [...fill(device, c.interfaceHead, body), ...body, ...fill(device, c.interfaceTail, body)];
}

/** `show running-config`: every interface, between the profile's head and tail. */
export function renderRunning(device: CliDevice): string[] {
  const c = device.profile.config;
  const body: string[] = [];
  for (const i of device.running.values()) body.push(c.separator, ...interfaceLines(device, i));
  return [...fill(device, c.fullHead, body), ...body, ...fill(device, c.fullTail, body)];
}

function fill(device: CliDevice, lines: readonly string[], body: readonly string[]): string[] {
  const bytes = body.reduce((n, l) => n + l.length + 1, 0);
  return lines.map((l) => l.replace('{bytes}', String(bytes)).replace('{host}', device.hostname));
}
