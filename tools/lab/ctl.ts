import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import {
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  type Output,
  processOutput,
} from '../../agent/command-line/io.js';
import { DcAgentError, UsageError } from '../../core/errors.js';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../../lab/control-api.js';
import type { LabState } from '../../lab/index.js';
import type { SwitchStatus } from '../../lab/model/switch.js';

/**
 * `dcagent lab ctl <action>`: the command-line face of the lab's control API. Actions and their
 * fields come from the API's own table, so a new action needs no change here.
 */

export const DEFAULT_LAB_STATE_FILE = 'var/lab/state.json';
export const LAB_URL_ENV = 'DCAGENT_LAB_URL';
export const DEFAULT_LAB_CONFIG = 'var/lab/agent.yaml';

export function labConfigPath(o: { configOut?: string; config?: string }): string {
  return o.configOut ?? o.config ?? DEFAULT_LAB_CONFIG;
}

/**
 * The state file sits beside the lab's config unless named, so `dcagent lab ctl --config <file>`
 * finds the lab that wrote that config.
 */
export function labStateFile(o: { configOut?: string; config?: string; stateFile?: string }): string {
  return o.stateFile ?? join(dirname(labConfigPath(o)), 'state.json');
}

function int(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function decimal(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
}

interface CtlOptions {
  device?: string;
  port?: string;
  db?: number;
  dbPerHour?: number;
  noiseDb?: number;
  rate?: number;
  count?: number;
  downMs?: number;
  upMs?: number;
  vlan?: number;
  serial?: string;
  ms?: number;
  renumber?: boolean;
  loseConfig?: boolean;
  description?: string;
  shutdown?: boolean;
  delete?: boolean;
  snmpLoss?: number;
  snmpDelayMs?: number;
  netconfDelayMs?: number;
  seed?: number;
  url?: string;
  config?: string;
  json?: boolean;
}

export function labUrl(o: { url?: string; stateFile: string }, env: NodeJS.ProcessEnv = process.env): string {
  const given = o.url ?? env[LAB_URL_ENV];
  if (given) return given.replace(/\/+$/, '');
  const file = resolve(o.stateFile);
  let state: Partial<LabState>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabState>;
  } catch {
    throw new UsageError(
      `no running lab found (no state file ${file}); start one with \`dcagent lab\` or pass --url`,
    );
  }
  if (typeof state.controlUrl !== 'string') throw new UsageError(`${file} does not name a control URL`);
  return state.controlUrl;
}

async function call(
  url: string,
  method: 'GET' | 'POST',
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw new DcAgentError('unreachable', `no lab answers at ${url} (is \`dcagent lab\` still running?)`, {
      cause: err,
    });
  }
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // A non-JSON body is shown as it came.
  }
  return { status: res.status, json };
}

function impairedText(s: SwitchStatus): string {
  const i = s.impairment;
  if (!i || (i.snmpLoss === 0 && i.snmpDelayMs === 0 && i.netconfDelayMs === 0)) return '';
  return `  IMPAIRED (snmp loss ${i.snmpLoss}, snmp delay ${i.snmpDelayMs} ms, ssh delay ${i.netconfDelayMs} ms each way, seed ${i.seed})`;
}

function statusLines(s: SwitchStatus): string[] {
  const lines = [
    `${s.id}  ${s.platform}  optics ${s.optics}  up ${s.uptimeSeconds}s${s.silent ? '  SILENT' : ''}${s.rebooting ? '  REBOOTING' : ''}${impairedText(s)}  ${s.transport} sessions ${s.sessions}${s.confirmPendingSeconds !== null ? `  confirmed commit pending (${s.confirmPendingSeconds}s left)` : ''}`,
  ];
  const dbm = (v: number | null) => (v === null ? 'dark' : `${v.toFixed(2)}`);
  for (const p of s.ports) {
    const rx = p.lanes.map((l) => dbm(l.rxDbm)).join('/');
    const tx = p.lanes.map((l) => dbm(l.txDbm)).join('/');
    lines.push(
      `  ${p.name.padEnd(12)} admin ${p.adminStatus.padEnd(4)} oper ${p.operStatus.padEnd(4)} ${p.patched ? 'patched' : 'unpatched'}${p.degradeDb ? ` -${p.degradeDb}dB` : ''}  rx ${rx}  tx ${tx}${p.subinterfaces.length ? `  subifs ${p.subinterfaces.join(',')}` : ''}${p.description ? `  "${p.description}"` : ''}`,
    );
  }
  return lines;
}

