import { describe, expect, it } from 'vitest';
import {
  bearer,
  cookieValue,
  isLoopback,
  loopbackHost,
  parseListen,
  sameOrigin,
  tokenMatches,
} from '../../../console/auth.js';
import { Secret } from '../../../core/secret.js';

describe('console auth rules (CONTRACT §9)', () => {
  it('loopback is 127/8, ::1 and localhost; anything else needs a token', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'console.example', '128.0.0.1', '[::]'])
      expect(isLoopback(h), h).toBe(false);
  });

  it('a Host header names this machine only by a loopback name (DNS rebinding sends its own)', () => {
    for (const h of ['127.0.0.1:9470', 'localhost:9470', '[::1]:9470', 'localhost', '127.0.0.1'])
      expect(loopbackHost(h), h).toBe(true);
    for (const h of [
      'evil.example:9470',
      'evil.example',
      '10.0.0.1:9470',
      '',
      undefined,
      '127.0.0.1.evil.example:1',
    ])
      expect(loopbackHost(h), String(h)).toBe(false);
  });

  it('parses HOST:PORT, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:9470')).toEqual({ host: '127.0.0.1', port: 9470 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });

  it('takes the token from a Bearer header or the cookie, and compares exactly', () => {
    const t = new Secret('s3cret-token');
    expect(tokenMatches(t, bearer('Bearer s3cret-token'))).toBe(true);
    expect(tokenMatches(t, bearer('bearer  s3cret-token '))).toBe(true);
    expect(tokenMatches(t, bearer('Bearer s3cret-toke'))).toBe(false);
    expect(tokenMatches(t, bearer('Basic s3cret-token'))).toBe(false);
    expect(tokenMatches(t, undefined)).toBe(false);
    expect(tokenMatches(t, '')).toBe(false);
    expect(tokenMatches(t, 'x'.repeat(5000))).toBe(false);
    expect(cookieValue('a=1; dcagent_console=s3cret%2Dtoken; b=2', 'dcagent_console')).toBe('s3cret-token');
    expect(cookieValue('a=1', 'dcagent_console')).toBeUndefined();
    expect(cookieValue('dcagent_console=%E0%A4%A', 'dcagent_console')).toBeUndefined();
  });

  it('an action is same-origin only when the browser says so or the Origin is this host', () => {
    expect(sameOrigin({ 'sec-fetch-site': 'same-origin', host: 'a:1' })).toBe(true);
    expect(sameOrigin({ 'sec-fetch-site': 'cross-site', origin: 'http://a:1', host: 'a:1' })).toBe(false);
    expect(sameOrigin({ 'sec-fetch-site': 'same-site', host: 'a:1' })).toBe(false);
    expect(sameOrigin({ origin: 'http://127.0.0.1:9470', host: '127.0.0.1:9470' })).toBe(true);
    expect(sameOrigin({ origin: 'http://evil.example', host: '127.0.0.1:9470' })).toBe(false);
    expect(sameOrigin({ origin: 'null', host: '127.0.0.1:9470' })).toBe(false);
    expect(sameOrigin({ host: '127.0.0.1:9470' })).toBe(false);
  });
});
