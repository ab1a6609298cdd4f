import { describe, expect, it } from 'vitest';
import { PollFailureLog, type PollOutcome } from '../../../agent/poll-failure-log.js';
import { capturingLogger } from '../../helpers/log-capture.js';

const capture = capturingLogger;

const bad: PollOutcome[] = [
  { ok: false, port: 'p1', reason: 'snmp-timeout', message: 'no answer after 3 tries' },
];
const good: PollOutcome[] = [{ ok: true, port: 'p1' }];

describe('PollFailureLog', () => {
  it('one line when polls start failing, a summary at most every summaryEveryMs, one on recovery', () => {
    const { logger, lines } = capture();
    const log = new PollFailureLog(logger, 60_000);
    const t0 = 1_000_000;
    log.note('sw1', good, t0);
    for (let i = 1; i <= 100; i++) log.note('sw1', bad, t0 + i * 2_000);
    log.note('sw1', good, t0 + 101 * 2_000);
    const msgs = lines.map((l) => l.msg);
    // 100 failed polls over 200 s: the first, three summaries (60 s apart), the recovery.
    expect(msgs).toEqual([
      'device polls failing',
      'device polls still failing',
      'device polls still failing',
      'device polls still failing',
      'device polls recovered',
    ]);
    expect(lines[0]).toMatchObject({ device: 'sw1', reason: 'snmp-timeout', err: 'no answer after 3 tries' });
    expect(lines[1]).toMatchObject({ failedPolls: 31, sinceLastSummary: 30 });
    expect(lines[4]).toMatchObject({ device: 'sw1', failedPolls: 100, failedForMs: 200_000 });
  });

  it('a device that never failed logs nothing', () => {
    const { logger, lines } = capture();
    const log = new PollFailureLog(logger, 60_000);
    for (let i = 0; i < 10; i++) log.note('sw1', good, i * 2_000);
    expect(lines).toEqual([]);
  });
});
