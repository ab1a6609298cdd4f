import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../../agent/commands/check-config.js';
import { buildRedisOptions, displayUrl } from '../../../agent/redis.js';
import { buildConfig } from '../../../config/load.js';
import type { ConfigError } from '../../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dcagent-redis-opts-'));
const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'client.pem'), key: join(dir, 'client.key') };
writeFileSync(files.ca, 'CA-PEM');
writeFileSync(files.cert, 'CERT-PEM');
writeFileSync(files.key, 'KEY-PEM-secret-material\n');

const env = { REDIS_PASS: 's3cret-pass', SENTINEL_PASS: 'sentinel-pass' };
const tls = { caFile: files.ca, certFile: files.cert, keyFile: files.key, serverName: 'redis.internal' };
const wantTls = {
  ca: 'CA-PEM',
  cert: 'CERT-PEM',
  key: 'KEY-PEM-secret-material\n',
  servername: 'redis.internal',
};

function cfgOf(redis: Record<string, unknown>, extraEnv: Record<string, string> = {}) {
  return buildConfig({ redis }, { env: { ...env, ...extraEnv } });
}

describe('ioredis options built from redis.*', () => {
  it('standalone: a URL user plus passwordEnv authenticates as that user with that password', () => {
    const cfg = cfgOf({ url: 'redis://dcagent-acl@10.0.0.5:6380/2', passwordEnv: 'REDIS_PASS' });
    const built = buildRedisOptions(cfg.redis, 'fast');
    expect(built.mode).toBe('standalone');
    // No URL reaches ioredis, so nothing parsed from it can override these.
    expect(built.options).toMatchObject({
      host: '10.0.0.5',
      port: 6380,
      db: 2,
      username: 'dcagent-acl',
      password: 's3cret-pass',
    });
  });

  it('redis.username wins over the URL user; a URL password is used when no passwordEnv/File', () => {
    const cfg = cfgOf({ url: 'redis://old:inline-pw@h:6379', username: 'dcagent' });
    expect(buildRedisOptions(cfg.redis, 'cli').options).toMatchObject({
      username: 'dcagent',
      password: 'inline-pw',
    });
    expect(displayUrl(cfg.redis)).toBe('redis://dcagent@h:6379');
  });

  it('standalone TLS: rediss:// plus redis.tls gives CA, client certificate, key and server name', () => {
    const cfg = cfgOf({ url: 'rediss://h:6390', username: 'dcagent', passwordEnv: 'REDIS_PASS', tls });
    const o = buildRedisOptions(cfg.redis, 'worker').options;
    expect(o).toMatchObject({ tls: wantTls, username: 'dcagent', password: 's3cret-pass' });
    expect(buildRedisOptions(cfgOf({ url: 'redis://h:6379' }).redis, 'fast').options).not.toHaveProperty(
      'tls',
    );
  });

  it("sentinel: the data node's auth, the Sentinels' own auth, and TLS for both", () => {
    const cfg = cfgOf({
      url: 'rediss://ignored:1',
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      sentinelName: 'dc',
      username: 'dcagent',
      passwordEnv: 'REDIS_PASS',
      sentinelUsername: 'sentinel-user',
      sentinelPasswordEnv: 'SENTINEL_PASS',
      tls,
    });
    const built = buildRedisOptions(cfg.redis, 'fast');
    expect(built.mode).toBe('sentinel');
    expect(built.options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'dc',
      username: 'dcagent',
      password: 's3cret-pass',
      sentinelUsername: 'sentinel-user',
      sentinelPassword: 'sentinel-pass',
      tls: wantTls,
      sentinelTLS: wantTls,
      enableTLSForSentinelMode: true,
    });
  });

  it('cluster: every node gets the user, password and TLS', () => {
    const cfg = cfgOf({
      url: 'rediss://n0:7000',
      mode: 'cluster',
      prefix: '{dcagent}',
      clusterNodes: [
        { host: 'n1', port: 7001 },
        { host: 'n2', port: 7002 },
      ],
      username: 'dcagent',
      passwordFile: (() => {
        const p = join(dir, 'pw');
        writeFileSync(p, 'file-pass\n');
        return p;
      })(),
      tls,
    });
    const built = buildRedisOptions(cfg.redis, 'worker');
    if (built.mode !== 'cluster') throw new Error('expected cluster');
    expect(built.nodes).toEqual([
      { host: 'n1', port: 7001 },
      { host: 'n2', port: 7002 },
    ]);
    expect(built.options.redisOptions).toMatchObject({
      username: 'dcagent',
      password: 'file-pass',
      tls: wantTls,
      maxRetriesPerRequest: null,
    });
  });
});

describe('redis config validation', () => {
  function issues(redis: Record<string, unknown>, e: Record<string, string> = {}) {
    try {
      cfgOf(redis, e);
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  }

  it('refuses redis.tls with a redis:// URL, half a client certificate, unreadable files', () => {
    expect(issues({ url: 'redis://h:1', tls: { caFile: files.ca } })).toEqual([
      'redis.url: redis.tls is set, so the URL must be rediss:// (TLS), not redis://',
    ]);
    expect(issues({ url: 'rediss://h:1', tls: { certFile: files.cert } })).toEqual([
      'redis.tls.keyFile: a client certificate needs both certFile and keyFile',
    ]);
    expect(issues({ url: 'rediss://h:1', tls: { caFile: join(dir, 'nope.pem') } })[0]).toMatch(
      /^redis\.tls\.caFile: cannot read .*nope\.pem \(ENOENT\)$/,
    );
    expect(issues({ url: 'rediss://h:1', tls: { caFile: files.ca, bogus: 1 } })[0]).toMatch(/bogus/);
    expect(issues({ sentinelPasswordEnv: 'A', sentinelPasswordFile: 'b' })).toContain(
      'redis.sentinelPasswordFile: give sentinelPasswordEnv or sentinelPasswordFile, not both',
    );
    expect(issues({ authFailureExitSeconds: 0 })[0]).toMatch(/^redis\.authFailureExitSeconds:/);
  });

  it('defaults authFailureExitSeconds to 300', () => {
    expect(cfgOf({}).redis.authFailureExitSeconds).toBe(300);
  });
});

describe('check-config shows the Redis user and masks every secret', () => {
  it('names user, password source and TLS files, never the values', () => {
    const cfg = cfgOf({
      url: 'rediss://dcagent-acl:inline-url-pw@h:6390',
      passwordEnv: 'REDIS_PASS',
      tls,
    });
    const text = describeConfig(cfg).join('\n');
    expect(text).toContain('redis rediss://dcagent-acl@h:6390 (standalone) prefix dcagent, user dcagent-acl');
    expect(text).toContain('password [REDACTED] (env REDIS_PASS)');
    expect(text).toContain(
      `tls: ca ${files.ca}, client cert ${files.cert}, key [REDACTED] (file ${files.key})`,
    );
    for (const secret of ['s3cret-pass', 'inline-url-pw', 'KEY-PEM']) expect(text).not.toContain(secret);
  });

  it('a password only in the URL is shown as masked, in the URL', () => {
    const text = describeConfig(cfgOf({ url: 'redis://u:inline-url-pw@h:1' })).join('\n');
    expect(text).toContain('user u, password [REDACTED] (in the URL)');
    expect(text).not.toContain('inline-url-pw');
  });
});
