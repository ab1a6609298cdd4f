import type { Logger } from '../core/logger.js';

/** The slice of a poll result this log reads. */
export type PollOutcome =
  | { readonly ok: true; readonly port: string }
  | { readonly ok: false; readonly port: string; readonly reason: string; readonly message: string };

interface Failing {
  since: number;
  polls: number;
  reason: string;
  message: string;
  lastSummaryAt: number;
  /** Polls failed since the last summary line. */
  sinceSummary: number;
}

/** A device whose polls work again: how long and how many polls the outage lasted. */
export interface Recovery {
  /** Epoch ms of the first failed poll. */
  readonly since: number;
  readonly failedPolls: number;
}

/**
 * What an operator reads while monitoring of a device is blind: one line when its polls start
 * failing (with the reason), one when they recover, and a summary every `summaryEveryMs` while
 * they keep failing. Never one line per failed poll: at a 10 s interval that is 8,640 lines a day
 * per device, and the line that matters (the first) scrolls away.
 *
 * A poll counts as failed when any of its ports could not be read; the reason and message are
 * the first failure's.
 */
export class PollFailureLog {
  readonly #failing = new Map<string, Failing>();

  constructor(
    private readonly logger: Logger,
    private readonly summaryEveryMs: number,
  ) {}

  /** Notes one poll of the device; returns the outage it ends, if it ends one. */
  note(device: string, results: readonly PollOutcome[], now: number): Recovery | undefined {
    const failed = results.find((r): r is Extract<PollOutcome, { ok: false }> => !r.ok);
    const f = this.#failing.get(device);
    if (!failed) {
      if (!f) return undefined;
      this.#failing.delete(device);
      this.logger.info(
        { device, failedPolls: f.polls, failedForMs: now - f.since, reason: f.reason },
        'device polls recovered',
      );
      return { since: f.since, failedPolls: f.polls };
    }
    if (!f) {
      this.#failing.set(device, {
        since: now,
        polls: 1,
        reason: failed.reason,
        message: failed.message,
        lastSummaryAt: now,
        sinceSummary: 0,
      });
      this.logger.warn(
        { device, port: failed.port, reason: failed.reason, err: failed.message },
        'device polls failing',
      );
      return undefined;
    }
    f.polls++;
    f.sinceSummary++;
    f.reason = failed.reason;
    f.message = failed.message;
    if (now - f.lastSummaryAt < this.summaryEveryMs) return undefined;
    this.logger.warn(
      {
        device,
        reason: f.reason,
        err: f.message,
        failedPolls: f.polls,
        failedForMs: now - f.since,
        sinceLastSummary: f.sinceSummary,
      },
      'device polls still failing',
    );
    f.lastSummaryAt = now;
    f.sinceSummary = 0;
    return undefined;
  }

  /** Forgets a device (its lease went elsewhere, or it is no longer tracked). */
  forget(device: string): void {
    this.#failing.delete(device);
  }
}
