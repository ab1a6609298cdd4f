import { randomBytes } from 'node:crypto';
import { OPTICS_ADAPTERS, type Platform, PORT_TYPES, type PortType } from '../contract/port-types.js';
import type { OpticsAdapterId } from '../drivers/optics/adapter.js';
import { LAB_MODELS, LAB_PLATFORM_NAMES } from './catalog.js';
import type { SecretsMode } from './config-out.js';
import { generateHostKey, type HostKey } from './model/host-key.js';
import { LabClock } from './model/lab-clock.js';
import { LabActionError } from './model/switch.js';
import { parseTrapTarget, type TrapTarget } from './snmp/trap-sender.js';

export interface LabOptions<P extends Platform = Platform> {
  /** Number of switches (default 2). */
  devices?: number;
  /** Ports per switch (default 8). */
  ports?: number;
  /** Port types, cycled over each switch's ports (default 10GBASE-LR only). */
  portTypes?: readonly PortType[];
  /**
   * Platform per switch, cycled over the switches (default ietf-interfaces): a NETCONF model or a
   * CLI dialect, whatever LAB_MODELS lists.
   */
  platform?: P | readonly P[];
  /** Optics MIB per switch, cycled over the switches (default huawei). */
  optics?: OpticsAdapterId | readonly OpticsAdapterId[];
  /** Address every switch and the control API listen on (default 127.0.0.1). */
  host?: string;
  /**
   * The address clients should dial, written into the config and the control URL: needed when
   * `host` is a wildcard (0.0.0.0 in a container). Default: `host`, or 127.0.0.1 for a wildcard.
   */
  advertiseHost?: string;
  /** Switch i (0-based) listens on TCP and UDP basePort + i; default: free ports picked by the OS. */
  basePort?: number;
  idPrefix?: string;
  username?: string;
  /** One SSH password (NETCONF or CLI) for every switch; default: a random one each. */
  password?: string;
  /** One SNMP community for every switch; default: a random one each. */
  community?: string;
  /** One ed25519 host key for every switch instead of one each (only worth it far beyond 500). */
  sharedHostKey?: boolean;
  /** OpenSSH public key lines accepted besides the password (tests log in with ncclient by key). */
  authorizedKeys?: readonly string[];
  /** Delay between a port being able to come up and coming up (default 1000 ms). */
  linkUpDelayMs?: number;
  /** Start with every customer fibre patched (default false). */
  patched?: boolean;
  /**
   * Ports (by name, on every switch that has them) whose cage starts empty: configured before the
   * transceiver arrives, the usual order in a data centre. `optic-insert` fills them.
   */
  emptyPorts?: readonly string[];
  /**
   * Where every switch sends SNMPv2c linkDown/linkUp traps when a port's oper status changes
   * (`host:port` each; default none). The agent's `monitoring.traps` listens for them.
   */
  trapTargets?: readonly string[];
  /** Share of traps the switches lose on purpose, 0..1 (default 0): polling must still see the change. */
  trapDrop?: number;
  /**
   * How many times faster than real time the lab clock runs for slow physics (`drift`): 3600
   * makes a lab hour one real second. Default 1. Only drifts use it (docs/lab.md).
   */
  clockFactor?: number;
  /** Where to write the agent config; nothing is written without it. */
  configOut?: string;
  secrets?: SecretsMode;
  redisUrl?: string;
  monitoringIntervalSeconds?: number;
  /**
   * `agent.httpHost` in the written config: 0.0.0.0 in a container, so the published metrics
   * port reaches the agent. Default: not written (the agent's loopback default).
   */
  agentHttpHost?: string;
  /** Control API port on `host` (0, the default, picks one); false for none. */
  controlPort?: number | false;
  /** JSON file telling `dcagent lab ctl` where the control API is; removed by stop(). */
  stateFile?: string;
}

export function pick<T>(value: T | readonly T[] | undefined, fallback: T, i: number): T {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) return value as T;
  const list = value as readonly T[];
  return list.length === 0 ? fallback : list[i % list.length]!;
}

