import { describe, expect, it } from 'vitest';
import { jobDetailText, jobsTable } from '../../../../agent/commands/job-view.js';
import { type JobLike, jobDetail, jobView } from '../../../../agent/views/job.js';
import { jobDetailSchema, jobViewSchema } from '../../../../contract/cli-output.js';

const T0 = Date.parse('2026-12-05T06:00:00.000Z');

const job = (over: Partial<JobLike> = {}): JobLike => ({
  id: 'provision-hc-a1-1',
  name: 'provision',
  data: { schemaVersion: 1, connectionId: 'hc-a1', device: 'sw1', port: 'XGE1/0/1' },
  opts: { attempts: 3 },
  attemptsMade: 1,
  timestamp: T0,
  ...over,
});

describe('job views (dcagent jobs)', () => {
  it('reads connection, device and port from well-formed data, and fits its own schema', () => {
    const v = jobView(job({ failedReason: 'unreachable: no route', processedOn: T0 + 5 }), 'failed');
    expect(v).toMatchObject({
      id: 'provision-hc-a1-1',
      state: 'failed',
      connectionId: 'hc-a1',
      device: 'sw1',
      port: 'XGE1/0/1',
      attemptsMade: 1,
      attemptsMax: 3,
      failedReason: 'unreachable: no route',
      createdAt: '2026-12-05T06:00:00.000Z',
      processedAt: '2026-12-05T06:00:00.005Z',
      finishedAt: null,
    });
    expect(jobViewSchema.parse(v)).toEqual(v);
  });

  it("counts a missing or 0 attempts as 1, as the agent does (BullMQ's default)", () => {
    expect(jobView(job({ opts: {} }), 'waiting').attemptsMax).toBe(1);
    expect(jobView(job({ opts: { attempts: 0 } }), 'waiting').attemptsMax).toBe(1);
  });

  it('shows null, never a crash, for data another producer shaped differently', () => {
    for (const data of ['"a string"', null, 42, { connectionId: 7, device: ['x'], port: { a: 1 } }]) {
      const v = jobView(job({ data }), 'completed');
      expect(v).toMatchObject({ connectionId: null, device: null, port: null });
      expect(jobViewSchema.safeParse(v).success).toBe(true);
    }
    // One bad field does not hide the good ones.
    expect(jobView(job({ data: { connectionId: 'hc-b2', device: 5 } }), 'failed')).toMatchObject({
      connectionId: 'hc-b2',
      device: null,
    });
  });

  it('table: a header, one row per job, the first line of the reason cut to fit', () => {
    const long = `port-in-use: ${'x'.repeat(100)}\nat stack line`;
    const text = jobsTable(
      [
        jobView(job({ failedReason: long, attemptsMade: 3 }), 'failed'),
        jobView(job({ id: '17', name: 'deprovision', data: {} }), 'waiting'),
      ],
      T0 + 90_000,
    );
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATE\s+CONNECTION\s+DEVICE\s+PORT\s+TRIES\s+AGE\s+REASON$/);
    expect(lines[1]).toMatch(
      /^provision-hc-a1-1\s+provision\s+failed\s+hc-a1\s+sw1\s+XGE1\/0\/1\s+3\/3\s+90s\s+port-in-use: x+…$/,
    );
    expect(lines[1]).not.toContain('stack');
    expect(lines[2]).toMatch(/^17\s+deprovision\s+waiting\s+-\s+-\s+-\s+1\/3\s+90s\s+-$/);
    // Columns line up: every row's STATE starts where the header's does.
    const col = lines[0]!.indexOf('STATE');
    expect(lines.slice(1).map((l) => l.slice(col, col + 7).trim())).toEqual(['failed', 'waiting']);
  });

  it('show: every field, a multi-line reason indented under its label, data and result as JSON', () => {
    const d = jobDetail(
      job({ failedReason: 'rpc-error: bad\nsecond', returnvalue: { code: 'rpc-error' } }),
      'failed',
    );
    expect(jobDetailSchema.parse(d)).toEqual(d);
    const text = jobDetailText(d);
    expect(text).toContain('attempts    1 of 3');
    expect(text).toContain('reason      rpc-error: bad\n            second');
    expect(text).toContain('data        {\n              "schemaVersion": 1,');
    expect(text).toContain('result      {\n              "code": "rpc-error"\n            }');
    expect(jobDetailText(jobDetail(job(), 'waiting'))).not.toContain('result');
  });
});
