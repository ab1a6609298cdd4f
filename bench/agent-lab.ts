// The lab half of bench:agent, in a process of its own so the agent's CPU and the lab's never
// mix: N switches × M ports, every fibre patched and every port provisioned on the switch, one
// tracked-connection record per port in Redis, and the control API for the fibre cuts.
//
//   node --import ./bench/register.mjs bench/agent-lab.ts --devices 500 --ports 20 \
//     --redis-url redis://… --config-out FILE --interval 10 [--trap-target host:port …]
//
// Prints one JSON line when ready ({"ready":true,"controlUrl":…,"connections":[…]}), then runs
// until SIGTERM.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startLab } from '../lab/index.js';
import { provisionAllPorts, seedTrackedConnections, trackedConnectionId } from '../testkit/tracked-fleet.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '500' },
    ports: { type: 'string', default: '20' },
    'redis-url': { type: 'string' },
    prefix: { type: 'string', default: 'dcagent' },
    'config-out': { type: 'string' },
    interval: { type: 'string', default: '10' },
    /** Where the switches send linkDown/linkUp (repeatable); none: no traps. */
    'trap-target': { type: 'string', multiple: true, default: [] },
  },
});
const redisUrl = values['redis-url'];
const configOut = values['config-out'];
if (!redisUrl || !configOut) {
  console.error('agent-lab: --redis-url and --config-out are required');
  process.exit(2);
}

const lab = await startLab({
  devices: Number(values.devices),
  ports: Number(values.ports),
  patched: true,
  linkUpDelayMs: 0,
  sharedHostKey: true,
  configOut,
  secrets: 'files',
  redisUrl,
  monitoringIntervalSeconds: Number(values.interval),
  controlPort: 0,
  trapTargets: values['trap-target'],
});
provisionAllPorts(lab.devices);
const redis = new Redis(redisUrl);
const connections = await seedTrackedConnections(redis, values.prefix, lab.devices);
redis.disconnect();
const ports = lab.devices.flatMap((d) =>
  d.ports.map((p) => ({ device: d.id, port: p.name, connectionId: trackedConnectionId(d.id, p.ifIndex) })),
);
console.log(JSON.stringify({ ready: true, controlUrl: lab.controlUrl, startMs: lab.startMs, ports }));
console.error(`agent-lab: ${connections.length} ports tracked, ${lab.devices.length} switches`);

const stop = async () => {
  await lab.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
