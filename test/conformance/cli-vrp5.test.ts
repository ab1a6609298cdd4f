// The shared DeviceDriver suite for cli-vrp on an emulated VRP5 switch (every line takes effect at
// once), over real SSH. VRP8 and IOS run it once each as lab switches (lab-cli-platforms.test.ts);
// VRP5 is the one emulator dialect the lab does not serve.
import { emulatedCliPeer } from '../fakes/cli-peer.js';
import { driverConformanceSuite } from './driver-suite.js';

const vrp5 = emulatedCliPeer('vrp5', ['XGigabitEthernet0/0/2', 'XGigabitEthernet0/0/3']);
driverConformanceSuite('cli-vrp on an emulated VRP5 switch (immediate) over SSH', vrp5.makeDriver, vrp5.peer);
