// yuma123 netconfd behind a private OpenSSH sshd, as in ../shared/LAB-NOTES.md: sshd runs the
// `netconf` subsystem helper, which reaches netconfd over a unix socket chosen per instance.

import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  currentUser,
  freeTcpPort,
  isRoot,
  LOOPBACK,
  peerDir,
  readBanner,
  retryOnPortClash,
  run,
  spawnPeer,
  waitUntilReady,
} from './process.js';
import type { NetconfPeerInfo } from './types.js';

export const YUMA_MODULES = '/usr/share/yuma/modules';
const IETF_INTERFACES = `${YUMA_MODULES}/ietf/ietf-interfaces@2014-05-08.yang`;
const IANA_IF_TYPE = `${YUMA_MODULES}/ietf/iana-if-type@2014-05-08.yang`;
// sshd re-executes itself and refuses to start from a relative path.
const SSHD = '/usr/sbin/sshd';
const NETCONF_SUBSYSTEM = '/usr/sbin/netconf-subsystem';

export interface NetconfStartOptions {
  /** Instance name, used for folder names and messages (`ietf`, `openconfig`, …). */
  name: string;
  /** Values for --module: paths of YANG files (never the ietf-interfaces SIL by name). */
  modules: string[];
  /** Values joined for --modpath, so imports of the modules resolve. */
  modpath?: string[];
  /** Initial configuration (a `<config>` document). Without it netconfd starts with --no-startup. */
  startupXml?: string;
  /** Ports the startup configuration creates, reported to tests. */
  seededPorts?: string[];
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  readyTimeoutMs?: number;
}

export interface RunningNetconf {
  info: NetconfPeerInfo;
  stop(): Promise<void>;
}

async function keygen(path: string, type: 'ed25519' | 'rsa'): Promise<void> {
  const args = ['-q', '-t', type, '-N', '', '-C', 'dcagent-test', '-f', path];
  if (type === 'rsa') args.push('-b', '3072');
  await run('ssh-keygen', args);
}

