import type { AgentConfig, DeviceConfig, PortConfig } from '../config/load.js';
import { findDevice, findPort } from '../config/load.js';
import {
  connectionOfDescription,
  type DeprovisionJob,
  type ProvisionJob,
  portDescription,
} from '../contract/jobs.js';
import { DcAgentError, type FieldIssue, InvalidJobError } from '../core/errors.js';
import type { PortConfigState, PortIntent } from '../drivers/driver.js';

export interface Target {
  device: DeviceConfig;
  port: PortConfig;
}

/** The inventory device a job names: `unknown-device` otherwise. */
export function resolveDevice(cfg: AgentConfig, id: string): DeviceConfig {
  const device = findDevice(cfg, id);
  if (!device) {
    throw new DcAgentError('unknown-device', `device ${id} is not in the inventory`, {
      details: { device: id },
    });
  }
  return device;
}

/** Resolves a job's device and port against the inventory: `unknown-device` / `unknown-port` otherwise. */
export function resolveTarget(cfg: AgentConfig, job: Pick<ProvisionJob, 'device' | 'port'>): Target {
  const device = resolveDevice(cfg, job.device);
  const port = findPort(device, job.port);
  if (!port) {
    throw new DcAgentError('unknown-port', `port ${job.port} is not an inventory port of ${device.id}`, {
      details: { device: device.id, port: job.port },
    });
  }
  return { device, port };
}

/** The port intent of a provision job; job fields that contradict the inventory are `invalid-job`. */
export function provisionIntent(job: ProvisionJob, target: Target): PortIntent {
  const issues: FieldIssue[] = [];
  if (job.portType && job.portType !== target.port.portType) {
    issues.push({
      path: 'portType',
      message: `port ${target.port.name} is ${target.port.portType} in the inventory`,
    });
  }
  if (job.bandwidthMbps !== undefined && job.bandwidthMbps > target.port.speedMbps) {
    issues.push({
      path: 'bandwidthMbps',
      message: `exceeds the port speed of ${target.port.speedMbps} Mbps`,
    });
  }
  if (issues.length > 0) throw new InvalidJobError(issues);
  return {
    port: target.port.name,
    description: portDescription(job.connectionId, job.description),
    enabled: true,
    portType: target.port.portType,
    ...(job.bandwidthMbps !== undefined ? { bandwidthMbps: job.bandwidthMbps } : {}),
  };
}

/** What a cleared port looks like: no description, administratively down. */
export function clearIntent(job: DeprovisionJob, target: Target): PortIntent {
  return { port: job.port, description: '', enabled: false, portType: target.port.portType };
}

/** `port-in-use` when the port's description names another connection. */
export function assertPortFree(current: PortConfigState, connectionId: string, target: Target): void {
  const owner = connectionOfDescription(current.description);
  if (owner && owner !== connectionId) {
    throw new DcAgentError(
      'port-in-use',
      `port ${target.port.name} on ${target.device.id} is configured for ${owner}`,
      { retryable: false },
    );
  }
}
