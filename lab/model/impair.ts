import type { Socket } from 'node:net';

/**
 * A bad management network, played at the lab's own sockets so tests need no root, no netem and
 * no iptables (this kernel has neither netem nor prio; LAB-NOTES). SNMP loses and delays
 * datagrams at the switch's UDP socket; SSH (NETCONF or CLI) delays every byte each way at the
 * switch's TCP socket. Loss on TCP is not played: the kernel would retransmit it, so on a real
 * link it shows up as extra delay, which the delay already covers.
 *
 * The randomness is seeded, so a test that failed replays the same drops with the same seed.
 */
export interface Impairment {
  /** Share of SNMP requests dropped on arrival, 0–1. */
  readonly snmpLoss: number;
  /** Added before each SNMP reply leaves, ms. */
  readonly snmpDelayMs: number;
  /** Added to every chunk in each direction on the switch's SSH connections, ms. */
  readonly netconfDelayMs: number;
  readonly seed: number;
}

export const NO_IMPAIRMENT: Impairment = Object.freeze({
  snmpLoss: 0,
  snmpDelayMs: 0,
  netconfDelayMs: 0,
  seed: 1,
});

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Runs callbacks after a delay, strictly in the order they were queued even when the delay
 * changes in between (a byte stream must never be reordered), with one timer for the whole line.
 */
export class DelayLine {
  readonly #queue: { at: number; fn: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last = 0;

  push(delayMs: number, fn: () => void): void {
    if (delayMs <= 0 && this.#queue.length === 0) {
      fn();
      return;
    }
    const at = Math.max(Date.now() + delayMs, this.#last);
    this.#last = at;
    this.#queue.push({ at, fn });
    if (!this.#timer) this.#arm();
  }

  #arm(): void {
    const head = this.#queue[0];
    if (!head) {
      this.#timer = undefined;
      return;
    }
    this.#timer = setTimeout(
      () => {
        const now = Date.now();
        while (this.#queue.length > 0 && this.#queue[0]!.at <= now) this.#queue.shift()!.fn();
        this.#arm();
      },
      Math.max(0, head.at - Date.now()),
    );
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }
}

/**
 * Delays what `socket` reads and writes by `delayMs()` each way. It wraps the socket in place
 * (ssh2 takes the socket itself through `injectSocket`), holding back what it receives and what
 * it writes on one delay line per direction. With no delay configured, nothing is held.
 */
export function delaySocket(socket: Socket, delayMs: () => number): void {
  const inbound = new DelayLine();
  const outbound = new DelayLine();
  // What the kernel hands over (and its end-of-stream, null) enters the readable side late, so
  // everything downstream of push (data, end, and the automatic end of the writable side that
  // follows a FIN) happens in the order and at the time the delayed bytes would have arrived.
  const push = socket.push.bind(socket) as (chunk: unknown, encoding?: BufferEncoding) => boolean;
  socket.push = ((chunk: unknown, encoding?: BufferEncoding): boolean => {
    inbound.push(delayMs(), () => {
      if (!socket.destroyed) push(chunk, encoding);
    });
    return true;
  }) as Socket['push'];
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = ((...args: unknown[]): boolean => {
    outbound.push(delayMs(), () => {
      if (!socket.destroyed) write(...args);
    });
    return true;
  }) as Socket['write'];
  const end = socket.end.bind(socket) as (...args: unknown[]) => Socket;
  socket.end = ((...args: unknown[]): Socket => {
    outbound.push(delayMs(), () => {
      if (!socket.destroyed) end(...args);
    });
    return socket;
  }) as Socket['end'];
  socket.once('close', () => {
    inbound.clear();
    outbound.clear();
  });
}
