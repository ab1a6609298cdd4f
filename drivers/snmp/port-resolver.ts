import { hexDumpText, OID, octetText, rowIndex } from '../mib/mib.js';
import type { SnmpReader, Varbind } from '../transport/snmp.js';

/** What the resolver knows about one interface. */
export interface InterfaceInfo {
  readonly ifIndex: number;
  readonly ifName?: string;
  readonly ifDescr?: string;
}

/** An ifName/ifDescr value as the index keeps it (the poller compares with the same spelling). */
export function interfaceName(value: unknown): string | null {
  // Bytes that are not text at all can still be matched by their hex spelling.
  return octetText(value) ?? (Buffer.isBuffer(value) ? value.toString('hex') : null);
}

/**
 * How often a name the index does not know may trigger a fresh walk: a misspelt inventory port
 * must not walk ifName/ifDescr every poll, and a port added on the device is found within a minute.
 */
const MISS_REFRESH_MS = 60_000;

/** Lookup tiers, tried in order: a tier only answers when the tiers before it did not know the name. */
const TIERS = ['ifName', 'ifDescr', 'ifName-hex', 'ifDescr-hex', 'folded'] as const;

/**
 * Port name → interface, built from one walk of ifName and one of ifDescr. Pure, so the naming
 * rules are unit-tested without a device.
 *
 * ifName wins over ifDescr because ifDescr is free text on many platforms (Cisco puts the long
 * form there, some put the product name). A hex-dump spelling of a name (how snmpwalk shows
 * bytes it thinks are binary, and how some recordings store them) is only a fallback, so a port
 * literally named "4142" is never shadowed by the text "AB". A case-insensitive match comes last.
 */
export class InterfaceIndex {
  readonly #tiers = new Map<(typeof TIERS)[number], Map<string, InterfaceInfo>>();
  readonly #byIfIndex = new Map<number, InterfaceInfo>();
  /** A stable fingerprint of the mapping, so a refresh can tell whether anything moved. */
  readonly signature: string;

  constructor(ifNameRows: readonly Varbind[], ifDescrRows: readonly Varbind[]) {
    for (const t of TIERS) this.#tiers.set(t, new Map());
    const names = new Map<number, string>();
    const descrs = new Map<number, string>();
    const collect = (rows: readonly Varbind[], column: string, into: Map<number, string>) => {
      for (const vb of rows) {
        const idx = rowIndex(column, vb.oid);
        if (idx === null || !/^\d+$/.test(idx)) continue;
        const name = interfaceName(vb.value);
        if (name !== null && name !== '') into.set(Number(idx), name);
      }
    };
    collect(ifNameRows, OID.ifName, names);
    collect(ifDescrRows, OID.ifDescr, descrs);
    for (const ifIndex of [...new Set([...names.keys(), ...descrs.keys()])].sort((a, b) => a - b)) {
      const ifName = names.get(ifIndex);
      const ifDescr = descrs.get(ifIndex);
      const info: InterfaceInfo = {
        ifIndex,
        ...(ifName !== undefined ? { ifName } : {}),
        ...(ifDescr !== undefined ? { ifDescr } : {}),
      };
      this.#byIfIndex.set(ifIndex, info);
    }
    // First writer wins inside a tier: with duplicate names the lowest ifIndex is the physical port.
    const put = (tier: (typeof TIERS)[number], key: string | null | undefined, info: InterfaceInfo) => {
      if (!key) return;
      const m = this.#tiers.get(tier)!;
      if (!m.has(key)) m.set(key, info);
    };
    for (const info of this.#byIfIndex.values()) {
      put('ifName', info.ifName, info);
      put('ifDescr', info.ifDescr, info);
      put('ifName-hex', info.ifName && hexDumpText(info.ifName), info);
      put('ifDescr-hex', info.ifDescr && hexDumpText(info.ifDescr), info);
      put('folded', info.ifName?.toLowerCase(), info);
      put('folded', info.ifDescr?.toLowerCase(), info);
    }
    this.signature = [...this.#byIfIndex.values()]
      .map((i) => `${i.ifIndex}\u0000${i.ifName ?? ''}\u0000${i.ifDescr ?? ''}`)
      .join('\u0001');
  }

  get size(): number {
    return this.#byIfIndex.size;
  }

  lookup(name: string): InterfaceInfo | undefined {
    for (const t of TIERS) {
      const hit = this.#tiers.get(t)!.get(t === 'folded' ? name.toLowerCase() : name);
      if (hit) return hit;
    }
    return undefined;
  }

  byIfIndex(ifIndex: number): InterfaceInfo | undefined {
    return this.#byIfIndex.get(ifIndex);
  }
}

/** TimeTicks wrap after 2^32 centiseconds (497 days); a drop from near the top is a wrap, not a reboot. */
const TICKS_WRAP = 2 ** 32;
const WRAP_MARGIN_TICKS = 2 * 3600 * 100;

export function restarted(previousTicks: number, currentTicks: number): boolean {
  return currentTicks < previousTicks && previousTicks < TICKS_WRAP - WRAP_MARGIN_TICKS;
}

export interface PortResolverOptions {
  /** A lookup that misses refreshes the walk at most this often (a port can be genuinely absent). */
  missRefreshMs?: number;
  now?: () => number;
}

/**
 * Per-device cache of the interface index. It is walked once, then refreshed only when a name
 * misses (rate-limited) or the device restarts (sysUpTime going backwards, fed in by the poller,
 * which reads sysUpTime in every poll anyway). `generation` changes whenever the mapping may have
 * moved, so everything derived from it (optics discovery, the poll plan) knows to rebuild.
 */
export class PortResolver {
  readonly #walker: SnmpReader;
  readonly #missRefreshMs: number;
  readonly #now: () => number;
  #index: InterfaceIndex | undefined;
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<InterfaceIndex> | undefined;
  #lastUptime: number | undefined;
  #generation = 0;
  #stale = false;

