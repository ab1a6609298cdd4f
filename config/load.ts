// Over 400 lines: config loading end to end (file, env, secrets, per-port threshold resolution, messages naming the device), one path from YAML to a frozen config.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { PORT_TYPE_FACTS, type PortType } from '../contract/port-types.js';
import { ConfigError, type FieldIssue } from '../core/errors.js';
import { registerSecret, Secret } from '../core/secret.js';
import { formatPath, toFieldIssues } from '../core/zod-issues.js';
import { type DbmRange, DEFAULT_THRESHOLDS, type PortThresholds } from './defaults.js';
import { configSchema, httpPortSchema, type ParsedConfig, type ParsedDevice } from './schema.js';
import { type PollShape, pollWaves, worstCasePollMs } from './timing.js';
import { parseYaml, parseYamlInWorker } from './yaml-text.js';

export const DEFAULT_CONFIG_PATH = 'config/agent.yaml';

export interface SshCredentials {
  username: string;
  password?: Secret;
  privateKey?: Secret;
  passphrase?: Secret;
}

type ParsedNetconf = NonNullable<ParsedDevice['netconf']>;
type ParsedCli = NonNullable<ParsedDevice['cli']>;
type ParsedSnmp = ParsedDevice['snmp'];

export type NetconfSettings = ParsedNetconf & { credentials: SshCredentials };
export type CliSettings = ParsedCli & { credentials: SshCredentials };
export type SnmpSettings = ParsedSnmp & { community?: Secret; authKey?: Secret; privKey?: Secret };

export interface PortConfig {
  readonly name: string;
  readonly portType: PortType;
  readonly speedMbps: number;
  readonly lanes: number;
  /** Effective thresholds: port override, then device, then monitoring.thresholds, then the defaults. */
  readonly thresholds: PortThresholds;
}

export interface DeviceConfig
  extends Readonly<Omit<ParsedDevice, 'ports' | 'netconf' | 'cli' | 'snmp' | 'thresholds'>> {
  readonly ports: readonly PortConfig[];
  readonly netconf?: Readonly<NetconfSettings>;
  readonly cli?: Readonly<CliSettings>;
  readonly snmp: Readonly<SnmpSettings>;
}

/** The contents of `redis.tls`'s files, read once at load so a bad path is a config error. */
export interface RedisTlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: Secret;
  readonly serverName?: string;
}

export interface AgentConfig extends Readonly<Omit<ParsedConfig, 'devices' | 'redis'>> {
  readonly redis: Readonly<
    ParsedConfig['redis'] & { password?: Secret; sentinelPassword?: Secret; tlsMaterial?: RedisTlsMaterial }
  >;
  readonly devices: readonly DeviceConfig[];
  /** Where the file was read from (absent when built from an object). */
  readonly source?: string;
}

export interface LoadOptions {
  /** `--config`; wins over DCAGENT_CONFIG. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function resolveConfigPath(options: LoadOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const chosen = options.path ?? env.DCAGENT_CONFIG ?? DEFAULT_CONFIG_PATH;
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/** Reads, validates, resolves secrets and freezes. Throws ConfigError with one issue per problem. */
export function loadConfig(options: LoadOptions = {}): AgentConfig {
  const path = resolveConfigPath(options);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw unreadable(path, err);
  }
  return parseConfigText(text, { ...options, path });
}

/**
 * loadConfig for the long-running processes (`run`, `console`): the YAML is parsed in a worker
 * thread. Parsing a 10,000-port inventory allocates some 40 MB that the process would otherwise
 * keep as heap for its whole life; the worker's heap goes when the worker does.
 */
export async function loadConfigLean(options: LoadOptions = {}): Promise<AgentConfig> {
  const path = resolveConfigPath(options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw unreadable(path, err);
  }
  return buildConfig(await parseYamlInWorker(text), { ...options, path });
}

function unreadable(path: string, err: unknown): ConfigError {
  const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
  return new ConfigError([{ path: '(file)', message: `cannot read ${path}: ${reason}` }]);
}

export function parseConfigText(text: string, options: LoadOptions = {}): AgentConfig {
  return buildConfig(parseYaml(text), options);
}

