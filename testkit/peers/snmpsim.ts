// snmpsim's command responder on a free loopback UDP port. Each `<name>.snmprec` in its data dir
// is one device, reached with community `<name>` (v2c) or context `<name>` (v3).
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  freeUdpPort,
  isRoot,
  LOOPBACK,
  lookupId,
  peerDir,
  retryOnPortClash,
  run,
  spawnPeer,
  waitUntilReady,
} from './process.js';
import type { SnmpPeerInfo, SnmpV3UserInfo } from './types.js';

export const CISCO_16_SWITCH = '/usr/share/doc/snmpsim/examples/data/cisco_16_switch.snmprec.gz';
export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/snmprec');
const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';

export interface SnmpsimStartOptions {
  name?: string;
  /** Copy the shipped recorded Cisco 3750 as community `cisco_16_switch` (default true). */
  cisco?: boolean;
  /** .snmprec files to copy in; default: every one under test/fixtures/snmprec. */
  files?: string[];
  /** Extra devices written before the start: community → snmprec text. */
  records?: Record<string, string>;
  /** Community used for the readiness GET (default: cisco_16_switch, else the first one). */
  readyCommunity?: string;
  v3?: Partial<Pick<SnmpV3UserInfo, 'user' | 'authKey' | 'privKey'>>;
  readyTimeoutMs?: number;
}

export interface RunningSnmpsim {
  info: SnmpPeerInfo;
  stop(): Promise<void>;
}

/** Debian's 0.4 ships `snmpsimd`; snmpsim 1.x renamed it. */
function responderCommand(): string {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(':')) {
    if (existsSync(join(dir, 'snmpsim-command-responder'))) return 'snmpsim-command-responder';
  }
  return 'snmpsimd';
}

export function fixtureFiles(dir = FIXTURES_DIR): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.snmprec')) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

export function startSnmpsim(runDir: string, o: SnmpsimStartOptions = {}): Promise<RunningSnmpsim> {
  const name = o.name ?? 'snmpsim';
  return retryOnPortClash(async () => {
    const dir = await peerDir(runDir, name);
    const dataDir = join(dir, 'data');
    const cacheDir = join(dir, 'cache');
    await mkdir(dataDir);
    await mkdir(cacheDir);

    const communities: string[] = [];
    const add = async (community: string, write: (dst: string) => Promise<void>) => {
      if (communities.includes(community))
        throw new Error(`${name}: two data files for community ${community}`);
      communities.push(community);
      await write(join(dataDir, `${community}.snmprec`));
    };
    if (o.cisco ?? true) {
      await add('cisco_16_switch', (dst) => writeFile(dst, gunzipSync(readFileSync(CISCO_16_SWITCH))));
    }
    for (const f of o.files ?? fixtureFiles()) await add(basename(f, '.snmprec'), (dst) => copyFile(f, dst));
    for (const [community, text] of Object.entries(o.records ?? {})) {
      await add(community, (dst) => writeFile(dst, text));
    }
    if (communities.length === 0) throw new Error(`${name}: no .snmprec data to serve`);

    const v3: SnmpV3UserInfo = {
      user: o.v3?.user ?? 'dcagent',
      authProtocol: 'SHA',
      authKey: o.v3?.authKey ?? `auth-${randomBytes(8).toString('hex')}`,
      privProtocol: 'AES',
      privKey: o.v3?.privKey ?? `priv-${randomBytes(8).toString('hex')}`,
    };
    const port = await freeUdpPort();
    const args = [
      `--data-dir=${dataDir}`,
      `--cache-dir=${cacheDir}`,
      `--agent-udpv4-endpoint=${LOOPBACK}:${port}`,
      '--logging-method=stderr',
      `--v3-user=${v3.user}`,
      `--v3-auth-key=${v3.authKey}`,
      '--v3-auth-proto=SHA',
      `--v3-priv-key=${v3.privKey}`,
      '--v3-priv-proto=AES',
    ];
    if (isRoot()) {
      // snmpsimd refuses to keep root; as nobody it must still reach the data and own its cache.
      const uid = lookupId('/etc/passwd', 'nobody');
      const gid = lookupId('/etc/group', 'nogroup');
      if (uid === null || gid === null) throw new Error(`${name}: no nobody/nogroup account on this machine`);
      for (const d of [runDir, dir, dataDir]) chmodSync(d, 0o755);
      chownSync(cacheDir, uid, gid);
      args.push('--process-user=nobody', '--process-group=nogroup');
    }
    const logPath = join(dir, 'snmpsimd.log');
    const proc = await spawnPeer({ name, runDir, cmd: responderCommand(), args, cwd: dir, logPath });
    const community =
      o.readyCommunity ?? (communities.includes('cisco_16_switch') ? 'cisco_16_switch' : communities[0]!);
    try {
      // It indexes every data file before it answers, so one answered GET means all are served.
      // Any answer counts (snmpget exits 0 even for noSuchObject); an unserved community or a
      // busy indexer gives no answer at all, and snmpget exits 1 with a timeout.
      await waitUntilReady(
        async () => {
          await run(
            'snmpget',
            ['-v2c', '-c', community, '-t', '1', '-r', '0', `${LOOPBACK}:${port}`, SYS_UPTIME],
            3000,
          );
          return true;
        },
        {
          peer: name,
          timeoutMs: o.readyTimeoutMs ?? 60_000,
          intervalMs: 250,
          procs: [proc],
          logs: [logPath],
        },
      );
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return {
      info: { host: LOOPBACK, port, dataDir, communities, v3, logPath },
      stop: () => proc.stop(),
    };
  });
}
