import type { LabSshServerOptions } from '../model/host-key.js';
import { SwitchListener } from '../model/switch-listener.js';
import { CliSshServer } from './ssh-server.js';
import type { CliSimSwitch } from './switch.js';

/**
 * The CLI over SSH for one lab switch: the emulator's CliSshServer (password, keyboard-interactive
 * or key login; a shell on the switch's CliDevice), fed by a SwitchListener so that a silent
 * switch hangs its sessions and a rebooting one drops them, exactly as its NETCONF siblings do.
 */

export class LabCliServer {
  readonly #ssh: CliSshServer;
  readonly #listener: SwitchListener;

  private constructor(ssh: CliSshServer, listener: SwitchListener) {
    this.#ssh = ssh;
    this.#listener = listener;
  }

  static async start(sw: CliSimSwitch, o: LabSshServerOptions): Promise<LabCliServer> {
    const ssh = new CliSshServer({
      device: sw.cli,
      users: [
        {
          username: o.username,
          password: o.password,
          ...(o.authorizedKeys ? { publicKeys: o.authorizedKeys } : {}),
        },
      ],
      hostKeys: [o.hostKey.privateKey],
      ident: sw.platform.sshIdent,
      // No server-side keepalive: a silent switch must not keep talking, nor drop the sessions
      // it is meant to leave hanging. On loopback a dead client resets anyway.
      keepaliveIntervalMs: 2_147_483_647,
    });
    const listener = await SwitchListener.listen(sw, o, (socket) => ssh.injectSocket(socket));
    return new LabCliServer(ssh, listener);
  }

  get port(): number {
    return this.#listener.port;
  }

  async close(): Promise<void> {
    await this.#listener.close();
    await this.#ssh.stop();
  }
}
