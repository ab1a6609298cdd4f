// An emulated CLI switch as a conformance peer: started in the calling file's beforeAll, read
// independently through the emulator's own state (not through our parser of its output).
import { afterAll, beforeAll } from 'vitest';
import type { DeviceDriver } from '../../drivers/driver.js';
import { createDriver } from '../../drivers/factory/factory.js';
import type { CliProfileName } from '../../lab/cli-device/index.js';
import type { ConformancePeer } from '../conformance/driver-suite.js';
import { type FakeCli, startFakeCli } from './cli-server.js';

export function emulatedCliPeer(
  profile: CliProfileName,
  ports: [string, string],
): { peer: ConformancePeer; makeDriver: () => DeviceDriver } {
  let fake: FakeCli | undefined;
  beforeAll(async () => {
    fake = await startFakeCli({ profile });
  });
  afterAll(async () => {
    await fake?.stop();
  });
  const running = (): FakeCli => {
    if (!fake) throw new Error(`the emulated ${profile} switch did not start`);
    return fake;
  };
  return {
    makeDriver: () => createDriver(running().deviceConfig()),
    peer: {
      name: `emulated-${profile}`,
      ports,
      independentRead: async (port) => {
        const p = running().device.port(port);
        return (
          p && { ...(p.description !== undefined ? { description: p.description } : {}), enabled: p.enabled }
        );
      },
      addSubinterface: async (port, vlan) => running().device.addSubinterface(port, vlan),
      removeSubinterface: async (port, vlan) => running().device.removeSubinterface(port, vlan),
      // A line break would end the command early; CLI drivers refuse it instead of sending it.
      lineOriented: { refused: /[\r\n]/g },
    },
  };
}
