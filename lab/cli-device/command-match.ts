import type { EmuCommand } from './profile.js';

/** A word typed on the command line and the column it starts at. */
export interface Token {
  text: string;
  start: number;
}

export type Matched =
  | { ok: true; command: EmuCommand; argIndex: number }
  | { ok: false; error: 'unrecognized' | 'ambiguous' | 'incomplete'; at: number };

export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  for (const m of line.matchAll(/\S+/g)) out.push({ text: m[0], start: m.index ?? 0 });
  return out;
}

/**
 * The command the tokens name, word by word, taking unambiguous prefixes (`sh run`) as devices
 * do; `argIndex` is where its argument starts.
 */
export function matchCommand(commands: readonly EmuCommand[], tokens: readonly Token[]): Matched {
  let candidates = commands;
  for (let i = 0; ; i++) {
    const complete = candidates.filter((c) => c.words.length === i);
    const longer = candidates.filter((c) => c.words.length > i);
    const token = tokens[i];
    if (!token) {
      const done = complete[0];
      return done ? { ok: true, command: done, argIndex: i } : { ok: false, error: 'incomplete', at: i };
    }
    const t = token.text.toLowerCase();
    let next = longer.filter((c) => c.words[i] === t);
    if (next.length === 0) {
      const prefixed = longer.filter((c) => c.words[i]?.startsWith(t));
      const words = new Set(prefixed.map((c) => c.words[i]));
      if (words.size > 1 && complete.length === 0) return { ok: false, error: 'ambiguous', at: i };
      if (words.size === 1) next = prefixed;
    }
    if (next.length > 0) {
      candidates = next;
      continue;
    }
    const done = complete[0];
    return done ? { ok: true, command: done, argIndex: i } : { ok: false, error: 'unrecognized', at: i };
  }
}

/** What `?` shows after `partial`: the words that may come next. */
export function helpWords(commands: readonly EmuCommand[], partial: string): string[] {
  const tokens = tokenize(partial);
  const endsWithSpace = partial === '' || /\s$/.test(partial);
  const typed = endsWithSpace ? tokens : tokens.slice(0, -1);
  const words = new Set<string>();
  for (const c of commands) {
    if (typed.every((t, i) => c.words[i]?.startsWith(t.text.toLowerCase()))) {
      const w = c.words[typed.length];
      if (w) words.add(w);
      else if (c.arg && c.arg !== 'none') words.add(`<${c.arg}>`);
    }
  }
  return [...words].sort().map((w) => `  ${w}`);
}

/** `include|exclude|begin <regex>`, as both VRP and IOS take them. */
export function parseFilter(spec: string): ((l: string) => boolean) | undefined {
  const m = /^(include|exclude|begin)\s+(.+)$/i.exec(spec.trim());
  if (!m?.[1] || !m[2]) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(m[2]);
  } catch {
    return undefined;
  }
  const kind = m[1].toLowerCase();
  if (kind === 'include') return (l) => re.test(l);
  if (kind === 'exclude') return (l) => !re.test(l);
  let started = false;
  return (l) => {
    if (!started && re.test(l)) started = true;
    return started;
  };
}
