import type { Command } from 'commander';
import type { AgentConfig, DeviceConfig } from '../../config/load.js';
import { loadConfig } from '../../config/load.js';
import { REDACTED } from '../../core/secret.js';
import { EXIT_OK, type Output, processOutput } from '../command-line/io.js';
import { displayUrl, redisUser } from '../redis.js';
import { checkAgentPermissions } from '../redis-access.js';
import { withCliRedis } from './redis.js';

function secretSource(block: object | undefined, name: string): string | undefined {
  if (!block) return undefined;
  const b = block as Record<string, unknown>;
  if (typeof b[`${name}Env`] === 'string') return `${REDACTED} (env ${b[`${name}Env`]})`;
  if (typeof b[`${name}File`] === 'string') return `${REDACTED} (file ${b[`${name}File`]})`;
  return undefined;
}

function describeRedis(r: AgentConfig['redis']): string[] {
  const password =
    secretSource(r, 'password') ??
    (/^rediss?:\/\/[^/@]*:[^/@]+@/.test(r.url) ? `${REDACTED} (in the URL)` : 'none');
  const lines = [
    `redis ${displayUrl(r)} (${r.mode}) prefix ${r.prefix}, user ${redisUser(r) ?? 'default'}, password ${password}`,
  ];
  if (r.mode === 'sentinel') {
    const sentinelAuth = secretSource(r, 'sentinelPassword');
    lines.push(
      `  sentinels ${(r.sentinels ?? []).map((s) => `${s.host}:${s.port}`).join(', ')} name ${r.sentinelName}${r.sentinelUsername ? `, user ${r.sentinelUsername}` : ''}${sentinelAuth ? `, password ${sentinelAuth}` : ''}`,
    );
  }
  if (r.mode === 'cluster' && r.clusterNodes?.length)
    lines.push(`  cluster nodes ${r.clusterNodes.map((n) => `${n.host}:${n.port}`).join(', ')}`);
  if (r.url.startsWith('rediss://')) {
    const t = r.tls;
    lines.push(
      `  tls: ca ${t?.caFile ?? 'system'}${t?.certFile ? `, client cert ${t.certFile}, key ${REDACTED} (file ${t.keyFile})` : ''}${t?.serverName ? `, server name ${t.serverName}` : ''}`,
    );
  }
  return lines;
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
    ...describeRedis(cfg.redis),
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
    .option('--probe', "also connect to Redis and check that the agent's user has every permission it needs")
    .action(async (opts: { config?: string; probe?: boolean }) => {
      const cfg = loadConfig(opts.config ? { path: opts.config } : {});
      for (const line of describeConfig(cfg)) io.out(line);
      if (opts.probe) {
        await withCliRedis(cfg, 'dcagent-check-config', (redis) => checkAgentPermissions(redis, cfg.redis));
        io.out(
          `redis probe: connected as ${redisUser(cfg.redis) ?? 'default'}, every permission the agent needs is granted`,
        );
      }
      process.exitCode = EXIT_OK;
    });
}
