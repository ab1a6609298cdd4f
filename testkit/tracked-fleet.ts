// A lab whose every port is provisioned and tracked, without running a provision job per port:
// what a test or a bench of steady monitoring starts from. Shared by test/ and bench/.
import { ConnectionStore } from '../agent/connections.js';
import type { RedisClient } from '../agent/redis.js';
import { RedisKeys } from '../core/redis-keys.js';
import type { NetconfLabDevice } from '../lab/index.js';

/** The connection id a tracked lab port gets: `hc-<device>-<ifIndex>`. */
export const trackedConnectionId = (device: string, ifIndex: number): string => `hc-${device}-${ifIndex}`;

/**
 * Commits the agent's own payload for every port on the switch itself (as `lab ctl edit` does),
 * so admin is up and, on a patched fibre, oper and light follow, as after a provision job.
 */
export function provisionAllPorts(devices: readonly NetconfLabDevice[]): void {
  for (const d of devices) {
    for (const p of d.ports) {
      d.sim.netconf.applyExternal(
        d.sim.platform.driver.intentPayload({
          port: p.name,
          description: `HC ${trackedConnectionId(d.id, p.ifIndex)}`,
          enabled: true,
          portType: p.portType,
        }),
        'tracked fleet provisioning',
      );
    }
  }
}

/**
 * Writes a tracked-connection record per port through the agent's own ConnectionStore, the
 * records a provision job leaves (the agent loads its tracked set from them at start and
 * whenever their version changes). Returns the connection ids.
 */
export async function seedTrackedConnections(
  redis: RedisClient,
  prefix: string,
  devices: readonly NetconfLabDevice[],
): Promise<string[]> {
  const store = new ConnectionStore(redis, new RedisKeys(prefix, 'events'));
  const ports = devices.flatMap((d) =>
    d.ports.map((p) => ({
      connectionId: trackedConnectionId(d.id, p.ifIndex),
      device: d.id,
      port: p.name,
      portType: p.portType,
    })),
  );
  // Concurrent in slices: ioredis sends a slice's commands without waiting for each reply.
  for (let i = 0; i < ports.length; i += 500) {
    await Promise.all(ports.slice(i, i + 500).map((p) => store.add(p)));
  }
  return ports.map((p) => p.connectionId);
}
