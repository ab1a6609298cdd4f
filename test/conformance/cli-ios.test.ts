// The shared DeviceDriver suite for cli-ios, over real SSH against an emulated IOS switch (lab/cli-device).
import { emulatedCliPeer } from '../fakes/cli-peer.js';
import { driverConformanceSuite } from './driver-suite.js';

const ios = emulatedCliPeer('ios', ['TenGigabitEthernet1/0/3', 'TenGigabitEthernet1/0/4']);
driverConformanceSuite('cli-ios on an emulated IOS switch over SSH', ios.makeDriver, ios.peer);
