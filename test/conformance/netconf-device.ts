// Turns a rig NETCONF peer into the inventory entry the agent would have for it, through the real
// config loader, so tests exercise the same DeviceConfig production code sees.
import type { DeviceConfig } from '../../config/load.js';
import type { Platform } from '../../contract/port-types.js';
import type { NetconfPeerInfo } from '../../testkit/peers/types.js';
import { testDevice } from '../helpers/device-config.js';

export interface PeerDeviceOptions {
  id?: string;
  platform: Platform;
  ports: string[];
  confirmTimeoutSeconds?: number;
  rpcTimeoutMs?: number;
  hostKey?: string;
}

export function deviceForPeer(peer: NetconfPeerInfo, o: PeerDeviceOptions): DeviceConfig {
  return testDevice({
    id: o.id ?? `nc-${peer.name}`,
    host: peer.host,
    platform: o.platform,
    ports: o.ports,
    netconf: {
      port: peer.port,
      username: peer.username,
      privateKeyFile: peer.privateKeyPath,
      hostKey: o.hostKey ?? peer.hostKeySha256,
      connectTimeoutMs: 10_000,
      rpcTimeoutMs: o.rpcTimeoutMs ?? 15_000,
      confirmTimeoutSeconds: o.confirmTimeoutSeconds ?? 30,
    },
  });
}
