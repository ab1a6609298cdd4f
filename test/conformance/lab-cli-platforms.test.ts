// The shared DeviceDriver suite against a lab switch of every CLI dialect the lab serves, over
// real SSH: a dialect added to LAB_CLI_PLATFORMS is tested here with no new test code. The
// independent reading is the emulator's own state (never our parser of its output); PVIs are the
// lab's (SimSwitch.addSubinterface: an `interface <port>.<vlan>` block in the running config).
import { createDriver } from '../../drivers/factory/factory.js';
import { LAB_CLI_PLATFORMS } from '../../lab/cli-device/platforms.js';
import { driverConformanceSuite } from './driver-suite.js';
import { clientKey, labForFile, labOutOfBand } from './lab-suite.js';

const key = clientKey();
for (const [name, platform] of LAB_CLI_PLATFORMS) {
  const lab = labForFile({ devices: 1, ports: 4, platform: name, idPrefix: `conf-${name}-` }, key);
  const device = async () => (await lab()).devices[0]!;
  driverConformanceSuite(
    `${name} on a lab CLI switch over SSH`,
    async () => createDriver((await lab()).deviceConfig((await device()).id)),
    {
      name: `lab-${name}`,
      ports: [platform.portName('10GBASE-LR', 1), platform.portName('10GBASE-LR', 2)],
      independentRead: async (port) => {
        const p = (await device()).sim.cli.port(port);
        return (
          p && { ...(p.description !== undefined ? { description: p.description } : {}), enabled: p.enabled }
        );
      },
      addSubinterface: async (port, vlan) => (await device()).sim.addSubinterface(port, vlan),
      removeSubinterface: async (port, vlan) => (await device()).sim.removeSubinterface(port, vlan),
      outOfBand: labOutOfBand(device),
      // A line break would end the command early; CLI drivers refuse it instead of sending it.
      lineOriented: { refused: /[\r\n]/g },
    },
  );
}
