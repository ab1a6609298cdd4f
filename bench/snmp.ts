// `npm run bench:snmp`: the agent polling 10,000 ports on 500 simulated devices over loopback,
// against prometheus-snmp-exporter scraping the same OIDs from the same simulator.
//
// - The simulator (bench/snmp-sim.ts) is a child process, so its CPU is not the agent's.
// - Agent side: what the monitor runs per device: SnmpPoller.poll (one net-snmp session per
//   device, the default varbinds per PDU, the configured in-flight caps) at most maxDevicesInFlight devices
//   at a time, and each port's result stepped through the health tracker, over full cycles after
//   warm-up cycles.
//   CPU is process.cpuUsage() of this process across the measured cycles.
// - Exporter side: a hand-written snmp.yml module GETting the same 81 OIDs per device in PDUs of
//   the same size; CPU is utime+stime of the exporter process from /proc across full rounds of
//   500 scrapes. Its HTTP and text encoding are part of its cost, as they are when used.
//
// Targets (printed, not asserted): ≤ 25 µs agent CPU per port-poll and no more than the
// exporter's; a full cycle of 10,000 ports < 5 s; RSS ≤ 200 MB.
// The last line is one JSON object for machines.
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ResolvedThresholds, resolveThresholds } from '../agent/health/lane-state.js';
import { initialState, type PortTrackState } from '../agent/health/track-state.js';
import { step } from '../agent/health/tracker.js';
import { DEFAULTS, type PortThresholds } from '../config/defaults.js';
import { type AgentConfig, buildConfig } from '../config/load.js';
import type { LaneThresholds } from '../contract/optics.js';
import { Semaphore } from '../core/semaphore.js';
import type { PortPollResult } from '../drivers/snmp/poll-result.js';
import { SnmpPoller } from '../drivers/snmp/poller.js';
import { spawnOwned } from './owned-child.js';
import { IF_INDEX_BASE, SIM_COMMUNITY, SIM_OIDS, simPortName, simReadings } from './snmp-sim-model.js';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const PORTS_PER_DEVICE = Number(process.env.BENCH_PORTS_PER_DEVICE ?? 20);
const PORTS = DEVICES * PORTS_PER_DEVICE;
const WARMUP_CYCLES = 3;
const CYCLES = Number(process.env.BENCH_CYCLES ?? 20);
const EXPORTER_ROUNDS = 3;
const SCRAPE_CONCURRENCY = 32;
const EXPORTER_BIN = 'prometheus-snmp-exporter';

const log = (line: string) => process.stdout.write(`${line}\n`);

interface Sim {
  ports: number[];
  proc: ChildProcess;
}

function startSim(): Promise<Sim> {
  const proc = fork(new URL('./snmp-sim.js', import.meta.url), [String(DEVICES), String(PORTS_PER_DEVICE)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`simulator exited early (${code})`)));
    proc.once('message', (m) => resolve({ ports: (m as { ports: number[] }).ports, proc }));
  });
}

function agentConfig(simPorts: readonly number[]): AgentConfig {
  const ports = Array.from({ length: PORTS_PER_DEVICE }, (_, i) => simPortName(i + 1));
  const env = { BENCH_COMMUNITY: SIM_COMMUNITY, BENCH_NC_PASS: 'unused-by-the-bench' };
  return buildConfig(
    {
      devices: simPorts.map((port, d) => ({
        id: `sim-${String(d).padStart(3, '0')}`,
        host: '127.0.0.1',
        platform: 'ietf-interfaces',
        portType: '10GBASE-LR',
        ports,
        netconf: { username: 'bench', passwordEnv: 'BENCH_NC_PASS', insecureAcceptAnyHostKey: true },
        snmp: { port, version: '2c', communityEnv: 'BENCH_COMMUNITY' },
        optics: 'h3c',
      })),
    },
    { env },
  );
}

