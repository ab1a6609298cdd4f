import { styleText } from 'node:util';
import type { Output } from '../../agent/command-line/io.js';
import type { ConnectionState } from '../../contract/lifecycle.js';

type Style = Parameters<typeof styleText>[0];

export interface TimelineRow {
  state: ConnectionState;
  what: string;
  rxDbm?: readonly (number | null)[];
  txDbm?: readonly (number | null)[];
  reason?: string;
  style?: Style;
}

const fmt = (v: readonly (number | null)[] | undefined) =>
  v === undefined ? '   —   ' : v.map((x) => (x === null ? 'dark' : `${x.toFixed(2)}`)).join('/');

/** The demo's readable, timestamped timeline: one line per step, plus progress while waiting. */
export class Timeline {
  private readonly t0 = Date.now();
  private waiting: { what: string; since: number; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly io: Output) {}

  private stamp(): string {
    const rel = ((Date.now() - this.t0) / 1000).toFixed(1).padStart(5);
    return `${new Date().toISOString().slice(11, 23)} +${rel}s`;
  }

  header(text: string): void {
    this.io.out(this.io.isTTY ? styleText('bold', text) : text);
  }

  row(r: TimelineRow): void {
    this.stopWaiting();
    const state = r.state.padEnd(18);
    const light = `rx ${fmt(r.rxDbm).padEnd(7)} tx ${fmt(r.txDbm).padEnd(7)} dBm`;
    const what = r.style && this.io.isTTY ? styleText(r.style, r.what) : r.what;
    this.io.out(`${this.stamp()}  ${state} ${light}  ${what}${r.reason ? `  (${r.reason})` : ''}`);
  }

  note(text: string): void {
    this.stopWaiting();
    this.io.out(`${this.stamp()}  ${this.io.isTTY ? styleText('dim', text) : text}`);
  }

  /** Shows that the demo is waiting, and for how long; cleared by the next row. */
  wait(what: string): void {
    this.stopWaiting();
    const since = Date.now();
    const tick = () => {
      const s = Math.round((Date.now() - since) / 1000);
      if (this.io.isTTY) process.stdout.write(`\r\x1b[2K  … waiting for ${what} (${s}s)`);
      else if (s > 0 && s % 5 === 0) this.io.out(`  … still waiting for ${what} (${s}s)`);
    };
    this.waiting = { what, since, timer: setInterval(tick, 1000) };
    if (this.io.isTTY) tick();
  }

  private stopWaiting(): void {
    if (!this.waiting) return;
    clearInterval(this.waiting.timer);
    if (this.io.isTTY) process.stdout.write('\r\x1b[2K');
    this.waiting = undefined;
  }

  elapsedMs(): number {
    return Date.now() - this.t0;
  }
}
