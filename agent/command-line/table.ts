/** Plain-text tables and ages for the operator commands (`jobs`, `connections`). */

/** How long ago `fromIso` was, in the largest unit that keeps it short (`42s`, `7m`, `3h`, `2d`). */
export function age(fromIso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** Cuts a cell to its first line and at most `width` characters. */
export function cell(text: string, width: number): string {
  const first = text.split('\n')[0] ?? '';
  return first.length > width ? `${first.slice(0, width - 1)}…` : first;
}

/** A header and rows, columns padded to their widest cell; the last column is not padded. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