  constructor(walker: SnmpReader, options: PortResolverOptions = {}) {
    this.#walker = walker;
    this.#missRefreshMs = options.missRefreshMs ?? MISS_REFRESH_MS;
    this.#now = options.now ?? Date.now;
  }

  get generation(): number {
    return this.#generation;
  }

  get index(): InterfaceIndex | undefined {
    return this.#index;
  }

  /** Resolves every name it can; a name missing from the result is not on the device. */
  async resolve(names: readonly string[]): Promise<Map<string, InterfaceInfo>> {
    if (this.#stale && this.#now() - this.#loadedAt >= this.#missRefreshMs) await this.#load();
    this.#stale = false;
    let index = this.#index ?? (await this.#load());
    const out = new Map<string, InterfaceInfo>();
    let missed = false;
    for (const n of names) {
      const hit = index.lookup(n);
      if (hit) out.set(n, hit);
      else missed = true;
    }
    if (missed && this.#now() - this.#loadedAt >= this.#missRefreshMs) {
      index = await this.#load();
      for (const n of names) {
        if (out.has(n)) continue;
        const hit = index.lookup(n);
        if (hit) out.set(n, hit);
      }
    }
    return out;
  }

  /**
   * Feeds the device's sysUpTime. Returns true when the device restarted since the last call;
   * the cached index is then dropped, because ifIndex values may be renumbered on boot.
   */
  noteUptime(ticks: number): boolean {
    const prev = this.#lastUptime;
    this.#lastUptime = ticks;
    if (prev === undefined || !restarted(prev, ticks)) return false;
    this.invalidate();
    return true;
  }

  /**
   * Something the mapping promised did not answer (a port's ifIndex vanished). The next resolve
   * walks again, subject to the same rate limit as a miss.
   */
  markStale(): void {
    this.#stale = true;
  }

  invalidate(): void {
    this.#index = undefined;
    this.#loadedAt = Number.NEGATIVE_INFINITY;
    this.#generation++;
  }

  #load(): Promise<InterfaceIndex> {
    // Concurrent callers share one walk.
    this.#loading ??= (async () => {
      try {
        const [names, descrs] = await Promise.all([
          this.#walker.walk(OID.ifName),
          this.#walker.walk(OID.ifDescr),
        ]);
        const next = new InterfaceIndex(names, descrs);
        if (this.#index && this.#index.signature !== next.signature) this.#generation++;
        else if (!this.#index) this.#generation++;
        this.#index = next;
        this.#loadedAt = this.#now();
        return next;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}
