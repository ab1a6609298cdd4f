// What the interop rig hands to tests: through vitest's `inject('peers')` and, for child
// processes, as a JSON file named by the DCAGENT_TEST_PEERS environment variable.
import { readFileSync } from 'node:fs';

/** Environment variable holding the path of the peers JSON file (shape: TestPeers). */
export const PEERS_FILE_ENV = 'DCAGENT_TEST_PEERS';

export interface RedisPeerInfo {
  url: string;
  host: string;
  port: number;
  logPath: string;
}

export interface NetconfPeerInfo {
  /** `ietf`, `openconfig`, `huawei`, or the name given to startNetconf. */
  name: string;
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** OpenSSH `SHA256:…` fingerprint of the ed25519 host key, which ssh2 and ncclient negotiate first. */
  hostKeySha256: string;
  /** Both host keys, for clients that prefer RSA. */
  hostKeys: { ed25519: string; rsa: string };
  /** netconfd's log (stdout and stderr). */
  logPath: string;
  sshdLogPath: string;
  socketPath: string;
  /** The YANG modules loaded, as passed to --module. */
  modules: string[];
  /** Interfaces present from the start (only the Huawei instance seeds any). */
  seededPorts: string[];
}

export interface SnmpV3UserInfo {
  user: string;
  authProtocol: 'SHA';
  authKey: string;
  privProtocol: 'AES';
  privKey: string;
}

export interface SnmpPeerInfo {
  host: string;
  port: number;
  /** snmpsimd's data dir; each `<community>.snmprec` in it is one device (and one v3 context). */
  dataDir: string;
  /** Communities (file names without .snmprec) served, e.g. `cisco_16_switch`, `sample-ifmib`. */
  communities: string[];
  v3: SnmpV3UserInfo;
  logPath: string;
}

export interface TestPeers {
  /** Folder holding every peer's own folder, logs and pidfiles for this run. */
  runDir: string;
  redis: RedisPeerInfo;
  netconf: {
    ietf: NetconfPeerInfo;
    /** Absent when the vendor YANG folder is missing (see `yang`). */
    openconfig?: NetconfPeerInfo;
    huawei?: NetconfPeerInfo;
  };
  snmp: SnmpPeerInfo;
  /** The Debian python3, which has ncclient (the python3 on PATH may not). */
  ncclientPython: string;
  /** testkit/peers/ncclient_tool.py, the independent NETCONF checker. */
  ncclientTool: string;
  /** Vendor YANG folder used for the openconfig/huawei instances, and whether it was found. */
  yang: { dir: string; present: boolean };
}

declare module 'vitest' {
  export interface ProvidedContext {
    peers: TestPeers;
  }
}

/** For child processes and scripts: reads the peers file the global setup wrote. */
export function readPeersFromEnv(env: NodeJS.ProcessEnv = process.env): TestPeers {
  const file = env[PEERS_FILE_ENV];
  if (!file) throw new Error(`${PEERS_FILE_ENV} is not set: run through \`npm test\` or the interop project`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestPeers;
}