export function secret(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('base64url')}`;
}

export function validateLabOptions(o: LabOptions<Platform>): string[] {
  const problems: string[] = [];
  const n = o.devices ?? 2;
  const m = o.ports ?? 8;
  if (!Number.isInteger(n) || n < 1 || n > 5000) problems.push('devices must be 1..5000');
  if (!Number.isInteger(m) || m < 1 || m > 512) problems.push('ports must be 1..512');
  for (const t of o.portTypes ?? []) if (!PORT_TYPES.includes(t)) problems.push(`unknown port type ${t}`);
  const platforms = o.platform === undefined ? [] : Array.isArray(o.platform) ? o.platform : [o.platform];
  for (const p of platforms as Platform[]) {
    if (!LAB_MODELS.has(p))
      problems.push(`the lab has no ${p} model (it serves ${LAB_PLATFORM_NAMES.join(', ')})`);
  }
  const optics = o.optics === undefined ? [] : Array.isArray(o.optics) ? o.optics : [o.optics];
  for (const v of optics as OpticsAdapterId[]) {
    if (!OPTICS_ADAPTERS.includes(v))
      problems.push(`unknown optics ${v} (known: ${OPTICS_ADAPTERS.join(', ')})`);
  }
  if (
    o.basePort !== undefined &&
    (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + n - 1 > 65_535)
  ) {
    problems.push('base port must leave room for every switch below 65536');
  }
  for (const t of o.trapTargets ?? []) {
    try {
      parseTrapTarget(t);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (o.clockFactor !== undefined && !(o.clockFactor >= 1 && o.clockFactor <= 1_000_000)) {
    problems.push('clockFactor must be 1..1000000');
  }
  if (o.trapDrop !== undefined && !(o.trapDrop >= 0 && o.trapDrop <= 1)) {
    problems.push('trap drop must be a fraction from 0 to 1');
  }
  if (o.linkUpDelayMs !== undefined && (!Number.isInteger(o.linkUpDelayMs) || o.linkUpDelayMs < 0)) {
    problems.push('link-up delay must be a whole number of milliseconds');
  }
  return problems;
}

/** The options with every default filled in, checked; what each start step reads. */
export interface ResolvedLabOptions {
  readonly options: LabOptions<Platform>;
  readonly count: number;
  readonly portCount: number;
  readonly host: string;
  readonly advertised: string;
  readonly username: string;
  readonly portTypes: readonly PortType[];
  /** Digits in a switch id, so ids sort in order. */
  readonly width: number;
  readonly prefix: string;
  readonly sharedKey: HostKey | undefined;
  readonly sharedPassword: string | undefined;
  readonly sharedCommunity: string | undefined;
  readonly trapTargets: readonly TrapTarget[];
  /** One clock for every switch, so drifts on two switches agree. */
  readonly clock: LabClock;
}

export function resolveLabOptions(options: LabOptions<Platform>): ResolvedLabOptions {
  const problems = validateLabOptions(options);
  if (problems.length > 0) throw new LabActionError(problems.join('; '));
  const count = options.devices ?? 2;
  const host = options.host ?? '127.0.0.1';
  // env mode hands one password and one community to every switch, so the agent needs two variables.
  const shared = options.secrets === 'env';
  return {
    options,
    count,
    portCount: options.ports ?? 8,
    host,
    advertised: options.advertiseHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
    username: options.username ?? 'netops',
    portTypes: options.portTypes?.length ? options.portTypes : ['10GBASE-LR'],
    width: Math.max(2, String(count).length),
    prefix: options.idPrefix ?? 'lab-sw-',
    sharedKey: options.sharedHostKey ? generateHostKey() : undefined,
    sharedPassword: options.password ?? (shared ? secret('') : undefined),
    sharedCommunity: options.community ?? (shared ? secret('lab-') : undefined),
    trapTargets: (options.trapTargets ?? []).map(parseTrapTarget),
    clock: new LabClock(options.clockFactor ?? 1),
  };
}
