// The shared DeviceDriver suite for cli-vrp, over real SSH against emulated switches (lab/cli-device):
// VRP8 with two-stage commit, and VRP5 where every line takes effect at once.
import { emulatedCliPeer } from '../fakes/cli-peer.js';
import { driverConformanceSuite } from './driver-suite.js';

const vrp8 = emulatedCliPeer('vrp8', ['10GE1/0/3', '10GE1/0/4']);
driverConformanceSuite(
  'cli-vrp on an emulated VRP8 switch (two-stage commit) over SSH',
  vrp8.makeDriver,
  vrp8.peer,
);

const vrp5 = emulatedCliPeer('vrp5', ['XGigabitEthernet0/0/2', 'XGigabitEthernet0/0/3']);
driverConformanceSuite('cli-vrp on an emulated VRP5 switch (immediate) over SSH', vrp5.makeDriver, vrp5.peer);
