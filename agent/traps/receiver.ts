import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DeviceConfig } from '../../config/load.js';
import type { LogLimiter } from '../../core/log-limit.js';
import type { Logger } from '../../core/logger.js';
import { type NetSnmpReceiver, netSnmp, v3User } from '../../drivers/transport/snmp.js';
import type { HintOutcome } from './hints.js';
import { SenderDirectory, type TrapSender } from './senders.js';
import { readTrap, type TrapPdu, type TrapType } from './trap-pdu.js';

/**
 * The SNMP trap listener (CONTRACT §5 "Traps"): net-snmp's receiver, v1/v2c/v3, with every
 * device's community and v3 user registered, so net-snmp itself refuses a wrong community or key.
 * Each trap is counted once in `dcagent_traps_received_total{device,type,result}` and, when it is
 * a linkDown/linkUp from an inventory device, offered as a hint (agent/traps/hints.ts).
 */

/** What became of a trap, the `result` label. */
export type TrapResult = HintOutcome | 'unknown-sender' | 'bad-credentials' | 'malformed' | 'ignored';

export interface TrapReceiverOptions {
  listen: string;
  port: number;
  devices: readonly DeviceConfig[];
  offer: (device: string, receivedAt: number) => HintOutcome;
  count: (device: string, type: TrapType | 'unknown', result: TrapResult) => void;
  logger: Logger;
  log: LogLimiter;
  clock?: () => number;
}

/** How long a device's host name may take to resolve at start-up. */
const RESOLVE_TIMEOUT_MS = 5_000;

async function addressesOf(host: string, log: LogLimiter): Promise<string[]> {
  if (isIP(host)) return [host];
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(host, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${RESOLVE_TIMEOUT_MS} ms`)),
          RESOLVE_TIMEOUT_MS,
        );
      }),
    ]);
    return found.map((a) => a.address);
  } catch (err) {
    log.warn(
      `trap-resolve:${host}`,
      { host, err: (err as Error).message },
      'cannot resolve a device host; its traps will count as unknown senders',
    );
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** The senders of the inventory, host names resolved once. */
export async function trapSenders(devices: readonly DeviceConfig[], log: LogLimiter): Promise<TrapSender[]> {
  return Promise.all(
    devices.map(async (d) => ({
      device: d.id,
      addresses: await addressesOf(d.host, log),
      ...(d.snmp.version === '3' && d.snmp.user ? { user: d.snmp.user } : {}),
      ...(d.snmp.version === '2c' && d.snmp.community ? { community: d.snmp.community.reveal() } : {}),
    })),
  );
}

export class TrapReceiver {
  #receiver: NetSnmpReceiver | undefined;
  #senders = new SenderDirectory([]);
  readonly #clock: () => number;

  constructor(private readonly o: TrapReceiverOptions) {
    this.#clock = o.clock ?? Date.now;
  }

  /** Binds the listener; a port that cannot be bound is one clear error. */
  async start(): Promise<void> {
    const { o } = this;
    this.#senders = new SenderDirectory(await trapSenders(o.devices, o.log));
    const receiver = netSnmp.createReceiver(
      {
        port: o.port,
        address: o.listen,
        transport: o.listen.includes(':') ? 'udp6' : 'udp4',
        includeAuthentication: true,
      },
      (err, data) => this.#onTrap(err, data),
    );
    this.#receiver = receiver;
    const auth = receiver.getAuthorizer();
    const users = new Map<string, string>();
    for (const d of o.devices) {
      if (d.snmp.version === '2c' && d.snmp.community) auth.addCommunity(d.snmp.community.reveal());
      if (d.snmp.version === '3' && d.snmp.user) {
        // net-snmp keys users by name: two devices with one user name must share its keys.
        const first = users.get(d.snmp.user);
        if (first) {
          o.logger.warn(
            { device: d.id, first },
            'SNMPv3 trap user already registered by another device; its keys are used',
          );
          continue;
        }
        users.set(d.snmp.user, d.id);
        auth.addUser(v3User(d));
      }
    }
    await Promise.all(
      Object.values(receiver.listener.sockets ?? {}).map(
        (s) =>
          new Promise<void>((resolve, reject) => {
            const fail = (e: Error) =>
              reject(
                new Error(
                  `cannot receive SNMP traps on ${o.listen}:${o.port} (monitoring.traps.port): ${e.message}`,
                ),
              );
            s.once('error', fail);
            s.once('listening', () => {
              s.off('error', fail);
              resolve();
            });
          }),
      ),
    ).catch((err) => {
      this.close();
      throw err;
    });
    o.logger.info({ listen: o.listen, port: this.port }, 'receiving SNMP traps');
  }

  /** The bound UDP port (the configured one, or the OS's pick for 0). */
  get port(): number {
    const s = Object.values(this.#receiver?.listener.sockets ?? {})[0];
    try {
      return s?.address().port ?? this.o.port;
    } catch {
      return this.o.port;
    }
  }

  close(): void {
    try {
      this.#receiver?.close();
    } catch {
      // Already closed (a failed bind).
    }
    this.#receiver = undefined;
  }

  #onTrap(err: unknown, data: unknown): void {
    const receivedAt = this.#clock();
    const { o } = this;
    if (err) {
      // net-snmp refuses a wrong community, an unknown user or a wrong key before we see the trap.
      const address = (err as { rinfo?: { address?: string } }).rinfo?.address;
      if (!address) return; // a socket error after close; nothing was received
      const known = this.#senders.knows(address);
      const device = this.#senders.soleDeviceAt(address) ?? '';
      const refused = /community|user|authentication|digest|privacy|decrypt/i.test(
        (err as Error).message ?? '',
      );
      o.count(
        known ? device : '',
        'unknown',
        known ? (refused ? 'bad-credentials' : 'malformed') : 'unknown-sender',
      );
      o.log.log('debug', `trap-refused:${address}`, { address, known }, 'SNMP trap refused');
      return;
    }
    const d = data as { pdu?: TrapPdu & { community?: string; user?: string }; rinfo?: { address?: string } };
    const address = d.rinfo?.address;
    if (!d.pdu || !address) return;
    const facts = readTrap(d.pdu);
    const m = this.#senders.match(address, {
      ...(d.pdu.user !== undefined ? { user: d.pdu.user } : {}),
      ...(d.pdu.community !== undefined ? { community: d.pdu.community } : {}),
    });
    if (!m.ok) {
      o.count(m.device, facts.type, m.result);
      return;
    }
    if (facts.type === 'other') {
      o.count(m.device, facts.type, 'ignored');
      return;
    }
    const result = o.offer(m.device, receivedAt);
    o.count(m.device, facts.type, result);
    o.logger.debug({ device: m.device, type: facts.type, ifIndex: facts.ifIndex, result }, 'SNMP trap');
  }
}
