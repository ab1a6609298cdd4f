import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Secret } from '../core/secret.js';

/**
 * CONTRACT §9's rules for who may use the console: loopback needs nothing, any other address
 * needs a token; with a token, every request carries it (header or the login cookie); the two
 * actions also need a same-origin request, token or not.
 */

export const COOKIE = 'dcagent_console';

/** Whether a listen host reaches only this machine. A name other than localhost is not trusted to. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

/** `HOST:PORT` (IPv6 in brackets) as host and port; the schema has checked its form. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** A Host header naming this machine by a loopback name or address (any port). */
export function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d{1,5})?$/.exec(host);
  return m !== null && isLoopback(m[1]!);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares in constant time (over digests, so the length leaks nothing either). */
export function tokenMatches(token: Secret, given: string | undefined): boolean {
  if (given === undefined || given.length === 0 || given.length > 4096) return false;
  return timingSafeEqual(digest(token.reveal()), digest(given));
}

export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * A request a page of this console made: the browser says so (`Sec-Fetch-Site: same-origin`), or
 * its `Origin` is this host. A request with neither is refused: a form on another site cannot set
 * them, and scripts and tools can.
 */
export function sameOrigin(headers: {
  origin?: string | undefined;
  host?: string | undefined;
  'sec-fetch-site'?: string | undefined;
}): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  const origin = headers.origin;
  if (!origin || !headers.host) return false;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
