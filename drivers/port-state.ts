import { createTwoFilesPatch } from 'diff';
import type { Operation, PortConfigState, PortIntent } from './driver.js';

/**
 * A port's configuration as both engines (NETCONF and CLI) reason about it: what the intent wants,
 * whether a read-back satisfies it, the text `plan` diffs, and which interfaces are its
 * sub-interfaces. Pure functions only, so every platform shares one idea of "done".
 */

/** What a cleared port looks like to `verify`: no description, administratively down. */
export function clearedState(port: string): PortConfigState {
  return { port, exists: true, enabled: false };
}

/** What a provisioned port looks like, in the normalised form the read-back is compared with. */
export function intendedState(intent: PortIntent): PortConfigState {
  return { port: intent.port, exists: true, description: intent.description, enabled: intent.enabled };
}

/** The state an operation aims at: the intent's for provision, a cleared port for deprovision. */
export function wantedState(operation: Operation, intent: PortIntent): PortConfigState {
  return operation === 'provision' ? intendedState(intent) : clearedState(intent.port);
}

/**
 * Whether the device's state satisfies the wanted one. Only the leaves we manage count: an MTU is
 * the device's business, and a cleared port must have no description.
 */
export function satisfies(actual: PortConfigState, wanted: PortConfigState): boolean {
  if (!actual.exists) return false;
  // Devices commonly trim surrounding whitespace of string leaves (netconfd does), so that alone
  // is not a difference worth failing a job over.
  if ((actual.description ?? '').trim() !== (wanted.description ?? '').trim()) return false;
  if (wanted.enabled !== undefined && actual.enabled !== wanted.enabled) return false;
  return true;
}

/**
 * The port after the change, as `plan` shows it: leaves the agent does not manage (an MTU) stay as
 * the device has them, so the diff shows only what the change touches.
 */
export function viewAfter(
  before: PortConfigState,
  wanted: PortConfigState,
  operation: Operation,
): PortConfigState {
  const out: PortConfigState = { ...wanted, exists: true };
  if (before.mtu !== undefined) out.mtu = before.mtu;
  if (operation === 'deprovision') delete out.description;
  return out;
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

/** Unified diff of the port's configuration, running → intended; empty when they render the same. */
export function unifiedDiff(
  device: string,
  port: string,
  before: PortConfigState | undefined,
  after: PortConfigState,
  renderState: (state: PortConfigState | undefined) => string = renderPortConfig,
): string {
  const a = renderState(before);
  const b = renderState(after);
  if (a === b) return '';
  return createTwoFilesPatch(
    `${device} running ${port}`,
    `${device} intended ${port}`,
    a,
    b,
    undefined,
    undefined,
    {
      context: 3,
    },
  );
}

/** Changed lines of a unified diff (headers excluded); 0 means nothing to do. */
export function countChanges(diff: string): number {
  let n = 0;
  for (const line of diff.split('\n')) {
    if (
      (line.startsWith('+') && !line.startsWith('+++')) ||
      (line.startsWith('-') && !line.startsWith('---'))
    )
      n++;
  }
  return n;
}

/**
 * Sub-interface names of `port` among `names` (the Private Virtual Interfaces): `<port>.<n>` with
 * n 1–`maxIndex` (4094, a VLAN, by default; models whose sub-interface number is not a VLAN pass
 * their own bound).
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
