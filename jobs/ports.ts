import type { EventData, EventType } from '../contract/events.js';
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
