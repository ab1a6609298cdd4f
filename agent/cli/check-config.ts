import type { Command } from 'commander';
import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import { REDACTED } from '../../core/secret.js';
import { EXIT_OK, type Output, processOutput } from './io.js';

function secretSource(block: object | undefined, name: string): string | undefined {
  if (!block) return undefined;
  const b = block as Record<string, unknown>;
  if (typeof b[`${name}Env`] === 'string') return `${REDACTED} (env ${b[`${name}Env`]})`;
  if (typeof b[`${name}File`] === 'string') return `${REDACTED} (file ${b[`${name}File`]})`;
  return undefined;
}

function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'REDACTED';
    return u.toString();
  } catch {
    return url;
  }
}

function describeDevice(d: DeviceConfig): string[] {
  const ssh = d.netconf ?? d.cli;
  const transport = d.netconf ? 'netconf' : 'cli';
  const lines = [`device ${d.id}  ${d.platform}  ${d.host}`];
  if (ssh) {
    const auth = [
      secretSource(ssh, 'password') && `password ${secretSource(ssh, 'password')}`,
      ssh.privateKeyFile && `key ${REDACTED} (file ${ssh.privateKeyFile})`,
    ].filter(Boolean);
    const hostKey = ssh.hostKey ?? 'NOT PINNED (insecureAcceptAnyHostKey)';
    lines.push(
      `  ${transport}: port ${ssh.port}, user ${ssh.username}, ${auth.join(', ')}, host key ${hostKey}`,
    );
  }
  const s = d.snmp;
  const snmpAuth =
    s.version === '2c'
      ? `community ${secretSource(s, 'community')}`
      : `user ${s.user}${s.authProtocol ? `, auth ${s.authProtocol} ${secretSource(s, 'authKey')}` : ''}${s.privProtocol ? `, priv ${s.privProtocol} ${secretSource(s, 'privKey')}` : ''}`;
  lines.push(`  snmp: v${s.version} port ${s.port}, ${snmpAuth}, optics ${d.optics}`);
  for (const p of d.ports) {
    lines.push(
      `  port ${p.name}  ${p.portType}  rx ${p.thresholds.rx[0]}..${p.thresholds.rx[1]} dBm  tx ${p.thresholds.tx[0]}..${p.thresholds.tx[1]} dBm`,
    );
  }
  return lines;
}

/** The inventory as operators read it, secrets replaced by where they come from. */
export function describeConfig(cfg: AgentConfig): string[] {
  const lines = [
    `config ${cfg.source ?? '(inline)'}: OK`,
    `redis ${maskUrl(cfg.redis.url)} (${cfg.redis.mode}) prefix ${cfg.redis.prefix}${cfg.redis.password ? `, password ${REDACTED}` : ''}`,
    `agent ${cfg.agent.id}, concurrency ${cfg.agent.concurrency}, http ${cfg.agent.httpHost}:${cfg.agent.httpPort}`,
    `queue ${cfg.queues.jobs} (attempts ${cfg.queues.attempts}), events stream ${cfg.redis.prefix}:${cfg.events.stream}`,
    `monitoring every ${cfg.monitoring.intervalSeconds}s, up after ${cfg.monitoring.upPolls} polls, down after ${cfg.monitoring.downPolls}`,
    `${cfg.devices.length} device(s), ${cfg.devices.reduce((n, d) => n + d.ports.length, 0)} port(s)`,
  ];
  for (const d of cfg.devices) lines.push(...describeDevice(d));
  return lines;
}

export function registerCheckConfig(program: Command, io: Output = processOutput): void {
  program
    .command('check-config')
    .description('validate the configuration and print the inventory, with secrets masked')
    .option('--config <file>', 'configuration file (default: $DCAGENT_CONFIG or config/agent.yaml)')
    .action((opts: { config?: string }) => {
      const cfg = loadConfig(opts.config ? { path: opts.config } : {});
      for (const line of describeConfig(cfg)) io.out(line);
      process.exitCode = EXIT_OK;
    });
}