export function buildConfig(raw: unknown, options: LoadOptions = {}): AgentConfig {
  const env = options.env ?? process.env;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(explainIssues(toFieldIssues(parsed.error), raw));
  const cfg = parsed.data;
  const baseDir = options.path ? dirname(options.path) : (options.cwd ?? process.cwd());
  const resolver = new SecretResolver(env, baseDir);

  const redisUrl = env.REDIS_URL ?? cfg.redis.url;
  if (env.REDIS_URL !== undefined && !/^rediss?:\/\//.test(env.REDIS_URL)) {
    resolver.issues.push({ path: 'REDIS_URL', message: 'must be a redis:// or rediss:// URL' });
  }
  registerUrlPassword(redisUrl);
  const redisPassword = resolver.secret(['redis'], cfg.redis, 'password');
  const sentinelPassword = resolver.secret(['redis'], cfg.redis, 'sentinelPassword');
  if (cfg.redis.tls && !redisUrl.startsWith('rediss://')) {
    resolver.issues.push({
      path: env.REDIS_URL !== undefined ? 'REDIS_URL' : 'redis.url',
      message: 'redis.tls is set, so the URL must be rediss:// (TLS), not redis://',
    });
  }
  const tlsMaterial = cfg.redis.tls ? resolver.tls(['redis', 'tls'], cfg.redis.tls) : undefined;

  // Replicas sharing one config file (a container image, a compose file) tell themselves apart here.
  const agentId = env.DCAGENT_AGENT_ID ?? cfg.agent.id;
  if (env.DCAGENT_AGENT_ID !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(env.DCAGENT_AGENT_ID)) {
    resolver.issues.push({ path: 'DCAGENT_AGENT_ID', message: 'must be 1-63 letters, digits, . _ -' });
  }
  // A container publishes whatever port it was told; the file can stay the same across replicas.
  const httpPort = httpPortFromEnv(env.DCAGENT_HTTP_PORT, resolver.issues) ?? cfg.agent.httpPort;
  const devices = cfg.devices.map((d, i) => resolveDevice(d, i, cfg, resolver));
  devices.forEach((d, i) => {
    const issue = pollFitIssue(d, i, cfg.monitoring);
    if (issue) resolver.issues.push(issue);
  });
  if (resolver.issues.length > 0) throw new ConfigError(explainIssues(resolver.issues, raw));

  const out: AgentConfig = {
    ...cfg,
    agent: { ...cfg.agent, id: agentId, httpPort },
    redis: {
      ...cfg.redis,
      url: redisUrl,
      ...(redisPassword ? { password: redisPassword } : {}),
      ...(sentinelPassword ? { sentinelPassword } : {}),
      ...(tlsMaterial ? { tlsMaterial } : {}),
    },
    devices,
    ...(options.path ? { source: options.path } : {}),
  };
  return deepFreeze(out);
}

/** Secret fields people write inline by habit, and the forms the file takes instead. */
const INLINE_SECRETS: Readonly<Record<string, readonly string[]>> = {
  password: ['passwordEnv', 'passwordFile'],
  passphrase: ['passphraseEnv', 'passphraseFile'],
  community: ['communityEnv', 'communityFile'],
  authKey: ['authKeyEnv', 'authKeyFile'],
  privKey: ['privKeyEnv', 'privKeyFile'],
  privateKey: ['privateKeyFile'],
};

/**
 * Makes problems easier to place and to fix: a device is named by its id beside its index
 * (`devices[3] (dc-sw-04).snmp.port`), and an inline secret says how to give it instead.
 */
function explainIssues(issues: readonly FieldIssue[], raw: unknown): FieldIssue[] {
  const devices = (raw as { devices?: unknown } | null)?.devices;
  return issues.map(({ path, message }) => {
    let out = path;
    const m = /^devices\[(\d+)\]/.exec(path);
    const id =
      m && Array.isArray(devices) ? (devices[Number(m[1])] as { id?: unknown } | undefined)?.id : undefined;
    if (m && typeof id === 'string' && id !== '') out = `${m[0]} (${id})${path.slice(m[0].length)}`;
    const key = /(?:^|\.)([A-Za-z]+)$/.exec(path)?.[1];
    const forms = key !== undefined && message === 'unknown key' ? INLINE_SECRETS[key] : undefined;
    if (forms) {
      const example = forms.map((f) => (f.endsWith('Env') ? `${f}: SOME_VARIABLE` : `${f}: /path/to/file`));
      return {
        path: out,
        message: `inline secrets are not allowed; give ${example.join(' or ')} (an environment variable or a file holding the ${key})`,
      };
    }
    return { path: out, message };
  });
}