function check(results: readonly PortPollResult[]): string[] {
  const problems: string[] = [];
  for (const r of results) {
    if (!r.ok) {
      problems.push(`${r.device} ${r.port}: ${r.reason}`);
      continue;
    }
    const i = Number(r.port.slice(r.port.lastIndexOf('/') + 1));
    const want = simReadings(i);
    if (r.operStatus !== 'up' || r.rxDbm[0] !== want.rx / 100 || r.txDbm[0] !== want.tx / 100) {
      problems.push(`${r.device} ${r.port}: unexpected reading ${JSON.stringify(r.lanes)}`);
    }
    // The module's own bounds, read at discovery, must reach every reading (issue 15).
    if (r.moduleThresholds?.rx.lowAlarm !== -14.4)
      problems.push(`${r.device} ${r.port}: no module thresholds`);
  }
  return problems;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function benchAgent(cfg: AgentConfig) {
  const poller = new SnmpPoller(cfg.devices, cfg.monitoring);
  const devicesInFlight = new Semaphore(cfg.monitoring.maxDevicesInFlight);
  // The monitor keeps each port's thresholds and tracker state with the connection; so does the bench.
  // As the monitor does, the bounds are resolved from the module's (then the config's) once per
  // module, and every step keeps the warning episodes too.
  interface BenchPort {
    thresholds: PortThresholds;
    module: LaneThresholds | undefined;
    judged: ResolvedThresholds;
    state: PortTrackState;
  }
  const ports = new Map<string, Map<string, BenchPort>>();
  for (const d of cfg.devices) {
    ports.set(
      d.id,
      new Map(
        d.ports.map((p) => [
          p.name,
          {
            thresholds: p.thresholds,
            module: undefined,
            judged: resolveThresholds(p.thresholds, undefined),
            state: initialState(d.id, p.name),
          },
        ]),
      ),
    );
  }
  const observe = (results: readonly PortPollResult[]) => {
    for (const r of results) {
      const port = ports.get(r.device)!.get(r.port)!;
      if (r.ok && r.moduleThresholds !== port.module) {
        port.module = r.moduleThresholds;
        port.judged = resolveThresholds(port.thresholds, port.module);
      }
      const j = port.judged;
      port.state = step(port.state, r, j.alarm, Date.now(), cfg.monitoring, j.bounds).state;
    }
  };
  // As the monitor polls: each device's results are stepped as soon as that device is done.
  // The bench also checks every reading, outside the CPU window (see `measured`).
  let problems: string[] = [];
  let seen = 0;
  let measuring = false;
  let checkUs = 0;
  const cycle = async () => {
    seen = 0;
    const onResults = (results: PortPollResult[]) => {
      observe(results);
      const c0 = measuring ? process.cpuUsage() : undefined;
      seen += results.length;
      for (const p of check(results)) problems.push(p);
      if (c0) {
        const c = process.cpuUsage(c0);
        checkUs += c.user + c.system;
      }
    };
    await Promise.all(
      cfg.devices.map((d) => devicesInFlight.run(async () => onResults(await poller.poll(d.id)))),
    );
    if (seen !== PORTS) problems.push(`${seen} results for ${PORTS} ports`);
  };
  const t0 = performance.now();
  await cycle();
  const firstMs = performance.now() - t0;
  if (problems.length > 0) throw new Error(`first cycle wrong:\n  ${problems.slice(0, 10).join('\n  ')}`);
  for (let i = 1; i < WARMUP_CYCLES; i++) await cycle();
  problems = [];
  measuring = true;
  let rss = process.memoryUsage().rss;
  const walls: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < CYCLES; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await cycle();
    walls.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  // The bench's own checking ran inside the cycles; it is not the agent's work.
  cpuUs -= checkUs;
  const failures = problems.length;
  poller.close();
  return {
    firstCycleMs: firstMs,
    cycleMs: median(walls),
    cycleMsMax: Math.max(...walls),
    cpuUsPerPortPoll: cpuUs / (CYCLES * PORTS),
    rssMb: rss / (1024 * 1024),
    failures,
  };
}

function exporterYaml(): string {
  const get: string[] = [SIM_OIDS.sysUpTime];
  for (let i = 1; i <= PORTS_PER_DEVICE; i++) {
    const ifIndex = IF_INDEX_BASE + i;
    get.push(
      `${SIM_OIDS.ifAdminStatus}.${ifIndex}`,
      `${SIM_OIDS.ifOperStatus}.${ifIndex}`,
      `${SIM_OIDS.rx}.${ifIndex}`,
      `${SIM_OIDS.tx}.${ifIndex}`,
    );
  }
  const metric = (name: string, oid: string, indexed = true) =>
    [
      `    - name: ${name}`,
      `      oid: ${oid}`,
      '      type: gauge',
      `      help: ${name}`,
      ...(indexed ? ['      indexes:', '        - labelname: ifIndex', '          type: gauge'] : []),
    ].join('\n');
  // Written by hand: the Debian package ships no snmp.yml. Format of snmp_exporter 0.21; GETs
  // are batched by max_repetitions, set to the agent's count (the agent also reads each port's
  // name back, and cuts its PDUs smaller where an answer would not fit a frame: both send two).
  return [
    'dcagent_bench:',
    '  version: 2',
    '  auth:',
    `    community: ${SIM_COMMUNITY}`,
    '  timeout: 5s',
    '  retries: 1',
    `  max_repetitions: ${DEFAULTS.snmpVarbindsV2c}`,
    '  get:',
    ...get.map((o) => `    - ${o}`),
    '  metrics:',
    metric('sysUpTime', '1.3.6.1.2.1.1.3', false),
    metric('ifAdminStatus', SIM_OIDS.ifAdminStatus),
    metric('ifOperStatus', SIM_OIDS.ifOperStatus),
    metric('hh3cTransceiverCurRXPower', SIM_OIDS.rx),
    metric('hh3cTransceiverCurTXPower', SIM_OIDS.tx),
    '',
  ].join('\n');
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function httpGet(agent: Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/** utime + stime of a process, in µs, from /proc/<pid>/stat. */
function cpuOfPid(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

async function benchExporter(simPorts: readonly number[]) {
  const dir = mkdtempSync(join(tmpdir(), 'dcagent-bench-exporter-'));
  const file = join(dir, 'snmp.yml');
  writeFileSync(file, exporterYaml());
  const port = await freeTcpPort();
  const proc = spawnOwned(
    EXPORTER_BIN,
    [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr?.on('data', (c) => {
    stderr += String(c);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: SCRAPE_CONCURRENCY });
  try {
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('spawn', () => resolve());
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        if ((await httpGet(agent, port, '/')).status === 200) break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`${EXPORTER_BIN} did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const round = async () => {
      let next = 0;
      let bad = 0;
      let sample = '';
      await Promise.all(
        Array.from({ length: SCRAPE_CONCURRENCY }, async () => {
          while (next < simPorts.length) {
            const sp = simPorts[next++]!;
            const { status, body } = await httpGet(
              agent,
              port,
              `/snmp?target=127.0.0.1:${sp}&module=dcagent_bench`,
            );
            const rxLines = body.split('\n').filter((l) => l.startsWith('hh3cTransceiverCurRXPower{')).length;
            if (status !== 200 || rxLines !== PORTS_PER_DEVICE) bad++;
            sample ||= body;
          }
        }),
      );
      return { bad, sample };
    };
    const warm = await round();
    if (warm.bad > 0)
      throw new Error(`exporter: ${warm.bad} bad scrapes; sample:\n${warm.sample.slice(0, 2000)}`);
    const want = `hh3cTransceiverCurRXPower{ifIndex="${IF_INDEX_BASE + 1}"} ${simReadings(1).rx}`;
    if (!warm.sample.includes(want)) throw new Error(`exporter output lacks "${want}"`);
    const c0 = cpuOfPid(proc.pid!, ticks);
    const w0 = performance.now();
    let bad = 0;
    for (let i = 0; i < EXPORTER_ROUNDS; i++) bad += (await round()).bad;
    const wallMs = (performance.now() - w0) / EXPORTER_ROUNDS;
    const cpu = cpuOfPid(proc.pid!, ticks) - c0;
    return { exporterCpuUsPerPortPoll: cpu / (EXPORTER_ROUNDS * PORTS), exporterRoundMs: wallMs, bad };
  } finally {
    agent.destroy();
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

async function main(): Promise<void> {
  log(
    `bench:snmp: ${DEVICES} devices x ${PORTS_PER_DEVICE} ports = ${PORTS} ports, simulator in a child process`,
  );
  const sim = await startSim();
  try {
    const cfg = agentConfig(sim.ports);
    log(
      `agent: ${cfg.monitoring.varbindsPerPduV2c} varbinds/PDU, ${cfg.monitoring.maxDevicesInFlight} devices in flight, ` +
        `${cfg.monitoring.maxInFlightPerDevice} requests in flight per device, ${cfg.monitoring.maxInFlight} per agent; ` +
        `${WARMUP_CYCLES} warm-up + ${CYCLES} measured cycles`,
    );
    const a = await benchAgent(cfg);
    log(`agent: first cycle (port resolution + plan) ${fmt(a.firstCycleMs, 0)} ms`);
    log(
      `agent: cycle wall ${fmt(a.cycleMs, 0)} ms median, ${fmt(a.cycleMsMax, 0)} ms max; failed port-polls ${a.failures}`,
    );
    log(`agent: CPU ${fmt(a.cpuUsPerPortPoll, 2)} µs per port-poll; RSS ${fmt(a.rssMb)} MB`);
    const e = await benchExporter(sim.ports);
    log(
      `exporter (${EXPORTER_BIN}): CPU ${fmt(e.exporterCpuUsPerPortPoll, 2)} µs per port-poll; ` +
        `${fmt(e.exporterRoundMs, 0)} ms per round of ${DEVICES} scrapes; bad scrapes ${e.bad}`,
    );
    log('targets:');
    log(
      `  agent CPU ≤ 25 µs per port-poll: ${fmt(a.cpuUsPerPortPoll, 2)} µs ${verdict(a.cpuUsPerPortPoll <= 25)}`,
    );
    log(
      `  agent CPU ≤ exporter CPU: ${fmt(a.cpuUsPerPortPoll, 2)} vs ${fmt(e.exporterCpuUsPerPortPoll, 2)} µs ${verdict(a.cpuUsPerPortPoll <= e.exporterCpuUsPerPortPoll)}`,
    );
    log(`  full cycle < 5 s: ${fmt(a.cycleMs, 0)} ms ${verdict(a.cycleMsMax < 5_000)}`);
    log(`  RSS ≤ 200 MB: ${fmt(a.rssMb)} MB ${verdict(a.rssMb <= 200)}`);
    log(
      JSON.stringify({
        bench: 'snmp',
        ports: PORTS,
        cpuUsPerPortPoll: Number(a.cpuUsPerPortPoll.toFixed(2)),
        exporterCpuUsPerPortPoll: Number(e.exporterCpuUsPerPortPoll.toFixed(2)),
        cycleMs: Math.round(a.cycleMs),
        rssMb: Number(a.rssMb.toFixed(1)),
      }),
    );
  } finally {
    sim.proc.removeAllListeners('exit');
    sim.proc.send('stop');
    sim.proc.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(
    `bench:snmp failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
