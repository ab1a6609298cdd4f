import type { Platform, PortType } from '../contract/port-types.js';

/**
 * The one contract every platform driver implements (NAPALM's NetworkDriver idea): the job
 * processors and the CLI only ever talk to this, never to a transport.
 */

/** What a port should look like after provisioning. Built by jobs/ from job data and the inventory. */
export interface PortIntent {
  port: string;
  /** The full text written to the device: `HC <connectionId> <customer text>`. */
  description: string;
  enabled: boolean;
  portType: PortType;
  bandwidthMbps?: number;
}

/** The port's configuration as read back from the device, normalised across platforms. */
export interface PortConfigState {
  port: string;
  /** False when the device has no configuration for the port at all. */
  exists: boolean;
  description?: string;
  enabled?: boolean;
  mtu?: number;
}

/** One port as an audit reads it: its configuration and its sub-interfaces. */
export interface PortReading {
  state: PortConfigState;
  /** `<port>.<vlan>` entries; empty when the port has no configuration. */
  subinterfaces: string[];
}

export type Operation = 'provision' | 'deprovision';

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * The device lease (jobs' device lock token) a change runs under. A NETCONF session records it
   * before taking a lock, so a lock left by a holder that lost its lease can be recognised.
   */
  lease?: string;
}

export interface PlanOptions extends CallOptions {
  /** Render from the intent alone, without contacting the device, so there is no diff. */
  offline?: boolean;
  /** Also ask the device to check the edit with test-option=test-only (applies nothing). */
  validate?: boolean;
}

export interface Plan {
  operation: Operation;
  platform: Platform;
  device: string;
  port: string;
  /** The exact payload that would be sent: NETCONF XML or CLI lines. */
  rpc: string;
  /** Unified diff of the port's configuration, before → after. Empty when offline or unchanged. */
  diff: string;
  /** Number of changed configuration lines in the diff (0 = nothing to do). */
  changes: number;
  before?: PortConfigState;
  after: PortConfigState;
  /** With `validate`: what the device answered to the test-only edit. */
  validation?: PlanValidation;
}

export interface PlanValidation {
  /** True when the device accepted the edit as valid. */
  accepted: boolean;
  /** The device's answer in its own words: `<ok/>`, or each rpc-error's tag, message and path. */
  answer: string;
}

export interface ApplyResult {
  /** False when the device already matched and nothing was sent. */
  changed: boolean;
  verified: true;
  confirmedCommit: boolean;
}

export interface DeviceDriver {
  readonly deviceId: string;
  readonly platform: Platform;
  plan(operation: Operation, intent: PortIntent, options?: PlanOptions): Promise<Plan>;
  /** Idempotent: compares with the current config first and sends nothing when equal. */
  apply(intent: PortIntent, options?: CallOptions): Promise<ApplyResult>;
  /** Reads the port back and compares it with the intent. */
  verify(intent: PortIntent, options?: CallOptions): Promise<boolean>;
  /** Removes the port's service configuration (description, enabled) and verifies. */
  clear(port: string, options?: CallOptions): Promise<ApplyResult>;
  /** Sub-interfaces of `port` (`<port>.<vlan>`): the Private Virtual Interfaces. */
  listSubinterfaces(port: string, options?: CallOptions): Promise<string[]>;
  readPortConfig(port: string, options?: CallOptions): Promise<PortConfigState>;
  /**
   * Several ports at once (an audit of a device): the sub-interfaces of all of them come from one
   * listing, not one per port.
   */
  readPorts(ports: readonly string[], options?: CallOptions): Promise<PortReading[]>;
  close(): Promise<void>;
}
