import {
  type CliDevice,
  cloneInterface,
  cloneInterfaces,
  type EmuInterface,
  type EmuInterfaces,
} from './device.js';

/**
 * What one session sees of the device's configuration. On a two-stage device it edits its own
 * candidate copy and remembers which entries it changed, until commit or discard; on an
 * immediate device every change goes straight to running.
 */
export class ConfigSession {
  readonly #device: CliDevice;
  #candidate: EmuInterfaces | undefined;
  readonly #touched = new Set<string>();
  /** Which commit an immediate line belongs to: one per stay in configuration mode. */
  #stay: object = {};

  constructor(device: CliDevice) {
    this.#device = device;
  }

  /** Entering configuration mode: a two-stage device starts a candidate from running. */
  begin(): void {
    this.#stay = {};
    if (this.#device.profile.commit === 'two-stage') this.#candidate = cloneInterfaces(this.#device.running);
  }

  /** Uncommitted changes are pending. */
  get dirty(): boolean {
    return this.#touched.size > 0;
  }

  /** The configuration this session sees: its candidate on two-stage devices, else running. */
  current(): EmuInterfaces {
    return this.#candidate ?? this.#device.running;
  }

  /** Interface names are case-insensitive when typed, and print as the device spells them. */
  canonical(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const k of this.current().keys()) if (k.toLowerCase() === lower) return k;
    return undefined;
  }

  /** Applies `fn` to a copy of the named interface; false when there is no such interface. */
  edit(name: string | undefined, fn: (i: EmuInterface) => void): boolean {
    const current = name ? this.current().get(name) : undefined;
    if (!name || !current) return false;
    const next = cloneInterface(current);
    fn(next);
    this.change(name, next);
    return true;
  }

  /** Sets (or, with undefined, removes) one interface. */
  change(name: string, value: EmuInterface | undefined): void {
    if (this.#candidate) {
      if (value) this.#candidate.set(name, value);
      else this.#candidate.delete(name);
      this.#touched.add(name);
    } else {
      this.#device.commit([[name, value]], this.#stay);
    }
  }

  commit(): void {
    const c = this.#candidate;
    if (!c) return;
    this.#device.commit(
      [...this.#touched].map((n): [string, EmuInterface | undefined] => [n, c.get(n)]),
      {},
    );
    this.#touched.clear();
    this.#candidate = cloneInterfaces(this.#device.running);
  }

  discard(): void {
    this.#touched.clear();
    if (this.#candidate) this.#candidate = cloneInterfaces(this.#device.running);
  }

  /** Leaving configuration mode or the session: the candidate and its changes are dropped. */
  end(): void {
    this.#candidate = undefined;
    this.#touched.clear();
  }
}
