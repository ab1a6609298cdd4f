export interface BenchNeed {
  command?: string;
  pkg: string;
}
export interface NeedsOptions {
  root?: boolean;
  install?: (pkgs: string[]) => string[];
  pathEnv?: string | undefined;
  packagesMissing?: (pkgs: string[]) => string[];
}
export declare const BENCH_NEEDS: Readonly<Record<string, readonly BenchNeed[]>>;
export declare function commandFound(command: string, pathEnv: string | undefined): boolean;
export declare function missingNeeds(needs: readonly BenchNeed[], o?: NeedsOptions): BenchNeed[];
export declare function missingLine(label: string, missing: readonly BenchNeed[]): string;
export declare function ensureNeeds(label: string, needs: readonly BenchNeed[], o?: NeedsOptions): string[];
