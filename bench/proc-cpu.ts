import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU a process has used so far in user and in kernel mode, in ms, from /proc: another process's, not ours. */
export function cpuSplitMs(pid: number): { user: number; system: number } {
  // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command) are utime and stime.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    user: (Number(rest[11]) * 1000) / TICKS_PER_SECOND,
    system: (Number(rest[12]) * 1000) / TICKS_PER_SECOND,
  };
}

/** CPU (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}
