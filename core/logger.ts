import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { REDACTED, scrubSecrets } from './secret.js';

export type { Logger } from 'pino';

/**
 * Field names that hold credentials anywhere in our objects or in ssh2/net-snmp/ioredis options.
 * pino's redaction matches exact paths, so each name is listed at the depths where our log
 * calls put objects (top level, one and two levels down).
 */
const SECRET_KEYS = [
  'password',
  'passphrase',
  'privateKey',
  'community',
  'authKey',
  'privKey',
  'secret',
  'token',
  'authorization',
];

export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerSetup {
  level?: string;
  name?: string;
  /** Where lines go; stdout (fd 1) when absent. Tests pass a stream to read the output. */
  destination?: DestinationStream;
}

/**
 * pino appends a child's bindings and a call's fields without looking at what is already there,
 * so a driver's child logger (`device`) handed to a session that binds `device` again writes the
 * key twice. Log shippers then keep the first, the last or refuse the line. Parsing the line and
 * writing it again keeps each key once, with the innermost value (the last one, as in JSON.parse).
 */
export function withUniqueKeys(line: string): string {
  try {
    return `${JSON.stringify(JSON.parse(line))}\n`;
  } catch {
    return line;
  }
}

export function createLogger(setup: LoggerSetup = {}): Logger {
  const options: LoggerOptions = {
    level: setup.level ?? process.env.DCAGENT_LOG_LEVEL ?? 'info',
    base: { name: setup.name ?? 'dcagent' },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    hooks: {
      // The last line of defence: a secret that reached a message string or a foreign error is
      // still removed before the line leaves the process.
      streamWrite: (line: string) => scrubSecrets(withUniqueKeys(line)),
    },
  };
  return setup.destination ? pino(options, setup.destination) : pino(options, pino.destination(1));
}

/** A logger that writes nothing, for library code used without a logger (CLI one-shots, tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
