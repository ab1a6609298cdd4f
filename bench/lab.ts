// bench:lab — how fast the device lab starts at scale and how fast it answers a full SNMP poll.
//
//   npm run bench:lab [-- --devices 500 --ports 20 --optics huawei --parallel 8 --rounds 3]
//
// 1. startLab() with N switches × M ports, every fibre patched and every port provisioned (the
//    agent's own ietf-interfaces payload merged into running), so the optics read live light.
// 2. A full poll: one SNMP GET per switch for sysUpTime plus, per port, ifAdminStatus,
//    ifOperStatus and the vendor's light OIDs (what the agent polls). The C tools drive it:
//    one `xargs -P <parallel>` runs `snmpget` once per switch, so Node spends its time answering
//    and none spawning. Every reply is checked (varbind count, no noSuch*). The figure is the
//    median wall time of the rounds, from xargs start to its exit.
//
// The last line is one JSON object: {"bench":"lab","devices":…,"ports":…,"startMs":…,"fullPollMs":…}.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { OID } from '../drivers/mib/mib.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import { startLab } from '../lab/index.js';
import { VENDOR_MIBS } from '../lab/snmp/optics-mib.js';

const COMMUNITY = 'lab-bench';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '500' },
    ports: { type: 'string', default: '20' },
    optics: { type: 'string', default: 'huawei' },
    parallel: { type: 'string', default: String(Math.max(4, cpus().length * 4)) },
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

const TIME = '/usr/bin/time';

/**
 * Runs one full poll through xargs; resolves with its wall time, what came back, and the CPU the
 * C tools used (from /usr/bin/time when present), so a slow round shows where the time went.
 */
function fullPoll(
  snmpPorts: readonly number[],
  oids: readonly string[],
): Promise<{ ms: number; lines: string[]; toolsCpuMs?: number }> {
  const xargs = [
    'xargs',
    '-P',
    String(parallel),
    '-I{}',
    'snmpget',
    '-v2c',
    '-c',
    COMMUNITY,
    '-On',
    '-Oq',
    '-t',
    '2',
    '-r',
    '1',
    '127.0.0.1:{}',
    ...oids,
  ];
  const timed = existsSync(TIME);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = timed
      ? spawn(TIME, ['-f', 'cpu %U %S', ...xargs], { stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(xargs[0]!, xargs.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(err);
      if (code !== 0) reject(new Error(`xargs/snmpget exited ${code}: ${err.trim()}`));
      else {
        resolve({
          ms,
          lines: Buffer.concat(chunks).toString('utf8').trim().split('\n'),
          ...(cpu ? { toolsCpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}),
        });
      }
    });
    child.stdin.end(`${snmpPorts.join('\n')}\n`);
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
    for (const d of lab.devices) {
      for (const p of d.ports) {
        d.sim.netconf.applyExternal(
          d.sim.platform.driver.intentPayload({
            port: p.name,
            description: `HC bench-${p.ifIndex} load`,
            enabled: true,
            portType: p.portType,
          }),
          'bench provisioning',
        );
      }
    }
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
      `poll: one GET of ${oids.length} varbinds per switch, snmpget via xargs -P ${parallel}, ${rounds} round(s)`,
    );
    const times: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const cpu0 = process.cpuUsage();
      const { ms, lines, toolsCpuMs } = await fullPoll(snmpPorts, oids);
      const cpu = process.cpuUsage(cpu0);
      const expected = devices * oids.length;
      const bad = lines.filter((l) => /No Such|No more variables|Timeout/i.test(l)).length;
      if (lines.length !== expected || bad > 0) {
        throw new Error(`round ${r}: ${lines.length} varbinds back, ${expected} expected, ${bad} bad`);
      }
      const light = lines.filter((l) => l.startsWith(`.${OID.ifOperStatus}.`) && l.endsWith(' 1')).length;
      times.push(ms);
      console.log(
        `  round ${r}: ${ms.toFixed(0)} ms for ${lines.length} varbinds (${light} ports oper up); ` +
          `lab CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms` +
          (toolsCpuMs !== undefined ? `, snmpget/xargs CPU ${toolsCpuMs.toFixed(0)} ms` : '') +
          `; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    const fullPollMs = Math.round(sorted[Math.floor(sorted.length / 2)]!);
    console.log(`full poll of ${devices * ports} ports: ${fullPollMs} ms (median of ${rounds})`);
    console.log(
      JSON.stringify({ bench: 'lab', devices, ports: devices * ports, startMs: lab.startMs, fullPollMs }),
    );
  } finally {
    await lab.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
