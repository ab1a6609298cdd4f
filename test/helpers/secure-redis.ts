import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeTcpPort, LOOPBACK, type PeerProcess, peerDir } from '../../testkit/peers/process.js';
import { spawnRedis } from '../../testkit/peers/redis.js';

/** A private CA with a server certificate (127.0.0.1, localhost) and a client certificate, made by openssl. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Another CA that signed nothing here: a client trusting only it must refuse the server. */
  otherCaFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  // EC keys: quicker to make than RSA, and Redis's TLS takes them.
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  return { cert, key };
}

function issue(
  dir: string,
  ca: { cert: string; key: string },
  name: string,
  cn: string,
  ext: string,
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext}\n`);
  openssl(dir, [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    extFile,
  ]);
  return { cert, key };
}

export function makePki(dir: string): TestPki {
  const ca = makeCa(dir, 'test-ca');
  const other = makeCa(dir, 'other-ca');
  const server = issue(
    dir,
    ca,
    'server',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth',
  );
  const client = issue(dir, ca, 'client', 'dcagent', 'extendedKeyUsage=clientAuth');
  return {
    dir,
    caFile: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherCaFile: other.cert,
  };
}

export interface SecureRedis {
  /** Plain port for the test's own admin connection (the `default` user, no password). */
  adminUrl: string;
  port: number;
  /** TLS port, when started with a PKI. */
  tlsPort?: number;
  stop(): Promise<void>;
}

/**
 * A private redis-server with the given ACL lines in its aclfile and, with `pki`, a TLS port
 * that demands a client certificate (`tls-auth-clients yes`). The `default` user stays open on
 * the plain loopback port so the test can administer it (ACL SETUSER at run time).
 */
export async function startSecureRedis(
  runDir: string,
  o: { aclLines?: string[]; pki?: TestPki } = {},
): Promise<SecureRedis> {
  const dir = await peerDir(runDir, 'redis-secure');
  const port = await freeTcpPort();
  const tlsPort = o.pki ? await freeTcpPort() : undefined;
  const extraArgs: string[] = [];
  if (o.aclLines) {
    const aclFile = join(dir, 'users.acl');
    writeFileSync(aclFile, `user default on nopass ~* &* +@all\n${o.aclLines.join('\n')}\n`);
    extraArgs.push('--aclfile', aclFile);
  }
  if (o.pki && tlsPort) {
    extraArgs.push(
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      o.pki.serverCert,
      '--tls-key-file',
      o.pki.serverKey,
      '--tls-ca-cert-file',
      o.pki.caFile,
      '--tls-auth-clients',
      'yes',
    );
  }
  const proc: PeerProcess = await spawnRedis({
    name: 'redis-secure',
    runDir,
    dir,
    port,
    logPath: join(dir, 'redis.log'),
    extraArgs,
  });
  return {
    adminUrl: `redis://${LOOPBACK}:${port}`,
    port,
    ...(tlsPort ? { tlsPort } : {}),
    stop: () => proc.stop(),
  };
}

/** The ACL lines of docs/operations.md#redis-acl, exactly as written there (placeholders filled). */
export function aclLinesFromDoc(docPath: string, passwords: Record<string, string>): string[] {
  const text = readFileSync(docPath, 'utf8');
  const section = text.split('### Redis ACL')[1];
  const block = section ? /```acl\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
  if (!block) throw new Error(`no \`\`\`acl block under "### Redis ACL" in ${docPath}`);
  return block
    .split('\n')
    .filter((l) => l.startsWith('user '))
    .map((l) =>
      l.replace(/<([a-z-]+-password)>/g, (_m, name: string) => {
        const pw = passwords[name];
        if (!pw) throw new Error(`no password given for <${name}>`);
        return pw;
      }),
    );
}

/** What the secure-Redis tests need of the rig: the shared netconfd and snmpsimd. */
export interface RigDevicePeers {
  runDir: string;
  netconf: {
    ietf: { host: string; port: number; username: string; privateKeyPath: string; hostKeySha256: string };
  };
  snmp: { port: number };
}

/**
 * An agent config on the rig's netconfd and the `redis-secure` snmpsimd switch (ports
 * XGE21/0/1-4), with the given `redis` block. Every role's config (agent, control plane,
 * monitoring) is built by it, so they share one inventory.
 */
export function secureAgentConfig(
  peers: RigDevicePeers,
  redis: Record<string, unknown>,
  extra: { agentId?: string; spillDir: string; [k: string]: unknown },
): Record<string, unknown> {
  const nc = peers.netconf.ietf;
  const { agentId, spillDir, ...rest } = extra;
  return {
    redis: { connectTimeoutMs: 3_000, ...redis },
    agent: { id: agentId ?? 'secure-agent', httpPort: 0, logLevel: 'info', shutdownTimeoutSeconds: 10 },
    queues: { attempts: 2, backoffMs: 200 },
    monitoring: { intervalSeconds: 1, upPolls: 2, downPolls: 2 },
    events: { spillFile: join(spillDir, `${agentId ?? 'secure-agent'}-spill.jsonl`) },
    devices: [
      {
        id: 'sec-sw1',
        host: nc.host,
        platform: 'ietf-interfaces',
        portType: '10GBASE-LR',
        ports: ['XGE21/0/1', 'XGE21/0/2', 'XGE21/0/3', 'XGE21/0/4'],
        netconf: {
          port: nc.port,
          username: nc.username,
          privateKeyFile: nc.privateKeyPath,
          hostKey: nc.hostKeySha256,
          confirmTimeoutSeconds: 30,
          rpcTimeoutMs: 15_000,
        },
        snmp: {
          port: peers.snmp.port,
          version: '2c',
          communityEnv: 'SECURE_COMMUNITY',
          timeoutMs: 1000,
          retries: 0,
        },
        optics: 'h3c',
      },
    ],
    ...rest,
  };
}
