import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyRedisError, describeGap } from '../../../agent/redis-access.js';
import { RedisGuard } from '../../../agent/redis-guard.js';
import { buildConfig } from '../../../config/load.js';
import { RedisAccessError } from '../../../core/errors.js';
import { LogLimiter } from '../../../core/log-limit.js';
import type { Logger } from '../../../core/logger.js';

function recordingLogger() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    lines.push({ level, fields, msg });
  return {
    lines,
    logger: {
      warn: at('warn'),
      info: at('info'),
      error: at('error'),
      debug: at('debug'),
    } as unknown as Logger,
  };
}

const noperm = Object.assign(new Error("NOPERM this user has no permissions to run the 'evalsha' command"), {
  name: 'ReplyError',
});

describe('classifyRedisError', () => {
  it('sorts replies and socket errors by what the operator must fix', () => {
    expect(
      classifyRedisError(new Error('WRONGPASS invalid username-password pair or user is disabled.')),
    ).toBe('auth');
    expect(classifyRedisError(new Error('NOAUTH Authentication required.'))).toBe('auth');
    expect(classifyRedisError(noperm)).toBe('permission');
    expect(
      classifyRedisError(
        Object.assign(new Error('self-signed certificate in certificate chain'), {
          code: 'SELF_SIGNED_CERT_IN_CHAIN',
        }),
      ),
    ).toBe('tls');
    expect(
      classifyRedisError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('unreachable');
    expect(classifyRedisError(new Error('ERR Error running script'))).toBeUndefined();
    expect(classifyRedisError(new RedisAccessError('permission', 'x'))).toBe('permission');
  });
});

describe('the permission gap line', () => {
  const cfg = buildConfig({ redis: { url: 'redis://dcagent@h:1' } }, { env: {} });
  it('names each refused command and the rule to add, with the doc anchor', () => {
    expect(describeGap({ commands: ['info'], keys: false }, cfg.redis)).toBe(
      'Redis user dcagent lacks INFO: add "+info" (docs/operations.md#redis-acl)',
    );
    expect(describeGap({ commands: ['info', 'client|setname'], keys: true }, cfg.redis)).toBe(
      'Redis user dcagent lacks INFO, CLIENT SETNAME: add "+info +client|setname"; may not use keys under dcagent: add "~dcagent:*" (docs/operations.md#redis-acl)',
    );
    expect(describeGap({ commands: [], keys: false }, cfg.redis)).toBeUndefined();
  });
});

describe('LogLimiter', () => {
  it('writes one line per kind per interval and carries the suppressed count on the next', () => {
    let now = 0;
    const { lines, logger } = recordingLogger();
    const limit = new LogLimiter(logger, 60_000, () => now);
    for (let i = 0; i < 10_000; i++) limit.warn('worker:permission', { i }, 'refused');
    limit.warn('worker:auth', {}, 'wrong password');
    expect(lines.map((l) => l.msg)).toEqual(['refused', 'wrong password']);
    now = 60_000;
    limit.warn('worker:permission', {}, 'refused');
    expect(lines[2]?.fields).toEqual({ suppressed: 9_999 });
  });
});

describe('RedisGuard', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(exitAfterMs = 300_000) {
    const { lines, logger } = recordingLogger();
    const calls: string[] = [];
    let access: Error | undefined = noperm;
    const fatal: string[] = [];
    const guard = new RedisGuard({
      log: new LogLimiter(logger, 60_000, () => Date.now()),
      exitAfterMs,
      check: async () => {
        calls.push('check');
        if (access) throw access;
      },
      pause: () => {
        calls.push('pause');
      },
      resume: () => {
        calls.push('resume');
      },
      fatal: (r) => fatal.push(r),
    });
    return { guard, lines, calls, fatal, grant: () => (access = undefined) };
  }

  it('a storm of permission errors pauses once, logs once, and re-checks with a growing delay', async () => {
    const { guard, lines, calls } = setup();
    for (let i = 0; i < 100_000; i++) guard.report('job worker', noperm);
    expect(guard.healthy).toBe(false);
    expect(calls).toEqual(['pause']);
    expect(lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(calls).toEqual(['pause', 'check', 'check', 'check']);
    // Still one line: the re-check failures are a kind of their own, logged once a minute.
    expect(lines.filter((l) => l.msg === 'Redis access still failing')).toHaveLength(1);
  });

  it('resumes when the re-check passes', async () => {
    const { guard, calls, grant, lines } = setup();
    guard.report('job worker', noperm);
    grant();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(['pause', 'check', 'resume']);
    expect(guard.healthy).toBe(true);
    expect(lines.at(-1)?.msg).toBe('Redis access is back; jobs resumed');
  });

  it('gives up after exitAfterMs of nothing but auth/permission errors', async () => {
    const { guard, fatal } = setup(30_000);
    guard.report('job worker', noperm);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(fatal).toEqual([]);
    await vi.advanceTimersByTimeAsync(11_000);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/only Redis authentication\/permission errors for \d+ s/);
  });

  it('another kind of error in between restarts the count', async () => {
    const { guard, fatal } = setup(30_000);
    guard.report('job worker', noperm);
    await vi.advanceTimersByTimeAsync(20_000);
    guard.report('job worker', new Error('LOADING Redis is loading the dataset in memory'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fatal).toEqual([]);
  });

  it('a lone unexplained worker error does not pause; a burst does', () => {
    const { guard, calls } = setup();
    guard.report('job worker', new Error('Missing lock for job 7'));
    expect(calls).toEqual([]);
    for (let i = 0; i < 50; i++) guard.report('job worker', new Error('ERR something odd'));
    expect(calls).toEqual(['pause']);
  });
});
