// The shared DeviceDriver suite against real netconfd: once with ietf-interfaces, once with the
// real OpenConfig YANG loaded (netconfd then validates our payloads against openconfig-interfaces).
import { inject } from 'vitest';
import { createDriver } from '../../drivers/factory/factory.js';
import { driverConformanceSuite } from './driver-suite.js';
import { deviceForPeer } from './netconf-device.js';
import {
  type Model,
  ncclientAddSubinterface,
  ncclientReadPort,
  ncclientRemoveInterface,
} from './netconf-peer-tools.js';
import { VENDOR_WITNESSES } from './vendor-witness.js';

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

// huawei-vrp against huawei-ifm itself: netconfd checks every leaf, range and leafref as a VRP8
// router would. Its ports are seeded at start, as a router has them (testkit/peers/netconf.ts).
const huawei = peers.netconf.huawei;
const HUAWEI_PORTS: [string, string] = ['10GE1/0/3', '10GE1/0/4'];
if (!huawei) {
  console.warn(`conformance huawei-vrp: skipped, no Huawei YANG at ${peers.yang.dir}/huawei`);
} else {
  const witness = VENDOR_WITNESSES['huawei-vrp']!;
  driverConformanceSuite(
    'huawei-vrp on netconfd (huawei-ifm)',
    () =>
      createDriver(deviceForPeer(huawei, { id: 'conf-huawei', platform: 'huawei-vrp', ports: HUAWEI_PORTS })),
    {
      name: 'netconfd-huawei',
      ports: HUAWEI_PORTS,
      independentRead: (port) => witness.readPort(huawei, port),
      addSubinterface: (port, vlan) => witness.addSubinterface(huawei, port, vlan),
      removeSubinterface: (port, vlan) => witness.removeSubinterface(huawei, port, vlan),
    },
  );
}
