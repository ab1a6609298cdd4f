import type { Queue } from 'bullmq';
import type { AgentConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import type { LogLimiter } from '../core/log-limit.js';
import type { Logger } from '../core/logger.js';
import type { IntentStore, JobQueueView } from '../jobs/ports.js';

/** Job states in which a job has not ended: heal leaves its connection alone (CONTRACT §5). */
const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
/** How many jobs per state heal looks through; a queue deeper than this is not a steady state. */
const PENDING_SCAN = 10_000;

/** The BullMQ queue as heal sees it: any unfinished job whose data names the connection. */
export class BullJobQueueView implements JobQueueView {
  constructor(private readonly queue: Queue) {}

  async hasPendingJob(connectionId: string, exceptJobId: string): Promise<boolean> {
    const jobs = await this.queue.getJobs([...PENDING_STATES], 0, PENDING_SCAN - 1);
    return jobs.some(
      (j) =>
        j !== undefined &&
        String(j.id) !== exceptJobId &&
        (j.data as { connectionId?: unknown } | null)?.connectionId === connectionId,
    );
  }
}

export interface AuditSchedulerDeps {
  cfg: AgentConfig;
  queue: Queue;
  intents: IntentStore;
  /** Devices this replica holds the poll lease of: one replica audits each device. */
  heldDevices(): Iterable<string>;
  /**
   * Inventory devices with no tracked connection, which no replica polls (every port intended-clear,
   * say): configuration appearing on a cleared port must still be noticed.
   */
  untrackedDevices(): Iterable<string>;
  /** Takes the periodic audit of an untracked device for `ms`; false when another replica has it. */
  claim(device: string, ms: number): Promise<boolean>;
  logger: Logger;
  logLimit: LogLimiter;
  random?: () => number;
}

/**
 * The periodic audit: every `monitoring.audit.intervalSeconds` (±10 % jitter, so replicas and
 * devices do not all read at once) it enqueues an `audit` job for each held device that has
 * recorded intents, and for each device with intents that nobody polls, claimed by one replica.
 * Going through the queue keeps the device lease rule: no audit while a job runs on the device.
 * The job id is per device and interval slot, so a slot is audited once. A device restart (seen
 * by the SNMP poll) enqueues one at once, and so do polls that recover after an outage.
 */
export class AuditScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly random: () => number;
  /** When each device was last seen restarting, so the recovery from that reboot audits once. */
  private readonly restarted = new Map<string, number>();

  constructor(private readonly deps: AuditSchedulerDeps) {
    this.intervalMs = deps.cfg.monitoring.audit.intervalSeconds * 1000;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const delay = this.intervalMs * (0.9 + 0.2 * this.random());
    this.timer = setTimeout(() => {
      this.round().finally(() => this.arm());
    }, delay);
  }

  /** Enqueues one audit per held device with intents; Redis faults are logged at most once a minute. */
  async round(now = Date.now()): Promise<void> {
    const slot = Math.floor(now / this.intervalMs);
    for (const device of this.deps.heldDevices()) {
      if (this.stopped) return;
      await this.enqueue(device, 'audit', String(slot));
    }
    // Shorter than an interval, so the claimant's next round finds it lapsed and claims again; a
    // second replica's round, whatever its phase, finds it held.
    const claimMs = Math.floor(this.intervalMs * 0.8);
    for (const device of this.deps.untrackedDevices()) {
      if (this.stopped) return;
      await this.enqueue(device, 'audit', String(slot), () => this.deps.claim(device, claimMs));
    }
  }

  /** The monitor saw the device restart (sysUpTime went back): audit it now (detectedBy `reboot`). */
  async afterRestart(device: string, now = Date.now()): Promise<void> {
    if (this.stopped) return;
    this.restarted.set(device, now);
    await this.enqueue(device, 'reboot', `reboot-${now}`);
  }

  /**
   * The device's polls recovered after an outage (`outageSince`, epoch ms): it may have been
   * changed while unreachable, so audit it now. A reboot seen since the outage began has already
   * queued its own audit (detectedBy `reboot`), which covers this recovery.
   */
  async afterReconnect(device: string, outageSince: number, now = Date.now()): Promise<void> {
    if (this.stopped) return;
    if ((this.restarted.get(device) ?? Number.NEGATIVE_INFINITY) >= outageSince) return;
    await this.enqueue(device, 'audit', `reconnect-${now}`);
  }

  private async enqueue(
    device: string,
    trigger: 'audit' | 'reboot',
    tag: string,
    claim?: () => Promise<boolean>,
  ): Promise<void> {
    try {
      if ((await this.deps.intents.forDevice(device)).length === 0) return;
      if (claim && !(await claim())) return;
      const jobId = `audit-${device.replace(/[^A-Za-z0-9._-]/g, '-')}-${tag}`;
      await this.deps.queue.add(
        'audit',
        { schemaVersion: 1, device, trigger },
        { jobId, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 86_400 } },
      );
      this.deps.logger.debug({ device, trigger, jobId }, 'audit enqueued');
    } catch (err) {
      this.deps.logLimit.log(
        'warn',
        'audit-schedule',
        { device, err: errorMessage(err) },
        'could not enqueue an audit',
      );
    }
  }
}
