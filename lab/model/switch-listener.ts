import { type AddressInfo, createServer, type Server as NetServer, type Socket } from 'node:net';
import { delaySocket } from './impair.js';
import type { SimSwitch } from './switch.js';

/**
 * The TCP side of a lab switch's SSH service, NETCONF or CLI alike. The listener is ours and
 * hands each connection to ssh2 (`injectSocket`), so the switch's reachability rules the wire:
 * while it reboots every connection is dropped; while it is silent open connections stop being
 * read (sessions hang, keepalives go unanswered) and new ones are accepted but never greeted, so
 * clients time out. On wake the held connections get their greeting.
 */
export class SwitchListener {
  readonly #sw: SimSwitch;
  readonly #tcp: NetServer;
  readonly #serve: (socket: Socket) => void;
  readonly #sockets = new Set<Socket>();
  readonly #held = new Set<Socket>();
  #unsubscribe: () => void = () => {};

  private constructor(sw: SimSwitch, serve: (socket: Socket) => void) {
    this.#sw = sw;
    this.#serve = serve;
    this.#tcp = createServer((socket) => this.#onSocket(socket));
  }

  static async listen(
    sw: SimSwitch,
    o: { host: string; port?: number },
    serve: (socket: Socket) => void,
  ): Promise<SwitchListener> {
    const l = new SwitchListener(sw, serve);
    await new Promise<void>((resolve, reject) => {
      l.#tcp.once('error', reject);
      l.#tcp.listen(o.port ?? 0, o.host, () => {
        l.#tcp.off('error', reject);
        resolve();
      });
    });
    l.#unsubscribe = sw.onChange((c) => {
      if (c.kind === 'reachability') l.#reachabilityChanged();
    });
    return l;
  }

  get port(): number {
    return (this.#tcp.address() as AddressInfo).port;
  }

  #onSocket(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#held.delete(socket);
    });
    socket.on('error', () => {});
    delaySocket(socket, () => this.#sw.impairment.netconfDelayMs);
    if (!this.#sw.reachable) {
      // Accepted by the kernel but never answered, like a box that stopped responding.
      socket.pause();
      this.#held.add(socket);
      return;
    }
    this.#serve(socket);
  }

  #reachabilityChanged(): void {
    if (this.#sw.rebooting) {
      for (const s of this.#sockets) if (!this.#held.has(s)) s.destroy();
      return;
    }
    if (this.#sw.silent) {
      for (const s of this.#sockets) s.pause();
      return;
    }
    for (const s of this.#sockets) {
      if (this.#held.has(s)) {
        this.#held.delete(s);
        s.resume();
        this.#serve(s);
      } else s.resume();
    }
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
  }
}
