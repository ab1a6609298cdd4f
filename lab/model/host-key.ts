import ssh2 from 'ssh2';
import { sshFingerprint } from '../../drivers/transport/ssh.js';

// ssh2 is CommonJS and Node's ESM loader only finds some of its exports by name.
const { utils } = ssh2;

export interface HostKey {
  /** Private key in OpenSSH format, as ssh2's generateKeyPairSync returns it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA…` public key line. */
  publicKey: string;
  /** OpenSSH `SHA256:…` fingerprint, what the agent config pins. */
  fingerprint: string;
}

/** How a lab switch's SSH server (NETCONF or CLI) listens and who may log in. */
export interface LabSshServerOptions {
  host: string;
  /** 0 (default) picks a free port. */
  port?: number;
  username: string;
  password: string;
  hostKey: HostKey;
  /** OpenSSH public key lines that may log in instead of the password. */
  authorizedKeys?: readonly string[];
}

/**
 * An ed25519 host key for a simulated device (the lab's NETCONF and CLI switches, test fakes).
 * ssh2 1.17 drops a leading zero byte of the public key it generates, so about 1 key in 256
 * fails its own parser (mscdex/ssh2#1390); such a key is thrown away and another one made.
 */
export function generateHostKey(comment = 'dcagent-lab'): HostKey {
  for (let attempt = 1; ; attempt++) {
    const keys = utils.generateKeyPairSync('ed25519', { comment });
    const pub = utils.parseKey(keys.public);
    const priv = utils.parseKey(keys.private);
    if (!(pub instanceof Error) && !(priv instanceof Error)) {
      return {
        privateKey: keys.private,
        publicKey: keys.public,
        fingerprint: sshFingerprint(pub.getPublicSSH()),
      };
    }
    if (attempt >= 20) throw pub instanceof Error ? pub : priv;
  }
}
