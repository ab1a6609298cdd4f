import { z } from 'zod';
import type { JobDetail, JobView } from '../../contract/cli-output.js';
import { age, cell, table } from '../command-line/table.js';

/** The part of a BullMQ job this module reads; a structural type so tests need no Redis. */
export interface JobLike {
  id?: string | undefined;
  name: string;
  data: unknown;
  opts: { attempts?: number | undefined; delay?: number | undefined };
  attemptsMade: number;
  failedReason?: string | undefined;
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  returnvalue?: unknown;
}

/**
 * Job data in Redis was written by whoever added the job (another team's control plane, in any
 * language), so it is read defensively: only string fields are shown, anything else is null.
 */
const shownData = z
  .object({
    connectionId: z.string().max(200).optional().catch(undefined),
    device: z.string().max(200).optional().catch(undefined),
    port: z.string().max(200).optional().catch(undefined),
  })
  .catch({});

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

export function jobView(job: JobLike, state: string): JobView {
  const d = shownData.parse(typeof job.data === 'object' && job.data !== null ? job.data : {});
  return {
    id: String(job.id ?? ''),
    name: job.name,
    state,
    connectionId: d.connectionId ?? null,
    device: d.device ?? null,
    port: d.port ?? null,
    attemptsMade: job.attemptsMade,
    // The agent's rule (CONTRACT §3): a missing or 0 `attempts` counts as 1.
    attemptsMax: Math.max(1, job.opts.attempts ?? 1),
    failedReason: job.failedReason || null,
    createdAt: iso(job.timestamp) ?? new Date(0).toISOString(),
    processedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    delayMs: Math.max(0, job.opts.delay ?? 0),
  };
}

export function jobDetail(job: JobLike, state: string): JobDetail {
  return { ...jobView(job, state), data: job.data, returnvalue: job.returnvalue ?? null };
}

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
