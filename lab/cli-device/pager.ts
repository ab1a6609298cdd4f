import type { CliDevice } from './device.js';

/**
 * Long output a page at a time, behind the profile's `--More--` prompt: space shows the next
 * page, Enter one more line, `q` stops. What follows the output (`then`) runs once it is done.
 */
export class Pager {
  readonly #device: CliDevice;
  readonly #write: (text: string) => void;
  readonly #out: (lines: readonly string[]) => void;
  #waiting: { rest: string[]; then: () => void } | undefined;

  constructor(device: CliDevice, write: (text: string) => void, out: (lines: readonly string[]) => void) {
    this.#device = device;
    this.#write = write;
    this.#out = out;
  }

  /** A page is shown and the pager waits for a key. */
  get waiting(): boolean {
    return this.#waiting !== undefined;
  }

  /** Prints `lines`, a page at a time when `paged`, then runs `then`. */
  show(lines: readonly string[], then: () => void, paged: boolean): void {
    if (!paged) {
      this.#out(lines);
      then();
      return;
    }
    this.#page([...lines], then, this.#device.pageLines);
  }

  key(ch: string): void {
    const w = this.#waiting;
    if (!w) return;
    const erase = this.#device.profile.pager.erase;
    if (ch === ' ' || ch === '\r' || ch === '\n') {
      this.#write(erase);
      this.#waiting = undefined;
      this.#page(w.rest, w.then, ch === ' ' ? this.#device.pageLines : 1);
    } else if (ch === 'q' || ch === 'Q') {
      this.#write(erase);
      this.#waiting = undefined;
      w.then();
    }
  }

  #page(lines: string[], then: () => void, n: number): void {
    if (lines.length <= n) {
      this.#out(lines);
      then();
      return;
    }
    this.#out(lines.slice(0, n));
    this.#write(this.#device.profile.pager.prompt);
    this.#device.pagesShown++;
    this.#waiting = { rest: lines.slice(n), then };
  }
}