/** OpenSSH `SHA256:…` fingerprint as `ssh-keygen -lf` prints it. */
async function fingerprint(pubPath: string): Promise<string> {
  const out = await run('ssh-keygen', ['-lf', pubPath]);
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output for ${pubPath}: ${out}`);
  return fp;
}

function sshdConfig(o: { port: number; dir: string; socket: string; user: string }): string {
  return [
    `Port ${o.port}`,
    `ListenAddress ${LOOPBACK}`,
    `HostKey ${o.dir}/ssh_host_ed25519_key`,
    `HostKey ${o.dir}/ssh_host_rsa_key`,
    `PidFile ${o.dir}/sshd.pid`,
    'UsePAM no',
    // Our files live in a temp dir whose modes sshd would otherwise reject.
    'StrictModes no',
    `AuthorizedKeysFile ${o.dir}/authorized_keys`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    o.user === 'root' ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    `AllowUsers ${o.user}`,
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'PrintMotd no',
    // Conformance suites open many sessions at once; the defaults would drop some.
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'LoginGraceTime 30',
    'LogLevel VERBOSE',
    `Subsystem netconf ${NETCONF_SUBSYSTEM} --ncxserver-sockname=${o.port}@${o.socket}`,
    '',
  ].join('\n');
}

/** Starts one netconfd + sshd pair. Call it again for more instances (other YANG modules). */
export async function startNetconf(runDir: string, o: NetconfStartOptions): Promise<RunningNetconf> {
  if (/\s/.test(runDir)) throw new Error(`netconf peer: run dir must not contain spaces: ${runDir}`);
  return retryOnPortClash(async () => {
    const dir = await peerDir(runDir, `netconf-${o.name}`);
    const socket = join(dir, 'ncx.sock');
    // sun_path is 108 bytes on Linux; a long TMPDIR would make netconfd fail obscurely.
    if (Buffer.byteLength(socket) > 100) throw new Error(`netconf peer: socket path too long: ${socket}`);
    const user = currentUser();
    const clientKey = join(dir, 'client_ed25519');
    await Promise.all([
      keygen(join(dir, 'ssh_host_ed25519_key'), 'ed25519'),
      keygen(join(dir, 'ssh_host_rsa_key'), 'rsa'),
      keygen(clientKey, 'ed25519'),
    ]);
    await copyFile(`${clientKey}.pub`, join(dir, 'authorized_keys'));
    const [ed25519, rsa] = await Promise.all([
      fingerprint(join(dir, 'ssh_host_ed25519_key.pub')),
      fingerprint(join(dir, 'ssh_host_rsa_key.pub')),
    ]);
    const port = await freeTcpPort();
    const sshdConfigPath = join(dir, 'sshd_config');
    await writeFile(sshdConfigPath, sshdConfig({ port, dir, socket, user }));
    // netconfd saves running to $YUMA_HOME/data/startup-cfg.xml on every commit (it ignores
    // $HOME), so each instance needs its own YUMA_HOME or they would share the user's ~/.yuma.
    const yumaHome = join(dir, 'yuma');
    await mkdir(join(yumaHome, 'data'), { recursive: true });
    const args = [
      `--port=${port}`,
      `--ncxserver-sockname=${socket}`,
      '--target=candidate',
      `--superuser=${user}`,
      `--log-level=${o.logLevel ?? 'info'}`,
      ...o.modules.map((m) => `--module=${m}`),
    ];
    if (o.modpath?.length) args.push(`--modpath=${o.modpath.join(':')}`);
    if (o.startupXml !== undefined) {
      const startup = join(dir, 'startup.xml');
      await writeFile(startup, o.startupXml);
      args.push(`--startup=${startup}`);
    } else {
      args.push('--no-startup');
    }
    if (isRoot()) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const logPath = join(dir, 'netconfd.log');
    const sshdLogPath = join(dir, 'sshd.log');
    const peer = `netconf ${o.name}`;
    const netconfd = await spawnPeer({
      name: `netconf-${o.name}-netconfd`,
      runDir,
      cmd: 'netconfd',
      args,
      cwd: dir,
      logPath,
      env: { YUMA_HOME: yumaHome },
    });
    const sshd = await spawnPeer({
      name: `netconf-${o.name}-sshd`,
      runDir,
      cmd: SSHD,
      args: ['-D', '-e', '-f', sshdConfigPath],
      cwd: dir,
      logPath: sshdLogPath,
    }).catch(async (err) => {
      await netconfd.stop();
      throw err;
    });
    const stop = async () => {
      await Promise.all([sshd.stop(), netconfd.stop()]);
    };
    try {
      await waitUntilReady(
        async () => {
          if (!existsSync(socket)) throw new Error(`netconfd socket ${socket} not there yet`);
          const banner = await readBanner(port);
          if (!banner.startsWith('SSH-2.0-')) throw new Error(`unexpected banner ${JSON.stringify(banner)}`);
          return true;
        },
        {
          peer,
          timeoutMs: o.readyTimeoutMs ?? 15_000,
          procs: [netconfd, sshd],
          logs: [logPath, sshdLogPath],
        },
      );
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      info: {
        name: o.name,
        host: LOOPBACK,
        port,
        username: user,
        privateKeyPath: clientKey,
        hostKeySha256: ed25519,
        hostKeys: { ed25519, rsa },
        logPath,
        sshdLogPath,
        socketPath: socket,
        modules: o.modules,
        seededPorts: o.seededPorts ?? [],
      },
      stop,
    };
  });
}

/** The ietf-interfaces device: YANG files copied in, so the model is served as plain data. */
export async function startIetfNetconf(runDir: string): Promise<RunningNetconf> {
  const yangDir = join(runDir, 'yang-ietf');
  await mkdir(yangDir, { recursive: true });
  const modules: string[] = [];
  for (const src of [IETF_INTERFACES, IANA_IF_TYPE]) {
    const dst = join(yangDir, basename(src));
    await copyFile(src, dst);
    modules.push(dst);
  }
  return startNetconf(runDir, { name: 'ietf', modules });
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Vendor YANG folder: $DCAGENT_YANG_DIR, else ../shared/yang next to the checkout. */
export function resolveYangDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DCAGENT_YANG_DIR ? resolve(env.DCAGENT_YANG_DIR) : resolve(REPO_ROOT, '../shared/yang');
}

/** OpenConfig interfaces; iana-if-type is needed or every ethernetCsmacd type is rejected. */
export function startOpenconfigNetconf(runDir: string, yangDir = resolveYangDir()): Promise<RunningNetconf> {
  const oc = join(yangDir, 'openconfig');
  return startNetconf(runDir, {
    name: 'openconfig',
    modpath: [oc, YUMA_MODULES],
    modules: [join(oc, 'openconfig-interfaces.yang'), IANA_IF_TYPE],
  });
}

export const DEFAULT_HUAWEI_PORTS = [
  '10GE1/0/1',
  '10GE1/0/2',
  '10GE1/0/3',
  '10GE1/0/4',
  '100GE1/0/5',
  '100GE1/0/6',
];

/**
 * Startup config for huawei-ifm: on a real router the physical ports exist already, and every
 * interface's vrf-name defaults to `_public_`, a leafref that must resolve. Port names are
 * `<type><number>` where type is a huawei-ifm interface type (10GE, 25GE, 100GE, …); an unknown
 * type makes netconfd refuse the startup config ("value not in set").
 */
export function huaweiSeedXml(ports: readonly string[]): string {
  const ifaces = ports
    .map((name) => {
      const m = /^([A-Za-z0-9]+?)(\d+\/\d+\/\d+)$/.exec(name);
      if (!m) throw new Error(`huawei seed: cannot split port name ${name} into type and number`);
      return `      <interface><name>${name}</name><class>main-interface</class><type>${m[1]}</type><number>${m[2]}</number></interface>`;
    })
    .join('\n');
  return [
    '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">',
    '  <network-instance xmlns="urn:huawei:yang:huawei-network-instance"><instances><instance><name>_public_</name></instance></instances></network-instance>',
    '  <ifm xmlns="urn:huawei:yang:huawei-ifm">',
    '    <interfaces>',
    ifaces,
    '    </interfaces>',
    '  </ifm>',
    '</config>',
    '',
  ].join('\n');
}

export function startHuaweiNetconf(
  runDir: string,
  yangDir = resolveYangDir(),
  ports: readonly string[] = DEFAULT_HUAWEI_PORTS,
): Promise<RunningNetconf> {
  const hw = join(yangDir, 'huawei');
  return startNetconf(runDir, {
    name: 'huawei',
    modpath: [hw, YUMA_MODULES],
    modules: [join(hw, 'huawei-ifm.yang')],
    startupXml: huaweiSeedXml(ports),
    seededPorts: [...ports],
  });
}
