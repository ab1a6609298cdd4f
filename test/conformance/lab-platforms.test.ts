// The shared DeviceDriver suite against a lab switch of every NETCONF model the lab serves: a
// platform added to LAB_PLATFORMS is tested here with no new test code (the CLI dialects have
// lab-cli-platforms.test.ts). The ncclient witness reads what
// landed where there is one for the model (test/conformance/vendor-witness.ts); PVIs are the
// lab's own (SimSwitch.addSubinterface, the vendor's way of making one).
import type { Platform } from '../../contract/port-types.js';
import { createDriver } from '../../drivers/factory/factory.js';
import { LAB_PLATFORMS } from '../../lab/netconf/platforms/index.js';
import { driverConformanceSuite } from './driver-suite.js';
import { clientKey, labForFile, labOutOfBand, labPeerInfo } from './lab-suite.js';
import { PORT_READERS } from './vendor-witness.js';

// These two have files of their own (lab-ietf.test.ts, lab-openconfig.test.ts).
const OWN_FILE: ReadonlySet<Platform> = new Set(['ietf-interfaces', 'openconfig']);

const key = clientKey();
for (const [name, platform] of LAB_PLATFORMS) {
  if (OWN_FILE.has(name)) continue;
  const lab = labForFile({ devices: 1, ports: 4, platform: name, idPrefix: `conf-${name}-` }, key);
  const device = async () => (await lab()).devices[0]!;
  const read = PORT_READERS[name];
  driverConformanceSuite(
    `${name} on a lab switch`,
    async () => createDriver((await lab()).deviceConfig((await device()).id, { confirmTimeoutSeconds: 30 })),
    {
      name: `lab-${name}`,
      ports: [platform.portName('10GBASE-LR', 1), platform.portName('10GBASE-LR', 2)],
      ...(read
        ? { independentRead: async (port: string) => read(labPeerInfo(await device(), key), port) }
        : {}),
      addSubinterface: async (port, vlan) => (await device()).sim.addSubinterface(port, vlan),
      removeSubinterface: async (port, vlan) => (await device()).sim.removeSubinterface(port, vlan),
      outOfBand: labOutOfBand(device),
    },
  );
}
