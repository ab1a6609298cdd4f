import type { Drift, EventData, EventType } from '../contract/events.js';
import type { PortType } from '../contract/port-types.js';

/**
 * What the job processors need from the agent around them. Declared here, implemented in agent/,
 * so jobs/ never reaches up a layer.
 */
export interface EventPublisher {
  publish<T extends EventType>(draft: {
    type: T;
    subject: string;
    data: EventData<T>;
    id?: string;
  }): Promise<unknown>;
}

export interface WatchedPort {
  connectionId: string;
  device: string;
  port: string;
  portType: PortType;
}

export interface ConnectionWatch {
  /** Starts monitoring a freshly provisioned connection as under construction (no-op if already watched). */
  watch(port: WatchedPort): Promise<void>;
  /** Stops monitoring; the connection's tracking record is removed. */
  unwatch(connectionId: string): Promise<void>;
  /** One live SNMP read: is Rx light still seen on the port? */
  lightPresent(device: string, port: string, signal?: AbortSignal): Promise<boolean>;
}

/** What a successful provision or deprovision leaves as the port's intent (CONTRACT §3). */
export interface IntentRecord {
  connectionId: string;
  device: string;
  port: string;
  portType: PortType;
  /** The full text on the device: `HC <connectionId> <customer text>`; empty when cleared. */
  description: string;
  bandwidthMbps?: number;
  state: 'configured' | 'cleared';
  jobId: string;
  /** sha256 of the rendered port configuration the job left. */
  configHash: string;
  /** ISO time the job recorded it. */
  time: string;
}

/** The last audit of one connection: what it found, and since when the same drift has stood. */
export interface AuditRecord {
  time: string;
  drifts: Drift[];
  /** Identity of the drift last published; null while the port matches its intent. */
  driftKey: string | null;
  driftSince?: string;
  /** When a drift last went away (found clean, or healed). */
  resolvedAt?: string;
  /** The drifts that went away then, so an operator still sees what was resolved. */
  resolved?: Drift[];
  healedAt?: string;
}

/** Intents and audit results in Redis; every method may throw a plain Redis error. */
export interface IntentStore {
  record(intent: IntentRecord): Promise<void>;
  /** The live intents of a device (an intended-clear one past its retention is gone). */
  forDevice(device: string): Promise<IntentRecord[]>;
  /** Every last audit of the device by connection id: one read however many ports it has. */
  lastAudits(device: string): Promise<Map<string, AuditRecord>>;
  /** Saves audit records of the device by connection id, all in one write. */
  saveAudits(device: string, audits: ReadonlyMap<string, AuditRecord>): Promise<void>;
}

/** The job queue as heal sees it: a connection with a job waiting or running is left alone. */
export interface JobQueueView {
  hasPendingJob(connectionId: string, exceptJobId: string): Promise<boolean>;
}
