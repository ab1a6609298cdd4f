// The shared DeviceDriver suite against the lab's ietf-interfaces switch, as against netconfd.
import { labConformanceSuite } from './lab-suite.js';

labConformanceSuite('ietf-interfaces', 'ietf');
