// The benchmark's device simulator, run as a child process so its CPU is not counted as the
// agent's: N devices, each an SNMP v2c agent on its own loopback UDP port, answering from
// prebuilt byte strings (testkit/fakes/snmp-agent.ts); what they serve is bench/snmp-sim-model.ts.
//
// Protocol with the parent (IPC): it sends { ports: number[] } once every socket is bound, and
// exits when the parent disconnects or sends 'stop'.
import { FakeSnmpAgent } from '../testkit/fakes/snmp-agent.js';
import { deviceMib, SIM_COMMUNITY } from './snmp-sim-model.js';

async function main(): Promise<void> {
  const devices = Number(process.argv[2] ?? 500);
  const portsPerDevice = Number(process.argv[3] ?? 20);
  // One MIB object serves every device: answering only reads it.
  const mib = deviceMib(portsPerDevice);
  const agents: FakeSnmpAgent[] = [];
  for (let d = 0; d < devices; d++)
    agents.push(await FakeSnmpAgent.start({ communities: { [SIM_COMMUNITY]: mib } }));
  const stop = async () => {
    await Promise.all(agents.map((a) => a.close()));
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('message', (m) => {
    if (m === 'stop') void stop();
  });
  process.send?.({ ports: agents.map((a) => a.port) });
}

if (!process.send) {
  process.stderr.write('bench/snmp-sim runs as a child of bench/snmp (it needs an IPC channel)\n');
  process.exit(2);
}
void main();
