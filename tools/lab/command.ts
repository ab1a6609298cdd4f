import { relative } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { EXIT_OK, type Output, processOutput } from '../../agent/command-line/io.js';
import type { Platform, PortType } from '../../contract/port-types.js';
import { UsageError } from '../../core/errors.js';
import type { OpticsAdapterId } from '../../drivers/optics/adapter.js';
import { PASSWORD_ENV, passwordFileName, type SecretsMode } from '../../lab/config-out.js';
import {
  LAB_PLATFORM_NAMES,
  type Lab,
  type LabOptions,
  sshOf,
  startLab,
  validateLabOptions,
} from '../../lab/index.js';
import {
  DEFAULT_LAB_CONFIG,
  DEFAULT_LAB_STATE_FILE,
  labConfigPath,
  labStateFile,
  registerLabCtl,
} from './ctl.js';

/** `dcagent lab`: starts the device lab in this process and keeps it up until SIGINT/SIGTERM. */

/** How many switches the banner spells out; the config lists them all. */
const SHOWN = 4;

export function intArg(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function fractionArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError('must be a fraction from 0 to 1');
  return n;
}

function listArg(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

interface LabCliOptions {
  devices: number;
  ports: number;
  portTypes: string[];
  platform: string[];
  optics: string[];
  configOut?: string;
  config?: string;
  secrets: string;
  patched?: boolean;
  linkUpMs?: number;
  basePort?: number;
  controlPort: number;
  stateFile?: string;
  redisUrl?: string;
  listen: string;
  advertiseHost?: string;
  agentHttpHost?: string;
  sharedHostKey?: boolean;
  trapTarget: string[];
  trapDrop?: number;
  clockFactor?: number;
}

function toLabOptions(o: LabCliOptions): LabOptions {
  if (o.secrets !== 'files' && o.secrets !== 'env') throw new UsageError('--secrets must be files or env');
  const options: LabOptions = {
    devices: o.devices,
    ports: o.ports,
    portTypes: o.portTypes as PortType[],
    platform: o.platform as Platform[],
    optics: o.optics as OpticsAdapterId[],
    host: o.listen,
    ...(o.advertiseHost ? { advertiseHost: o.advertiseHost } : {}),
    ...(o.agentHttpHost ? { agentHttpHost: o.agentHttpHost } : {}),
    configOut: labConfigPath(o),
    secrets: o.secrets as SecretsMode,
    controlPort: o.controlPort,
    stateFile: labStateFile(o),
    ...(o.patched ? { patched: true } : {}),
    ...(o.linkUpMs !== undefined ? { linkUpDelayMs: o.linkUpMs } : {}),
    ...(o.basePort !== undefined ? { basePort: o.basePort } : {}),
    ...(o.sharedHostKey ? { sharedHostKey: true } : {}),
    ...(o.trapTarget.length > 0 ? { trapTargets: o.trapTarget } : {}),
    ...(o.trapDrop !== undefined ? { trapDrop: o.trapDrop } : {}),
    ...(o.clockFactor !== undefined ? { clockFactor: o.clockFactor } : {}),
    ...((o.redisUrl ?? process.env.REDIS_URL) ? { redisUrl: o.redisUrl ?? process.env.REDIS_URL } : {}),
  };
  const problems = validateLabOptions(options);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return options;
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function portSummary(lab: Lab['devices'][number]): string {
  const byType = new Map<string, string[]>();
  for (const p of lab.ports) byType.set(p.portType, [...(byType.get(p.portType) ?? []), p.name]);
  return [...byType.entries()]
    .map(
      ([t, names]) =>
        `${names.length > 2 ? `${names[0]} … ${names[names.length - 1]}` : names.join(', ')} (${t})`,
    )
    .join('; ');
}

/** The banner: how to reach every switch, where the config is, how to drive the lab. */
export function describeLab(lab: Lab): string[] {
  const lines: string[] = [];
  const host = lab.devices[0]?.host ?? '127.0.0.1';
  lines.push(
    `dcagent lab: ${lab.devices.length} simulated switch(es) on ${host}, started in ${lab.startMs} ms`,
  );
  const secretsDir = lab.config?.secretsDir;
  const envMode = lab.config !== undefined && secretsDir === undefined;
  for (const d of lab.devices.slice(0, SHOWN)) {
    const ssh = sshOf(d);
    const pw = secretsDir ? `${shown(secretsDir)}/${passwordFileName(d)}` : undefined;
    const comm = secretsDir
      ? `"$(cat ${shown(secretsDir)}/${d.id}.snmp-community)"`
      : envMode
        ? '"$DCAGENT_LAB_SNMP_COMMUNITY"'
        : d.snmp.community;
    lines.push('');
    lines.push(`  ${d.id}  ${d.platform}  optics ${d.optics}  ports ${portSummary(d)}`);
    const password = pw ? `in ${pw}` : envMode ? `in $${PASSWORD_ENV[d.transport]}` : ssh.password;
    // NETCONF is an SSH subsystem; a CLI switch is an interactive shell.
    const subsystem = d.transport === 'netconf' ? ' -s netconf' : '';
    lines.push(
      `    ${d.transport.padEnd(7)}  ssh -p ${ssh.port} ${ssh.username}@${d.host}${subsystem}   (password ${password})`,
    );
    lines.push(`             host key ${ssh.hostKey.fingerprint}`);
    lines.push(`    snmp     snmpwalk -v2c -c ${comm} ${d.host}:${d.snmp.port} 1.3.6.1.2.1.31.1.1.1.1`);
  }
  if (lab.devices.length > SHOWN)
    lines.push('', `  … and ${lab.devices.length - SHOWN} more switch(es), all in the agent config`);
  lines.push('');
  if (lab.config) {
    const cfg = shown(lab.config.path);
    lines.push(`agent config  ${cfg}`);
    lines.push(`              dcagent check-config --config ${cfg}`);
    lines.push(`              dcagent run --config ${cfg}`);
    for (const [k, v] of Object.entries(lab.config.env)) lines.push(`              export ${k}='${v}'`);
  }
  if (lab.controlUrl) {
    const first = lab.devices[0];
    lines.push(`control API   ${lab.controlUrl}   (docs/lab.md)`);
    if (first) {
      lines.push(
        `              dcagent lab ctl patch --device ${first.id} --port ${first.ports[0]?.name ?? 'PORT'}`,
      );
      lines.push(`              curl -s ${lab.controlUrl}/v1/devices/${first.id}`);
    }
  }
  if (lab.stateFile) lines.push(`state file    ${shown(lab.stateFile)}`);
  lines.push('Stop with Ctrl-C (SIGINT) or SIGTERM.');
  return lines;
}

/** The line scripts wait for; its shape is part of the CLI's contract with tests and the demo. */
export function readyLine(lab: Lab): string {
  return `dcagent lab ready: ${lab.devices.length} switches, control ${lab.controlUrl ?? 'none'}, config ${lab.configPath ?? 'none'}`;
}

export function registerLab(program: Command, io: Output = processOutput): void {
  const lab = program
    .command('lab')
    .description('start the built-in device lab: simulated Direct Connection switches on loopback')
    .option('--devices <n>', 'number of switches', intArg, 2)
    .option('--ports <m>', 'ports per switch', intArg, 8)
    .option('--port-types <list>', "port types cycled over each switch's ports, comma-separated", listArg, [
      '10GBASE-LR',
    ])
    .option(
      '--platform <list>',
      `platform per switch, cycled (NETCONF model or CLI dialect): ${LAB_PLATFORM_NAMES.join(', ')}`,
      listArg,
      ['ietf-interfaces'],
    )
    .option(
      '--optics <list>',
      'optics MIB per switch, cycled: huawei, h3c, juniper, cisco, entity-sensor, none',
      listArg,
      ['huawei'],
    )
    .option('--config-out <file>', `where to write the agent config (default ${DEFAULT_LAB_CONFIG})`)
    .option('--config <file>', 'same as --config-out: the file the other commands then take as --config')
    .option(
      '--secrets <mode>',
      'files: a password and community file per switch; env: shared, from two variables',
      'files',
    )
    .option('--patched', 'start with every customer fibre patched (default: ports are dark)')
    .option('--link-up-ms <ms>', 'time a port takes to come up once it can', intArg)
    .option(
      '--base-port <n>',
      'switch i listens on TCP (NETCONF or CLI over SSH) and UDP (SNMP) port n+i; default: free ports',
      intArg,
    )
    .option('--control-port <n>', 'control API port (0: any free port)', intArg, 0)
    .option(
      '--state-file <file>',
      `where \`dcagent lab ctl\` finds this lab (default: beside the config, ${DEFAULT_LAB_STATE_FILE})`,
    )
    .option(
      '--redis-url <url>',
      'Redis URL written into the config (default $REDIS_URL or redis://127.0.0.1:6379)',
    )
    .option('--listen <addr>', 'address the switches and the control API listen on', '127.0.0.1')
    .option(
      '--advertise-host <host>',
      'address written into the config for clients to dial (default: --listen)',
    )
    .option(
      '--agent-http-host <addr>',
      'agent.httpHost written into the config: where agents serve /metrics and health (0.0.0.0 in a container)',
    )
    .option('--shared-host-key', 'one SSH host key for all switches instead of one each')
    .option(
      '--trap-target <host:port>',
      'send SNMPv2c linkDown/linkUp traps there when a port goes down or up (repeatable); the config gets monitoring.traps for the first',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--trap-drop <fraction>',
      'share of traps the switches lose on purpose, 0..1 (default 0)',
      fractionArg,
    )
    .option(
      '--clock-factor <n>',
      'run the lab clock of slow physics (ctl drift) n times fast, 1..1000000 (default 1)',
      Number,
    )
    .action(async (opts: LabCliOptions) => {
      const options = toLabOptions(opts);
      const running = await startLab(options);
      for (const line of describeLab(running)) io.out(line);
      io.out(readyLine(running));
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const on = (s: NodeJS.Signals) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(s);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      });
      io.out(`dcagent lab: ${signal}, stopping`);
      await running.stop();
      io.out('dcagent lab: stopped');
      process.exitCode = EXIT_OK;
    });
  registerLabCtl(lab, io);
}
