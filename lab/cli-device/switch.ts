import { subinterfacesOf } from '../../drivers/port-state.js';
import {
  LabActionError,
  type PortEdit,
  type SessionStatus,
  type SimPort,
  SimSwitch,
  type SwitchOptions,
} from '../model/switch.js';
import { CliDevice } from './device.js';
import type { LabCliPlatform } from './platforms.js';

/**
 * A lab switch configured by typing into its CLI: the emulator's CliDevice holds the running and
 * saved configuration, and the physics follows its running config through the device's change
 * listener. The emulator's own state is read (enabled, description, the interface list), never
 * the agent's parser of its output, so a wrong recogniser in the CLI driver shows as a mismatch.
 */

export interface CliSwitchOptions extends SwitchOptions {
  platform: LabCliPlatform;
}

export class CliSimSwitch extends SimSwitch {
  readonly transport = 'cli' as const;
  readonly platform: LabCliPlatform;
  readonly cli: CliDevice;

  constructor(o: CliSwitchOptions) {
    super(o);
    this.platform = o.platform;
    this.cli = new CliDevice({
      profile: o.platform.profile,
      hostname: o.platform.hostname(o.id),
      ports: this.ports.map((p) => p.name),
    });
    this.cli.onChange(() => this.#follow('running config changed'));
    this.#follow('boot');
  }

  override get sysName(): string {
    return this.cli.hostname;
  }

  #follow(why: string): void {
    const running = this.cli.running;
    // Grouped by parent in one pass: a reload calls this once per interface of a big switch.
    const byParent = new Map<string, string[]>();
    for (const name of running.keys()) {
      const dot = name.lastIndexOf('.');
      if (dot > 0) byParent.set(name.slice(0, dot), [...(byParent.get(name.slice(0, dot)) ?? []), name]);
    }
    this.followConfig((name) => {
      const i = running.get(name);
      return {
        adminUp: i?.enabled ?? false,
        description: i?.description,
        // The same `<port>.<n>` rule the agent applies to the names it reads.
        subinterfaces: subinterfacesOf(name, byParent.get(name) ?? []),
      };
    }, why);
  }

  /**
   * A reload: sessions are dropped by the listener, and the box comes up with its saved
   * configuration, so whatever was typed and never saved is gone.
   */
  protected rebootConfig(loseLastCommit: boolean): void {
    if (loseLastCommit) this.cli.reloadLosingLastCommit();
    else this.cli.reload();
  }

  /**
   * As an engineer typing on the switch and saving: `description`, `shutdown`, or clearing the
   * port back to how it ships (no description, shut, no service lines). Only this port is saved.
   */
  protected editPortConfig(port: SimPort, edit: PortEdit): void {
    if (edit.kind === 'description' && edit.text.length > this.platform.profile.descriptionMaxLength) {
      throw new LabActionError(
        `description is longer than ${this.platform.profile.descriptionMaxLength} characters`,
      );
    }
    this.cli.setPort(
      port.name,
      edit.kind === 'description'
        ? { description: edit.text }
        : edit.kind === 'shutdown'
          ? { enabled: false }
          : { enabled: false, description: undefined, lines: [] },
    );
    const now = this.cli.port(port.name);
    if (now) this.cli.startup.set(port.name, now);
  }

  /**
   * As another operator would: in running at once, and in the saved configuration too so it
   * survives a reload. Only this interface is saved; anyone's unsaved work stays unsaved.
   */
  protected changeSubinterface(port: string, vlan: number, add: boolean): void {
    const name = `${port}.${vlan}`;
    if (add) this.cli.addSubinterface(port, vlan);
    else this.cli.removeSubinterface(port, vlan);
    const now = this.cli.port(name);
    if (now) this.cli.startup.set(name, now);
    else this.cli.startup.delete(name);
  }

  protected stopConfig(): void {}

  protected sessionStatus(): SessionStatus {
    // VRP8 keeps a candidate per session and neither dialect has locks or a confirmed commit.
    return {
      sessions: this.cli.sessionsOpen,
      locks: { running: null, candidate: null },
      confirmPendingSeconds: null,
    };
  }
}
