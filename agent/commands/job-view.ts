import type { JobDetail, JobView } from '../../contract/cli-output.js';
import { age, cell, table } from '../command-line/table.js';

/** A failed reason can be a long stack of text; the table keeps its first line, cut to fit. */
const REASON_WIDTH = 60;

/** The human table of `dcagent jobs`: one row per job, columns padded to their widest cell. */
export function jobsTable(views: readonly JobView[], now = Date.now()): string {
  const head = ['ID', 'NAME', 'STATE', 'CONNECTION', 'DEVICE', 'PORT', 'TRIES', 'AGE', 'REASON'];
  const rows = views.map((v) => [
    v.id,
    v.name,
    v.state,
    v.connectionId ?? '-',
    v.device ?? '-',
    v.port ?? '-',
    `${v.attemptsMade}/${v.attemptsMax}`,
    age(v.createdAt, now),
    v.failedReason ? cell(v.failedReason, REASON_WIDTH) : '-',
  ]);
  return table(head, rows);
}

/** `jobs show`: every field on its own line, then the data and result as indented JSON. */
export function jobDetailText(d: JobDetail): string {
  const lines = [
    `job         ${d.id}`,
    `name        ${d.name}`,
    `state       ${d.state}`,
    `connection  ${d.connectionId ?? '-'}`,
    `device      ${d.device ?? '-'}`,
    `port        ${d.port ?? '-'}`,
    `attempts    ${d.attemptsMade} of ${d.attemptsMax}`,
    `created     ${d.createdAt}`,
    `processed   ${d.processedAt ?? '-'}`,
    `finished    ${d.finishedAt ?? '-'}`,
  ];
  const block = (label: string, text: string) =>
    lines.push(`${label.padEnd(12)}${text.replaceAll('\n', `\n${' '.repeat(12)}`)}`);
  if (d.delayMs > 0) block('delay', `${d.delayMs} ms`);
  if (d.failedReason) block('reason', d.failedReason);
  block('data', JSON.stringify(d.data, null, 2));
  if (d.returnvalue !== null) block('result', JSON.stringify(d.returnvalue, null, 2));
  return lines.join('\n');
}
