import { type AuditJob, connectionOfDescription } from '../../contract/jobs.js';
import { resolveDevice, resolveTarget } from '../intent.js';
import type { JobHandler, Prepared } from './handler.js';

/** One port as the audit read it from the device's running configuration. */
export interface AuditedPort {
  port: string;
  /** False when the device has no configuration for the port at all. */
  exists: boolean;
  description: string | null;
  enabled: boolean | null;
  /** The connection the description names, when it is one of ours. */
  connectionId: string | null;
  subinterfaces: string[];
}

/** An audit job's return value. */
export interface AuditResult {
  device: string;
  jobId: string;
  connectionId?: string;
  ports: AuditedPort[];
}

interface AuditTarget extends Prepared {
  ports: readonly string[];
  connectionId?: string;
}

/**
 * `audit`: reads the named port, or every inventory port of the device, and returns what it saw.
 * It sends nothing that changes the device and publishes no event: CONTRACT §4 has no audit event
 * type, and comparing with the recorded intent (`drift.detected`) belongs to reconciliation.
 */
export const audit: JobHandler<AuditJob, AuditTarget> = {
  name: 'audit',
  prepare(cfg, data) {
    const connection = data.connectionId ? { connectionId: data.connectionId } : {};
    if (data.port !== undefined) {
      const { device, port } = resolveTarget(cfg, { device: data.device, port: data.port });
      return { device, port: port.name, ports: [port.name], ...connection };
    }
    const device = resolveDevice(cfg, data.device);
    return { device, port: null, ports: device.ports.map((p) => p.name), ...connection };
  },
  async run(target, ctx) {
    const ports: AuditedPort[] = [];
    for (const port of target.ports) {
      const state = await ctx.driver.readPortConfig(port, { signal: ctx.signal });
      const subinterfaces = state.exists
        ? await ctx.driver.listSubinterfaces(port, { signal: ctx.signal })
        : [];
      ports.push({
        port,
        exists: state.exists,
        description: state.description ?? null,
        enabled: state.enabled ?? null,
        connectionId: connectionOfDescription(state.description) ?? null,
        subinterfaces,
      });
    }
    ctx.log.info({ ports: ports.length }, 'audited');
    const value: AuditResult = {
      device: target.device.id,
      jobId: ctx.jobId,
      ...(target.connectionId ? { connectionId: target.connectionId } : {}),
      ports,
    };
    return { outcome: 'succeeded', value };
  },
};
