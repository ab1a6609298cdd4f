import type { z } from 'zod';
import type { FieldIssue } from './errors.js';

/** `['devices', 0, 'netconf', 'port']` → `devices[0].netconf.port`: the form operators type in YAML paths. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/**
 * Flattens zod issues into one line per offending field. Unknown keys get one issue each, named
 * by their own path, so "names its path" holds for them too.
 */
export function toFieldIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...base, key]), message: 'unknown key' });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A failed union reports each alternative; the closest alternative is the one with the fewest issues.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      if (best.length === 0) out.push({ path: formatPath(base), message: issue.message });
      for (const sub of best) {
        out.push({ path: formatPath([...base, ...sub.path]), message: sub.message });
      }
    } else {
      out.push({ path: formatPath(base), message: issue.message });
    }
  }
  return out;
}
