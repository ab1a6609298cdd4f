// A real SNMPv3 agent (net-snmp's createAgent) on a free loopback port, for the security
// fault tests: it checks digests and decrypts like a device does, and answers USM reports.
import { createSocket } from 'node:dgram';
import { netSnmp } from '../../drivers/transport/snmp.js';

export interface V3AgentUser {
  name: string;
  authKey: string;
  privKey: string;
}

export interface RunningV3Agent {
  port: number;
  close(): Promise<void>;
}

/** net-snmp's createAgent turns port 0 into 161, so a free port is found first. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startV3Agent(
  user: V3AgentUser,
  sysDescr = 'dcagent fake v3 agent',
): Promise<RunningV3Agent> {
  const port = await freeUdpPort();
  const agent = netSnmp.createAgent({ port, address: '127.0.0.1', transport: 'udp4' }, () => {
    // Authentication failures and the like are reported here; the client sees them as reports.
  });
  agent.getAuthorizer().addUser({
    name: user.name,
    level: netSnmp.SecurityLevel.authPriv,
    authProtocol: netSnmp.AuthProtocols.sha,
    authKey: user.authKey,
    privProtocol: netSnmp.PrivProtocols.aes,
    privKey: user.privKey,
  });
  agent.registerProvider({
    name: 'sysDescr',
    type: netSnmp.MibProviderType.Scalar,
    oid: '1.3.6.1.2.1.1.1',
    scalarType: netSnmp.ObjectType.OctetString,
    maxAccess: netSnmp.MaxAccess['read-only'],
  });
  agent.getMib().setScalarValue('sysDescr', sysDescr);
  return {
    port,
    close: () => new Promise<void>((resolve) => agent.close(() => resolve())),
  };
}
