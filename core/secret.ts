import { inspect } from 'node:util';

/**
 * Every secret the process knows of, so the log sink can scrub values that slipped into a
 * message or a foreign error by accident. Path-based redaction alone cannot see those.
 */
const knownSecrets = new Set<string>();

// Very short values would scrub ordinary words out of every log line; they are refused by the
// config schema as weak anyway, and the path-based redaction still covers them.
const MIN_SCRUB_LENGTH = 4;

export const REDACTED = '[REDACTED]';

/**
 * A resolved credential. It prints as [REDACTED] through JSON, string conversion and
 * util.inspect, so passing one to a logger, an error or an event cannot leak it. Only
 * `reveal()` hands out the value, at the one place a transport needs it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_SCRUB_LENGTH) knownSecrets.add(value);
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Registers a secret that did not come through `new Secret` (a password inside a Redis URL). */
export function registerSecret(value: string): void {
  if (value.length >= MIN_SCRUB_LENGTH) knownSecrets.add(value);
}

function variants(secret: string): string[] {
  // A secret can appear raw, JSON-escaped (inside a serialised log line) or percent-encoded (in a URL).
  const json = JSON.stringify(secret).slice(1, -1);
  const uri = encodeURIComponent(secret);
  return [...new Set([secret, json, uri])];
}

/** Replaces every known secret in `text`. Longest first, so a secret containing another is removed whole. */
export function scrubSecrets(text: string): string {
  if (knownSecrets.size === 0) return text;
  let out = text;
  const all = [...knownSecrets].flatMap(variants).sort((a, b) => b.length - a.length);
  for (const s of all) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** For tests: forget everything registered so far. */
export function clearKnownSecrets(): void {
  knownSecrets.clear();
}