export function registerLabCtl(lab: Command, io: Output = processOutput): void {
  const help = [
    '',
    'The lab is found through --url, $DCAGENT_LAB_URL, or the state file `dcagent lab` wrote',
    `(--state-file, default ${DEFAULT_LAB_STATE_FILE}).`,
    '',
    'Actions:',
    '  status        show every switch, or one with --device (ports, light, sessions)',
  ];
  for (const name of ACTION_NAMES) help.push(`  ${name.padEnd(13)} ${ACTIONS[name].summary}`);
  lab
    .command('ctl')
    .description('drive a running lab through its control API')
    .argument('<action>', `status, ${ACTION_NAMES.join(', ')}`)
    .argument('[verb]', '`optic remove` and `optic insert` may be spelt as two words')
    .option('--device <id>', 'switch id')
    .option('--port <name>', 'port name as the switch spells it')
    .option('--db <n>', 'dB for degrade', decimal)
    .option('--db-per-hour <n>', 'drift: dB per hour of lab time (negative: darker; 0 stops)', decimal)
    .option('--noise-db <n>', 'drift: seeded ± noise on every reading, dB', decimal)
    .option('--rate <n>', 'errors: CRC errors a second (0 stops them)', decimal)
    .option('--count <n>', 'flaps; errors: set the counter first', int)
    .option('--down-ms <ms>', 'dark time per flap, or reboot duration', int)
    .option('--up-ms <ms>', 'lit time between flaps', int)
    .option('--vlan <n>', 'sub-interface VLAN', int)
    .option('--serial <s>', 'serial number of an inserted transceiver')
    .option('--ms <ms>', 'how long snmp-hold holds a request', int)
    .option('--renumber', 'reboot: the interfaces come back with other ifIndex values')
    .option('--lose-config', 'reboot: the switch comes back without its last commit (docs/lab.md)')
    .option('--description <text>', 'edit: the new port description')
    .option('--shutdown', 'edit: shut the port')
    .option('--delete', "edit: delete the port's configuration")
    .option('--snmp-loss <p>', 'impair: share of SNMP requests lost, 0-1', decimal)
    .option('--snmp-delay-ms <ms>', 'impair: delay before each SNMP reply', int)
    .option('--netconf-delay-ms <ms>', 'impair: delay each way on the SSH (NETCONF or CLI) connections', int)
    .option('--seed <n>', 'impair: seed of the loss draws, to replay a run', int)
    .option('--url <url>', `control API URL (default: $${LAB_URL_ENV}, then the state file)`)
    .option('--config <file>', "the lab's agent config: the state file beside it locates the lab")
    .option('--json', 'print the JSON reply as it came')
    .addHelpText('after', help.join('\n'))
    .action(async (first: string, verb: string | undefined, o: CtlOptions, cmd: Command) => {
      if (verb !== undefined && first !== 'optic') throw new UsageError(`unexpected argument ${verb}`);
      const action = verb !== undefined ? `optic-${verb}` : first;
      // `--state-file` belongs to `dcagent lab`: commander hands it to the parent wherever it is typed.
      // So are `--config`/`--config-out`: the state file beside that config locates the lab.
      const parent = (cmd.parent?.opts() ?? {}) as {
        stateFile?: string;
        config?: string;
        configOut?: string;
      };
      const base = labUrl({
        ...(o.url ? { url: o.url } : {}),
        stateFile: labStateFile({ ...parent, ...(o.config ? { config: o.config } : {}) }),
      });
      if (action === 'status') {
        const path = o.device ? `/v1/devices/${encodeURIComponent(o.device)}` : '/v1/devices';
        const r = await call(`${base}${path}`, 'GET');
        if (r.status !== 200) return fail(io, r, o.json);
        if (o.json) io.out(JSON.stringify(r.json, null, 2));
        else if (o.device) for (const l of statusLines(r.json as SwitchStatus)) io.out(l);
        else {
          for (const d of (r.json as { devices: Record<string, unknown>[] }).devices) {
            // The SSH block is named after the transport: `netconf` or `cli`.
            const transport = String(d.transport);
            const ssh = d[transport] as { port: number };
            const snmp = d.snmp as { port: number };
            io.out(
              `${d.id}  ${d.platform}  optics ${d.optics}  ${transport} ${d.host}:${ssh.port}  snmp ${d.host}:${snmp.port}${d.silent ? '  SILENT' : ''}${d.rebooting ? '  REBOOTING' : ''}`,
            );
          }
        }
        process.exitCode = EXIT_OK;
        return;
      }
      if (!(ACTION_NAMES as string[]).includes(action)) {
        throw new UsageError(`unknown lab action ${action} (known: status, ${ACTION_NAMES.join(', ')})`);
      }
      // Every flag but where-to-find-the-lab and how-to-print goes to the action as is; its schema
      // refuses the ones it does not know.
      const { url: _url, config: _config, json: _json, ...fields } = o;
      const body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const r = await call(`${base}/v1/${action as ActionName}`, 'POST', body);
      if (r.status !== 200) return fail(io, r, o.json);
      if (o.json) io.out(JSON.stringify(r.json, null, 2));
      else io.out(`${action}: done on ${((r.json as { devices?: string[] }).devices ?? []).join(', ')}`);
      process.exitCode = EXIT_OK;
    });
}

function fail(io: Output, r: { status: number; json: unknown }, json?: boolean): void {
  const message = (r.json as { error?: string }).error ?? JSON.stringify(r.json);
  if (json) io.out(JSON.stringify(r.json, null, 2));
  io.err(`dcagent: lab: ${message}`);
  process.exitCode = r.status === 400 ? EXIT_USAGE : EXIT_FAILURE;
}
