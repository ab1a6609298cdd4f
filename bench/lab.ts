// bench:lab — how fast the device lab starts at scale, and what answering a full SNMP poll costs it.
//
//   npm run bench:lab [-- --devices 500 --ports 20 --optics huawei --parallel 32 --rounds 3]
//
// 1. startLab() with N switches × M ports, every fibre patched and every port provisioned (the
//    agent's own ietf-interfaces payload merged into running), so the optics read live light.
// 2. A full poll: one SNMP GET per switch for sysUpTime plus, per port, ifAdminStatus,
//    ifOperStatus and the vendor's light OIDs (what the agent polls). The client is net-snmp in a
//    process of its own (bench/lab-client.ts: a session per switch, at most `parallel` switches
//    in flight), so this process, the lab's, does nothing but answer, and its CPU over a round
//    (process.cpuUsage) is the lab's cost: reported per port answered. Every reply is checked
//    (varbind count, no noSuch*). The wall time is the client's, from its first request to its
//    last answer; the figures are the medians of the rounds.
//
// The last line is one JSON object:
// {"bench":"lab","devices":…,"ports":…,"startMs":…,"fullPollMs":…,"labCpuUsPerPort":…}
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { OID } from '../drivers/mib/mib.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import { startLab } from '../lab/index.js';
import { VENDOR_MIBS } from '../lab/snmp/optics-mib.js';
import { provisionAllPorts } from '../testkit/tracked-fleet.js';

const COMMUNITY = 'lab-bench';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '500' },
    ports: { type: 'string', default: '20' },
    optics: { type: 'string', default: 'huawei' },
    parallel: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
  },
});
const devices = Number(values.devices);
const ports = Number(values.ports);
const parallel = Number(values.parallel);
const rounds = Number(values.rounds);
const optics = values.optics as OpticsAdapterId;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface RoundReply {
  type: 'round';
  ms: number;
  varbinds: number;
  bad: number;
  failed: number;
}

/** The client process, set up with one session per switch. */
function startClient(snmpPorts: readonly number[], oids: readonly string[]): Promise<ChildProcess> {
  const child = fork(new URL('./lab-client.ts', import.meta.url), [], {
    execArgv: ['--import', new URL('./register.mjs', import.meta.url).href],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`SNMP client exited early (${code})`)));
    child.once('message', () => resolve(child));
    child.send({ type: 'setup', ports: snmpPorts, oids, community: COMMUNITY, parallel });
  });
}

function clientRound(client: ChildProcess): Promise<RoundReply> {
  return new Promise((resolve) => {
    client.once('message', (m) => resolve(m as RoundReply));
    client.send({ type: 'round' });
  });
}

async function main(): Promise<void> {
  const mem0 = process.memoryUsage();
  const lab = await startLab({
    devices,
    ports,
    optics,
    patched: true,
    linkUpDelayMs: 0,
    community: COMMUNITY,
    controlPort: false,
  });
  const mem1 = process.memoryUsage();
  console.log(
    `lab: ${devices} switches × ${ports} ports (${optics}) started in ${lab.startMs} ms; ` +
      `rss +${mb(mem1.rss - mem0.rss)}, heap +${mb(mem1.heapUsed - mem0.heapUsed)} ` +
      `(${((mem1.rss - mem0.rss) / devices / 1024).toFixed(0)} KiB per switch)`,
  );
  try {
    // Provision every port with the agent's own payload, so admin, oper and Tx are all live.
    provisionAllPorts(lab.devices);
    const first = lab.devices[0]!;
    const vendor = VENDOR_MIBS[optics];
    // Every switch has the same layout, so one OID list serves all of them.
    const oids: string[] = [OID.sysUpTime];
    for (const p of first.sim.ports) {
      oids.push(`${OID.ifAdminStatus}.${p.ifIndex}`, `${OID.ifOperStatus}.${p.ifIndex}`);
      const mp = { name: p.name, ifIndex: p.ifIndex, portType: p.portType, lanes: p.laneCount };
      for (const r of vendor.lightRows(mp, first.sim.light(p))) oids.push(r.oid);
    }
    const snmpPorts = lab.devices.map((d) => d.snmp.port);
    console.log(
      `poll: one GET of ${oids.length} varbinds per switch, net-snmp in another process, ` +
        `${parallel} switches in flight, ${rounds} round(s)`,
    );
    const client = await startClient(snmpPorts, oids);
    const times: number[] = [];
    const cpuPerPort: number[] = [];
    try {
      for (let r = 1; r <= rounds; r++) {
        const cpu0 = process.cpuUsage();
        const { ms, varbinds, bad, failed } = await clientRound(client);
        const cpu = process.cpuUsage(cpu0);
        const expected = devices * oids.length;
        if (varbinds !== expected || bad > 0 || failed > 0) {
          throw new Error(
            `round ${r}: ${varbinds} varbinds back, ${expected} expected, ${bad} noSuch*, ${failed} switches failed`,
          );
        }
        const cpuMs = (cpu.user + cpu.system) / 1000;
        times.push(ms);
        cpuPerPort.push((cpuMs * 1000) / (devices * ports));
        console.log(
          `  round ${r}: ${ms.toFixed(0)} ms for ${varbinds} varbinds; lab CPU ${cpuMs.toFixed(0)} ms ` +
            `= ${cpuPerPort.at(-1)!.toFixed(1)} µs per port answered; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
        );
      }
    } finally {
      client.removeAllListeners('exit');
      client.send({ type: 'stop' });
    }
    const fullPollMs = Math.round(median(times));
    const labCpuUsPerPort = Number(median(cpuPerPort).toFixed(1));
    console.log(
      `full poll of ${devices * ports} ports: ${fullPollMs} ms (median of ${rounds}; target < 2000), ` +
        `lab CPU ${labCpuUsPerPort} µs per port answered`,
    );
    console.log(
      JSON.stringify({
        bench: 'lab',
        devices,
        ports: devices * ports,
        startMs: lab.startMs,
        fullPollMs,
        labCpuUsPerPort,
      }),
    );
  } finally {
    await lab.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
