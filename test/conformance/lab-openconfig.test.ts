// The shared DeviceDriver suite against the lab's OpenConfig switch, as against netconfd.
import { labConformanceSuite } from './lab-suite.js';

labConformanceSuite('openconfig', 'openconfig');