/** `DCAGENT_HTTP_PORT`, held to the same rule as `agent.httpPort`. */
function httpPortFromEnv(value: string | undefined, issues: FieldIssue[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = httpPortSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (parsed.success) return parsed.data;
  issues.push({ path: 'DCAGENT_HTTP_PORT', message: 'must be a port number from 0 to 65535' });
  return undefined;
}

function resolveDevice(d: ParsedDevice, index: number, cfg: ParsedConfig, r: SecretResolver): DeviceConfig {
  const at = ['devices', index] as const;
  const { ports, netconf, cli, snmp, thresholds: deviceThresholds, ...rest } = d;
  const resolvedPorts: PortConfig[] = ports.map((p) => {
    const entry = typeof p === 'string' ? { name: p } : p;
    const portType = entry.portType ?? d.portType;
    const base = DEFAULT_THRESHOLDS[portType];
    const global = cfg.monitoring.thresholds?.[portType];
    const configured = (k: 'rx' | 'tx' | 'rxWarning' | 'txWarning'): DbmRange | undefined =>
      ('thresholds' in entry ? entry.thresholds?.[k] : undefined) ?? deviceThresholds?.[k] ?? global?.[k];
    const rx = configured('rx');
    const tx = configured('tx');
    const rxWarning = configured('rxWarning');
    const txWarning = configured('txWarning');
    const thresholds: PortThresholds = {
      rx: rx ?? base.rx,
      tx: tx ?? base.tx,
      ...(rxWarning ? { rxWarning } : {}),
      ...(txWarning ? { txWarning } : {}),
      source: rx || tx || rxWarning || txWarning ? 'config' : 'default',
    };
    return {
      name: entry.name,
      portType,
      speedMbps: PORT_TYPE_FACTS[portType].speedMbps,
      lanes: PORT_TYPE_FACTS[portType].lanes,
      thresholds,
    };
  });
  const device: DeviceConfig = {
    ...rest,
    ports: resolvedPorts,
    snmp: {
      ...snmp,
      ...optionalSecret('community', r.secret([...at, 'snmp'], snmp, 'community')),
      ...optionalSecret('authKey', r.secret([...at, 'snmp'], snmp, 'authKey')),
      ...optionalSecret('privKey', r.secret([...at, 'snmp'], snmp, 'privKey')),
    },
    ...(netconf ? { netconf: { ...netconf, credentials: r.ssh([...at, 'netconf'], netconf) } } : {}),
    ...(cli ? { cli: { ...cli, credentials: r.ssh([...at, 'cli'], cli) } } : {}),
  };
  return device;
}

/** The device's poll shape as config/timing.ts needs it. */
export function pollShapeOf(
  d: Pick<DeviceConfig, 'ports' | 'snmp'>,
  m: ParsedConfig['monitoring'],
): PollShape {
  return {
    portLanes: d.ports.map((p) => p.lanes),
    varbindsPerPdu: d.snmp.version === '3' ? m.varbindsPerPduV3 : m.varbindsPerPduV2c,
    maxInFlightPerDevice: m.maxInFlightPerDevice,
    countsErrors: m.errorCounters.everyPolls > 0 || m.qualification.errorFreePolls > 0,
  };
}

/**
 * A device whose worst-case poll cannot fit the interval would overrun every turn it fails, and
 * its lease would have to outlive several intervals: refused, naming the knobs that fix it.
 */
function pollFitIssue(d: DeviceConfig, index: number, m: ParsedConfig['monitoring']): FieldIssue | undefined {
  const shape = pollShapeOf(d, m);
  const worst = worstCasePollMs(d.snmp, shape);
  const intervalMs = m.intervalSeconds * 1000;
  if (worst <= intervalMs) return undefined;
  const s = d.snmp;
  const waves = pollWaves(shape);
  return {
    path: formatPath(['devices', index, 'snmp', 'timeoutMs']),
    message:
      `worst-case poll of ${worst} ms (timeoutMs ${s.timeoutMs} × ${s.retries + 1} tries with backoff ${s.backoff}` +
      `${waves > 1 ? `, × ${waves} waves of PDUs` : ''}) does not fit monitoring.intervalSeconds ` +
      `(${intervalMs} ms): lower devices[${index}].snmp.timeoutMs, .retries or .backoff` +
      `${waves > 1 ? ', raise monitoring.maxInFlightPerDevice or varbindsPerPdu' : ''}, or raise monitoring.intervalSeconds`,
  };
}

function optionalSecret<K extends string>(key: K, value: Secret | undefined): Partial<Record<K, Secret>> {
  return value ? ({ [key]: value } as Record<K, Secret>) : {};
}

function registerUrlPassword(url: string): void {
  try {
    const u = new URL(url);
    if (u.password) registerSecret(decodeURIComponent(u.password));
  } catch {
    // An unparsable URL is reported by ioredis on connect; nothing to register.
  }
}

/**
 * One `<name>Env` / `<name>File` secret that only one command needs (the console's token), resolved
 * when that command starts, so the agent never fails over a variable it does not use.
 */
export function resolveSecretRef(
  cfg: Pick<AgentConfig, 'source'>,
  at: readonly PropertyKey[],
  block: object,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Secret {
  const resolver = new SecretResolver(env, cfg.source ? dirname(cfg.source) : process.cwd());
  const secret = resolver.secret(at, block, name);
  if (resolver.issues.length > 0) throw new ConfigError(resolver.issues);
  if (!secret) {
    throw new ConfigError([{ path: formatPath([...at]), message: `give ${name}Env or ${name}File` }]);
  }
  return secret;
}

/** Resolves `<name>Env` / `<name>File` pairs once, collecting every problem instead of stopping at the first. */
class SecretResolver {
  readonly issues: FieldIssue[] = [];
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly baseDir: string,
  ) {}

  secret(at: readonly PropertyKey[], block: object, name: string): Secret | undefined {
    const fields = block as Record<string, unknown>;
    const envKey = fields[`${name}Env`];
    const fileKey = fields[`${name}File`];
    if (typeof envKey === 'string') {
      const value = this.env[envKey];
      if (value === undefined || value === '') {
        this.issues.push({
          path: formatPath([...at, `${name}Env`]),
          message: `environment variable ${envKey} is not set`,
        });
        return undefined;
      }
      return new Secret(value);
    }
    if (typeof fileKey === 'string') {
      const file = isAbsolute(fileKey) ? fileKey : resolve(this.baseDir, fileKey);
      try {
        const content = readFileSync(file, 'utf8');
        // A trailing newline is an editor artefact for passwords, but part of a PEM key.
        return new Secret(name === 'privateKey' ? content : content.replace(/\r?\n$/, ''));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        this.issues.push({
          path: formatPath([...at, `${name}File`]),
          message: `cannot read ${file} (${code})`,
        });
      }
    }
    return undefined;
  }

  /** Reads a non-secret file (a certificate), reporting an unreadable one as an issue. */
  file(at: readonly PropertyKey[], path: string): string | undefined {
    const file = isAbsolute(path) ? path : resolve(this.baseDir, path);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      this.issues.push({ path: formatPath([...at]), message: `cannot read ${file} (${code})` });
      return undefined;
    }
  }

  tls(at: readonly PropertyKey[], t: NonNullable<ParsedConfig['redis']['tls']>): RedisTlsMaterial {
    const ca = t.caFile ? this.file([...at, 'caFile'], t.caFile) : undefined;
    const cert = t.certFile ? this.file([...at, 'certFile'], t.certFile) : undefined;
    // The key is PEM like an SSH private key: kept whole, and held as a Secret.
    const keyText = t.keyFile ? this.file([...at, 'keyFile'], t.keyFile) : undefined;
    const key = keyText ? new Secret(keyText) : undefined;
    return {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(t.serverName ? { serverName: t.serverName } : {}),
    };
  }

  ssh(at: readonly PropertyKey[], block: ParsedNetconf | ParsedCli): SshCredentials {
    const password = this.secret(at, block, 'password');
    const passphrase = this.secret(at, block, 'passphrase');
    const privateKey = this.secret(at, { privateKeyFile: block.privateKeyFile }, 'privateKey');
    return {
      username: block.username,
      ...(password ? { password } : {}),
      ...(privateKey ? { privateKey } : {}),
      ...(passphrase ? { passphrase } : {}),
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Finds a device and one of its ports, the lookup every job and command starts with. */
/**
 * Lookups by id and by port name, built once per frozen list: every job and every poll looks up
 * its device, and a scan of 500 devices per lookup showed in the audit's profile. Keyed by the
 * frozen array itself, so a reloaded config gets its own index and the old one is collected.
 */
const deviceIndex = new WeakMap<readonly DeviceConfig[], Map<string, DeviceConfig>>();
const portIndex = new WeakMap<readonly PortConfig[], Map<string, PortConfig>>();

function indexOf<T>(cache: WeakMap<readonly T[], Map<string, T>>, list: readonly T[], key: (t: T) => string) {
  let index = cache.get(list);
  if (!index) {
    index = new Map();
    // The first of equal keys wins, as Array.find did (the schema refuses duplicates anyway).
    for (const item of list) if (!index.has(key(item))) index.set(key(item), item);
    if (Object.isFrozen(list)) cache.set(list, index);
  }
  return index;
}

export function findDevice(cfg: AgentConfig, id: string): DeviceConfig | undefined {
  return indexOf(deviceIndex, cfg.devices, (d) => d.id).get(id);
}

export function findPort(device: DeviceConfig, name: string): PortConfig | undefined {
  return indexOf(portIndex, device.ports, (p) => p.name).get(name);
}
