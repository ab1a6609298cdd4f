import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULTS } from '../config/defaults.js';
import { buildConfig, type DeviceConfig, loadConfig } from '../config/load.js';
import { type SnmpTiming, worstCasePollMs } from '../config/timing.js';
import { type Platform, PORT_TYPE_FACTS, type PortType } from '../contract/port-types.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import type { LabTransport } from './model/switch.js';

/**
 * The agent configuration for a running lab: every switch with its ports, its pinned host key
 * and where its secrets are; a `netconf:` block for a NETCONF switch, a `cli:` block for a CLI
 * one. It is checked with the agent's own loader before it is handed out, so `dcagent
 * check-config` and `dcagent run` accept it as written.
 */

export interface ConfigDevice {
  id: string;
  host: string;
  platform: Platform;
  optics: OpticsAdapterId;
  ports: readonly { name: string; portType: PortType }[];
  /** Which block the entry gets: `netconf` or `cli`. */
  transport: LabTransport;
  ssh: { port: number; username: string; password: string; hostKeyFingerprint: string };
  snmp: { port: number; community: string };
}

/** `files`: one password and community file per switch next to the config; `env`: shared, from the environment. */
export type SecretsMode = 'files' | 'env';

export const LAB_PASSWORD_ENV = 'DCAGENT_LAB_NETCONF_PASSWORD';
export const LAB_CLI_PASSWORD_ENV = 'DCAGENT_LAB_CLI_PASSWORD';
export const LAB_COMMUNITY_ENV = 'DCAGENT_LAB_SNMP_COMMUNITY';

/** The variable naming the shared SSH password in env mode, per transport. */
export const PASSWORD_ENV: Readonly<Record<LabTransport, string>> = Object.freeze({
  netconf: LAB_PASSWORD_ENV,
  cli: LAB_CLI_PASSWORD_ENV,
});

/** Name of a switch's password file in files mode. */
export function passwordFileName(d: { id: string; transport: LabTransport }): string {
  return `${d.id}.${d.transport}-password`;
}

export interface ConfigOutOptions {
  path: string;
  secrets: SecretsMode;
  redisUrl?: string;
  agentId?: string;
  monitoringIntervalSeconds?: number;
  /** Written as `agent.httpHost` when given. */
  agentHttpHost?: string;
  /** Written as `monitoring.traps` (enabled, listening there) when the switches send traps. */
  traps?: { listen: string; port: number };
}

export interface WrittenConfig {
  path: string;
  /** Folder of the per-switch secret files (files mode). */
  secretsDir?: string;
  /** Variables `dcagent run` needs in its environment (env mode). */
  env: Record<string, string>;
}

function writePrivate(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, path);
}

