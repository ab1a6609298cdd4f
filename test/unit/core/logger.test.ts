import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { createLogger, type Logger } from '../../../core/logger.js';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

/** Keys that appear twice in one object of a line, found by an independent parser (yaml, uniqueKeys). */
function duplicateKeyErrors(line: string): string[] {
  return parseDocument(line, { uniqueKeys: true }).errors.map((e) => e.message.split('\n')[0] ?? '');
}

/** The log calls the agent makes: child loggers bound at each layer, and fields repeated in calls. */
function logLikeTheAgent(log: Logger): void {
  const job = log.child({ jobId: 'j1', job: 'provision', connectionId: 'hc-1' });
  const driver = job.child({ device: 'sw1', platform: 'ietf-interfaces' });
  const session = driver.child({ device: 'sw1' });
  session.info({ device: 'sw1', port: '10GE1/0/1' }, 'edit-config');
  session.child({ device: 'sw1', port: '10GE1/0/1' }).warn({ port: '10GE1/0/1' }, 'read back');
}

describe('log lines', () => {
  it('never hold the same key twice, however loggers are nested', () => {
    const out = capture();
    logLikeTheAgent(createLogger({ destination: out.stream, level: 'debug' }));
    const lines = out.lines();
    expect(lines.length).toBe(2);
    for (const line of lines) expect(duplicateKeyErrors(line), line).toEqual([]);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ msg: 'edit-config', device: 'sw1', port: '10GE1/0/1', jobId: 'j1' });
  });

  it('control: plain pino writes duplicate keys for the same calls, so the test above can fail', () => {
    const out = capture();
    logLikeTheAgent(pino({ level: 'debug' }, out.stream));
    expect(out.lines().some((l) => duplicateKeyErrors(l).length > 0)).toBe(true);
  });
});
