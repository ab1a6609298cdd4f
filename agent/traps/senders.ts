/**
 * Which inventory device sent a trap (CONTRACT §5 "Traps"): by source address first, then, where
 * several devices share an address (a chassis with several SNMP contexts, a NAT), by the v2c
 * community or the v3 user. Pure: the receiver resolves host names before building it.
 */

export interface TrapSender {
  readonly device: string;
  /** Addresses the device's traps come from (its `host`, resolved). */
  readonly addresses: readonly string[];
  /** The v2c community its traps carry (the one it is polled with). */
  readonly community?: string;
  /** The v3 user its traps are sent as. */
  readonly user?: string;
}

export type SenderMatch =
  | { readonly ok: true; readonly device: string }
  | { readonly ok: false; readonly result: 'unknown-sender' | 'bad-credentials'; readonly device: string };

/** An IPv4 address as a dual-stack socket reports it (`::ffff:10.0.0.1`) is the IPv4 address. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export class SenderDirectory {
  readonly #byAddress = new Map<string, TrapSender[]>();

  constructor(senders: readonly TrapSender[]) {
    for (const s of senders)
      for (const a of new Set(s.addresses.map(normaliseAddress))) {
        const list = this.#byAddress.get(a) ?? [];
        list.push(s);
        this.#byAddress.set(a, list);
      }
  }

  /** The sending device; `device` is "" for an unknown address, or the one device at a known one. */
  match(address: string, cred: { community?: string; user?: string }): SenderMatch {
    const candidates = this.#byAddress.get(normaliseAddress(address));
    if (!candidates) return { ok: false, result: 'unknown-sender', device: '' };
    const hit = candidates.find((s) =>
      cred.user !== undefined ? s.user === cred.user : s.community === cred.community,
    );
    if (hit) return { ok: true, device: hit.device };
    // The address is ours but the credentials are no device's there: the device label only when
    // unambiguous, so a metric never blames the wrong device.
    return {
      ok: false,
      result: 'bad-credentials',
      device: candidates.length === 1 ? candidates[0]!.device : '',
    };
  }

  /** The device at `address` when exactly one is there (for refusals net-snmp reports without credentials). */
  soleDeviceAt(address: string): string | undefined {
    const c = this.#byAddress.get(normaliseAddress(address));
    return c?.length === 1 ? c[0]!.device : undefined;
  }

  knows(address: string): boolean {
    return this.#byAddress.has(normaliseAddress(address));
  }
}