function mostCommon<T>(values: readonly T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

/** One inventory entry, with the secrets given as `…Env` or `…File` fields. */
function configEntry(
  d: ConfigDevice,
  passwordSecret: Record<string, string>,
  snmpSecret: Record<string, string>,
  overrides: DeviceOverrides = {},
  intervalSeconds?: number,
) {
  const portType = mostCommon(d.ports.map((p) => p.portType));
  const { confirmTimeoutSeconds, ...sshOverrides } = overrides;
  const timing = intervalSeconds === undefined ? undefined : labSnmpTiming(d, intervalSeconds);
  const ssh = {
    port: d.ssh.port,
    username: d.ssh.username,
    ...passwordSecret,
    hostKey: d.ssh.hostKeyFingerprint,
  };
  return {
    id: d.id,
    host: d.host,
    platform: d.platform,
    portType,
    ports: d.ports.map((p) => (p.portType === portType ? p.name : { name: p.name, portType: p.portType })),
    ...(d.transport === 'netconf'
      ? {
          netconf: {
            ...ssh,
            // Short enough that a demo shows a rollback within a minute, long enough for a slow CI box.
            confirmTimeoutSeconds: confirmTimeoutSeconds ?? 30,
            // At most half the confirm timeout (config rule): the read-back and the confirming
            // commit must both fit in it.
            rpcTimeoutMs: Math.min(15_000, ((confirmTimeoutSeconds ?? 30) * 1000) / 2),
            ...sshOverrides,
          },
        }
      : // A CLI has no confirmed commit, so the schema has no confirmTimeoutSeconds there.
        { cli: { ...ssh, ...sshOverrides } }),
    snmp: { port: d.snmp.port, version: '2c', ...snmpSecret, ...(timing ?? {}) },
    optics: d.optics,
  };
}

/**
 * SNMP timing that fits a short lab interval: the agent refuses a device whose worst-case poll
 * cannot fit `intervalSeconds`, and the defaults (4.75 s per request) are made for a real
 * network, not for a one-second demo on loopback. Undefined when the defaults fit.
 */
function labSnmpTiming(d: ConfigDevice, intervalSeconds: number): SnmpTiming | undefined {
  const shape = {
    portLanes: d.ports.map((p) => PORT_TYPE_FACTS[p.portType].lanes),
    varbindsPerPdu: DEFAULTS.snmpVarbindsV2c,
    maxInFlightPerDevice: DEFAULTS.snmpMaxInFlightPerDevice,
    // The agent's default reads error counters on some polls: size for those.
    countsErrors: true,
  };
  const defaults = {
    timeoutMs: DEFAULTS.snmpTimeoutMs,
    retries: DEFAULTS.snmpRetries,
    backoff: DEFAULTS.snmpBackoff,
  };
  // 80% of the interval: a dead device's poll that took the whole interval would end a hair after
  // its next turn and skip it every time, halving the poll rate of a device that is down.
  const budgetMs = intervalSeconds * 1000 * 0.8;
  const worst = worstCasePollMs(defaults, shape);
  if (worst <= budgetMs) return undefined;
  return { ...defaults, timeoutMs: Math.max(1, Math.floor((defaults.timeoutMs * budgetMs) / worst)) };
}

/** Overrides of the SSH settings in `deviceConfig`, for tests that want short deadlines. */
export interface DeviceOverrides {
  /** NETCONF switches only; a CLI switch has no confirmed commit and ignores it. */
  confirmTimeoutSeconds?: number;
  rpcTimeoutMs?: number;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

/**
 * The inventory entry of one lab switch as the agent holds it once loaded, built through the
 * agent's own config loader with the secrets passed in memory (no files).
 */
export function deviceConfig(d: ConfigDevice, overrides: DeviceOverrides = {}): DeviceConfig {
  const passwordEnv = PASSWORD_ENV[d.transport];
  const entry = configEntry(d, { passwordEnv }, { communityEnv: LAB_COMMUNITY_ENV }, overrides);
  const cfg = buildConfig(
    { devices: [entry] },
    { env: { [passwordEnv]: d.ssh.password, [LAB_COMMUNITY_ENV]: d.snmp.community } },
  );
  return cfg.devices[0]!;
}

export function writeAgentConfig(devices: readonly ConfigDevice[], o: ConfigOutOptions): WrittenConfig {
  const path = resolve(o.path);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const secretsDir = join(dir, `${basename(path, extname(path))}-secrets`);
  const env: Record<string, string> = {};
  if (o.secrets === 'files') {
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    chmodSync(secretsDir, 0o700);
  } else {
    // One password and one community serve every switch in env mode; the lab made them so. The
    // password's variable is named after the transport, and only the ones in use are set.
    for (const transport of ['netconf', 'cli'] as const) {
      const d = devices.find((x) => x.transport === transport);
      if (d) env[PASSWORD_ENV[transport]] = d.ssh.password;
    }
    const first = devices[0];
    if (first) env[LAB_COMMUNITY_ENV] = first.snmp.community;
  }

  const interval = o.monitoringIntervalSeconds ?? 10;
  const entries = devices.map((d) => {
    if (o.secrets === 'env') {
      return configEntry(
        d,
        { passwordEnv: PASSWORD_ENV[d.transport] },
        { communityEnv: LAB_COMMUNITY_ENV },
        {},
        interval,
      );
    }
    const pw = join(secretsDir, passwordFileName(d));
    const comm = join(secretsDir, `${d.id}.snmp-community`);
    writePrivate(pw, `${d.ssh.password}\n`);
    writePrivate(comm, `${d.snmp.community}\n`);
    return configEntry(
      d,
      { passwordFile: relative(dir, pw) },
      { communityFile: relative(dir, comm) },
      {},
      interval,
    );
  });

  const doc = {
    redis: { url: o.redisUrl ?? 'redis://127.0.0.1:6379', prefix: 'dcagent' },
    agent: { id: o.agentId ?? 'lab-agent', ...(o.agentHttpHost ? { httpHost: o.agentHttpHost } : {}) },
    monitoring: {
      intervalSeconds: interval,
      ...(o.traps ? { traps: { enabled: true, listen: o.traps.listen, port: o.traps.port } } : {}),
    },
    devices: entries,
  };
  const header = [
    '# Written by `dcagent lab` for the switches it is running now; ports, host keys and secrets',
    '# change every time the lab starts. Use it with: dcagent check-config --config <this file>',
    o.secrets === 'env'
      ? `# Secrets come from the environment: ${Object.keys(env).join(', ')} (printed by the lab).`
      : `# Secrets are in ${relative(dir, secretsDir)}/, one password and one community file per switch.`,
    '',
  ].join('\n');
  writePrivate(path, `${header}${stringify(doc, { lineWidth: 0 })}`);

  // The agent's own loader is the judge: a lab that hands out a config the agent refuses is broken.
  loadConfig({ path, env: { ...process.env, ...env } });
  return { path, ...(o.secrets === 'files' ? { secretsDir } : {}), env };
}
