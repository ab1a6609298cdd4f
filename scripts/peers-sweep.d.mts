export declare const RUN_MARKER_ENV: 'DCAGENT_PEER_RUN';
export declare function processStartTime(pid: number): string | null;
export declare function recordPid(runDir: string, name: string, pid: number): void;
export declare function findRunProcesses(runDir: string): Map<number, string>;
export declare function terminateRunNow(runDir: string): void;
export declare function sweepRun(
  runDir: string,
  opts?: { graceMs?: number },
): Promise<Array<{ pid: number; name: string }>>;
