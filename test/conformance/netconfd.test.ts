// The shared DeviceDriver suite against real netconfd: once with ietf-interfaces, once with the
// real OpenConfig YANG loaded (netconfd then validates our payloads against openconfig-interfaces).
import { inject } from 'vitest';
import { createDriver } from '../../drivers/factory.js';
import { driverConformanceSuite } from './driver-suite.js';
import { deviceForPeer } from './netconf-device.js';
import {
  type Model,
  ncclientAddSubinterface,
  ncclientReadPort,
  ncclientRemoveInterface,
} from './netconf-peer-tools.js';

const peers = inject('peers');
const PORTS: [string, string] = ['10GE1/0/11', '10GE1/0/12'];

function suite(model: Model, platform: 'ietf-interfaces' | 'openconfig') {
  const peer = model === 'ietf' ? peers.netconf.ietf : peers.netconf.openconfig;
  if (!peer) {
    // The rig skips the OpenConfig instance when the vendor YANG folder is missing.
    console.warn(`conformance ${platform}: skipped, no OpenConfig YANG at ${peers.yang.dir}`);
    return;
  }
  driverConformanceSuite(
    `${platform} on netconfd`,
    () => createDriver(deviceForPeer(peer, { id: `conf-${model}`, platform, ports: PORTS })),
    {
      name: `netconfd-${model}`,
      ports: PORTS,
      independentRead: (port) => ncclientReadPort(peer, model, port),
      addSubinterface: (port, vlan) => ncclientAddSubinterface(peer, model, port, vlan),
      removeSubinterface: (port, vlan) => ncclientRemoveInterface(peer, model, `${port}.${vlan}`),
    },
  );
}

suite('ietf', 'ietf-interfaces');
suite('openconfig', 'openconfig');
