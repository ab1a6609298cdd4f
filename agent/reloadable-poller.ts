import type { AgentConfig } from '../config/load.js';
import type { PollOptions, PortPollResult } from '../drivers/snmp/poll-result.js';
import type { PortPoller } from './monitor.js';

/** The slice of SnmpPoller this needs, so a test can count opens and closes. */
export interface ClosablePoller extends PortPoller {
  close(): void;
}

interface Slot {
  poller: ClosablePoller;
  /** Polls under way on this instance: it is closed only when none is left. */
  users: number;
  retired: boolean;
}

/**
 * The monitor's SNMP poller across config reloads. Unchanged devices keep the instance (and the
 * SNMP session and ifIndex cache) they had; added and changed devices go to one built from the new
 * config; an instance no device routes to any more is closed once its last poll returns.
 */
export class ReloadablePoller implements PortPoller {
  private readonly route = new Map<string, Slot>();
  private readonly slots = new Set<Slot>();

  constructor(
    private readonly build: (cfg: AgentConfig) => ClosablePoller,
    cfg: AgentConfig,
  ) {
    this.routeAll(
      this.add(build(cfg)),
      cfg.devices.map((d) => d.id),
    );
  }

  async poll(deviceId: string, ports?: readonly string[], options?: PollOptions): Promise<PortPollResult[]> {
    // An unknown device goes to the newest instance, which answers `unknown-device` as before.
    const slot = this.route.get(deviceId) ?? [...this.slots].at(-1);
    if (!slot) throw new Error('poller closed');
    slot.users++;
    try {
      // Options are what the poll reads beyond status and optics (qualification's error counters).
      return await (options ? slot.poller.poll(deviceId, ports, options) : slot.poller.poll(deviceId, ports));
    } finally {
      slot.users--;
      this.closeIfIdle(slot);
    }
  }

  /** Routes `moved` (added and changed) to an instance built from `cfg`; forgets `removed`. */
  reload(cfg: AgentConfig, moved: readonly string[], removed: readonly string[]): void {
    for (const id of removed) this.route.delete(id);
    if (moved.length > 0) this.routeAll(this.add(this.build(cfg)), moved);
    for (const slot of [...this.slots]) {
      if (![...this.route.values()].includes(slot) && slot !== [...this.slots].at(-1)) {
        slot.retired = true;
        this.closeIfIdle(slot);
      }
    }
  }

  close(): void {
    for (const slot of this.slots) slot.poller.close();
    this.slots.clear();
    this.route.clear();
  }

  private add(poller: ClosablePoller): Slot {
    const slot = { poller, users: 0, retired: false };
    this.slots.add(slot);
    return slot;
  }

  private routeAll(slot: Slot, ids: readonly string[]): void {
    for (const id of ids) this.route.set(id, slot);
  }

  private closeIfIdle(slot: Slot): void {
    if (!slot.retired || slot.users > 0 || !this.slots.has(slot)) return;
    this.slots.delete(slot);
    slot.poller.close();
  }
}
