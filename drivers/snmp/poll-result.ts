import type { IfStatus, MonitoringReason } from '../../contract/events.js';
import type { LaneThresholds } from '../../contract/optics.js';
import type { LaneReading } from '../optics/adapter.js';

/** What one poll says about one port: a reading, or why there is none. */

/**
 * Why a port could not be read this poll (CONTRACT §4 monitoring reasons, minus `recovered` and
 * `not-in-inventory`, which the monitor sets when a config reload removes a port).
 */
export type PollFailureReason = Exclude<MonitoringReason, 'recovered' | 'not-in-inventory'>;

/** A transceiver's identity as ENTITY-MIB gives it; null where the device does not say. */
export interface ModuleInfo {
  readonly vendor: string | null;
  readonly part: string | null;
  readonly serial: string | null;
}

export interface OpticsChange {
  readonly change: 'inserted' | 'removed' | 'replaced';
  readonly module: ModuleInfo;
}

export interface PortReading {
  readonly ok: true;
  readonly device: string;
  readonly port: string;
  readonly ifIndex: number;
  readonly adminStatus: IfStatus;
  readonly operStatus: IfStatus;
  readonly lanes: readonly LaneReading[];
  /** One per lane, in lane order; null is no reading. */
  readonly rxDbm: readonly (number | null)[];
  readonly txDbm: readonly (number | null)[];
  /** False when the device's optics are not read at all (`optics: none`): then they are not judged. */
  readonly opticsRead: boolean;
  /** Whether a transceiver was found for the port; absent when optics are not read. */
  readonly opticPresent?: boolean;
  /** Epoch ms of the poll. */
  readonly at: number;
  /**
   * The transceiver's own alarm and warning bounds in dBm (CONTRACT §5 "Module thresholds"), the
   * same for every lane, read at discovery and on an optics change, never per poll. Absent when
   * the adapter's MIB has none or the module left them all unset; a bound the module does not
   * give is null.
   */
  readonly moduleThresholds?: LaneThresholds;
  /** The port's transceiver as the last discovery found it (ENTITY-MIB); absent when optics are not read or none was found. */
  readonly module?: ModuleInfo;
  /** Set on the first poll after a rediscovery found this port's transceiver inserted, removed or replaced. */
  readonly opticsChange?: OpticsChange;
  /** IF-MIB ifInErrors, only for ports the poll was asked to count errors on; null when unanswered. */
  readonly inErrors?: number | null;
  /** The device restarted since the previous poll (sysUpTime went back): its counters restarted too. */
  readonly countersReset?: boolean;
}

/** What a poll reads beyond status and optics. */
export interface PollOptions {
  /**
   * Ports whose ifInErrors is read in the same PDUs (qualification, issue 15 §5): only those
   * under construction, so the steady path costs nothing more.
   */
  readonly errorCounters?: readonly string[];
}

export interface PortPollFailure {
  readonly ok: false;
  readonly device: string;
  readonly port: string;
  readonly ifIndex?: number;
  readonly reason: PollFailureReason;
  readonly message: string;
  readonly at: number;
  readonly opticsChange?: OpticsChange;
}

export type PortPollResult = PortReading | PortPollFailure;
