import {
  type PortEdit,
  type SessionStatus,
  type SimPort,
  SimSwitch,
  type SwitchOptions,
} from '../model/switch.js';
import { asData, type DataNode } from './datastore.js';
import { NetconfDevice } from './device.js';
import { portEditConfig } from './out-of-band.js';
import type { LabPlatform } from './platform.js';

/**
 * A lab switch configured over NETCONF: its datastores live in a NetconfDevice, and the physics
 * follows the committed running datastore. The port model is read out of it with the agent's
 * own NetconfPlatform (`driver.parsePort`, `driver.listSubinterfaces`), so lab and agent cannot
 * disagree on what a payload means.
 */

export interface NetconfSwitchOptions extends SwitchOptions {
  platform: LabPlatform;
}

export class NetconfSimSwitch extends SimSwitch {
  readonly transport = 'netconf' as const;
  readonly platform: LabPlatform;
  readonly netconf: NetconfDevice;

  constructor(o: NetconfSwitchOptions) {
    super(o);
    this.platform = o.platform;
    this.netconf = new NetconfDevice({
      platform: o.platform,
      hardware: { hasPort: (name) => this.hasPort(name) },
      ports: this.ports.map((p) => p.name),
      status: () => this.interfaces(),
      onRunningChange: (running, why) => this.#followRunning(running, why),
    });
    this.#followRunning(this.netconf.running, 'boot');
  }

  #followRunning(running: readonly DataNode[], why: string): void {
    const data = asData(running);
    const driver = this.platform.driver;
    this.followConfig((name) => {
      const st = driver.parsePort(data, name);
      return {
        // A port entry without `enabled` is up: that is the YANG default.
        adminUp: st.exists && st.enabled !== false,
        description: st.description,
        subinterfaces: driver.listSubinterfaces(data, name),
      };
    }, why);
  }

  protected rebootConfig(loseLastCommit: boolean): void {
    this.netconf.reboot(loseLastCommit);
  }

  /** Committed to running at once (this switch has no startup datastore: running is what a reboot keeps). */
  protected editPortConfig(port: SimPort, edit: PortEdit): void {
    this.netconf.applyExternalConfig(
      portEditConfig(this.platform, this.netconf.runningAsData(), port, edit),
      `out-of-band ${edit.kind} on ${port.name}`,
    );
  }

  protected changeSubinterface(port: string, vlan: number, add: boolean): void {
    this.netconf.applyExternal(
      add ? this.platform.subinterfaceConfig(port, vlan) : this.platform.removeSubinterfaceConfig(port, vlan),
      `sub-interface ${port}.${vlan} ${add ? 'added' : 'removed'}`,
    );
  }

  protected stopConfig(): void {
    this.netconf.stop();
  }

  protected sessionStatus(): SessionStatus {
    return {
      sessions: this.netconf.sessionCount,
      locks: {
        running: this.netconf.lockHolder('running') ?? null,
        candidate: this.netconf.lockHolder('candidate') ?? null,
      },
      confirmPendingSeconds: this.netconf.confirmPendingSeconds ?? null,
    };
  }
}
