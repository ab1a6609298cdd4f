import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { type LaneThresholds, laneThresholdsSchema } from '../contract/optics.js';
import { toFieldIssues } from '../core/zod-issues.js';
import { LabActionError, type SimSwitch } from './model/switch.js';

/**
 * The lab's control API: JSON over HTTP on loopback. Every action is one entry in ACTIONS (its
 * zod schema and what it does), served as `POST /v1/<action>` and driven from the command line
 * by `dcagent lab ctl <action>`, so the two can never disagree on names or fields.
 */

/** What the control API needs of a lab. */
export interface ControlledLab {
  readonly switches: readonly SimSwitch[];
  switchById(id: string): SimSwitch;
  /** Connection facts per switch (no secrets). */
  describeDevice(id: string): Record<string, unknown>;
}

const deviceId = z.string().min(1).max(63);
const portName = z.string().min(1).max(64);
const ms = z.number().int().min(0).max(600_000);

export const ACTIONS = {
  patch: {
    summary: 'patch the customer fibre (light arrives); no --device: every switch, no --port: every port',
    schema: z.strictObject({ device: deviceId.optional(), port: portName.optional() }),
    run: (lab: ControlledLab, b: { device?: string; port?: string }) =>
      eachSwitch(lab, b.device, (s) => s.patch(b.port)),
  },
  cut: {
    summary: 'cut the customer fibre (the port goes dark)',
    schema: z.strictObject({ device: deviceId.optional(), port: portName.optional() }),
    run: (lab: ControlledLab, b: { device?: string; port?: string }) =>
      eachSwitch(lab, b.device, (s) => s.cut(b.port)),
  },
  degrade: {
    summary: 'lower the received light by --db dB from nominal (0 restores it)',
    schema: z.strictObject({ device: deviceId, port: portName.optional(), db: z.number().min(0).max(60) }),
    run: (lab: ControlledLab, b: { device: string; port?: string; db: number }) =>
      eachSwitch(lab, b.device, (s) => s.degrade(b.port, b.db)),
  },
  drift: {
    summary:
      'drift the received light of --port by --db-per-hour dB per hour of lab time (negative: darker; the lab clock runs --clock-factor times fast), with seeded ±--noise-db per reading; 0 stops',
    schema: z.strictObject({
      device: deviceId,
      port: portName,
      dbPerHour: z.number().min(-60).max(60),
      noiseDb: z.number().min(0).max(10).optional(),
      seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    }),
    run: (
      lab: ControlledLab,
      b: { device: string; port: string; dbPerHour: number; noiseDb?: number; seed?: number },
    ) => eachSwitch(lab, b.device, (s) => s.drift(b.port, b.dbPerHour, b.noiseDb ?? 0, b.seed ?? 1)),
  },
  errors: {
    summary:
      'CRC errors on the receive side of --port at --rate a second of real time (IF-MIB ifInErrors, a Counter32; 0 stops them); --count sets the counter first',
    schema: z.strictObject({
      device: deviceId,
      port: portName,
      rate: z.number().min(0).max(1e9),
      count: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional(),
    }),
    run: (lab: ControlledLab, b: { device: string; port: string; rate: number; count?: number }) =>
      eachSwitch(lab, b.device, (s) => s.errors(b.port, b.rate, b.count)),
  },
  flap: {
    summary: 'interrupt the light --count times (--down-ms dark, --up-ms lit)',
    schema: z.strictObject({
      device: deviceId,
      port: portName,
      count: z.number().int().min(1).max(1000),
      downMs: ms.optional(),
      upMs: ms.optional(),
    }),
    run: (
      lab: ControlledLab,
      b: { device: string; port: string; count: number; downMs?: number; upMs?: number },
    ) =>
      eachSwitch(lab, b.device, (s) =>
        s.flap(b.port, {
          count: b.count,
          ...(b.downMs !== undefined ? { downMs: b.downMs } : {}),
          ...(b.upMs !== undefined ? { upMs: b.upMs } : {}),
        }),
      ),
  },
  'optic-remove': {
    summary: 'pull the transceiver out of --port: the port goes dark and down, its optics rows vanish',
    schema: z.strictObject({ device: deviceId, port: portName }),
    run: (lab: ControlledLab, b: { device: string; port: string }) =>
      eachSwitch(lab, b.device, (s) => s.removeOptic(b.port)),
  },
  'optic-insert': {
    summary:
      "put a transceiver into the empty cage of --port (--serial S, default a new one; over the API also `thresholds`, the module's own bounds)",
    schema: z.strictObject({
      device: deviceId,
      port: portName,
      serial: z.string().min(1).max(32).optional(),
      thresholds: laneThresholdsSchema.optional(),
    }),
    run: (
      lab: ControlledLab,
      b: { device: string; port: string; serial?: string; thresholds?: LaneThresholds },
    ) => eachSwitch(lab, b.device, (s) => s.insertOptic(b.port, b.serial, b.thresholds)),
  },
  'snmp-hold': {
    summary:
      'answer the next --count SNMP requests (default 1) only after --ms, with the values of that moment',
    schema: z.strictObject({
      device: deviceId,
      ms: ms.min(1),
      count: z.number().int().min(1).max(1000).optional(),
    }),
    run: (lab: ControlledLab, b: { device: string; ms: number; count?: number }) =>
      eachSwitch(lab, b.device, (s) => s.holdSnmp(b.ms, b.count)),
  },
  silence: {
    summary: 'stop answering SNMP and SSH (sessions hang, new ones time out)',
    schema: z.strictObject({ device: deviceId.optional() }),
    run: (lab: ControlledLab, b: { device?: string }) => eachSwitch(lab, b.device, (s) => s.silence()),
  },
  wake: {
    summary: 'answer again after silence',
    schema: z.strictObject({ device: deviceId.optional() }),
    run: (lab: ControlledLab, b: { device?: string }) => eachSwitch(lab, b.device, (s) => s.wake()),
  },
  'add-subif': {
    summary: 'configure sub-interface <port>.<vlan>, as a Private Virtual Interface would',
    schema: z.strictObject({ device: deviceId, port: portName, vlan: z.number().int().min(1).max(4094) }),
    run: (lab: ControlledLab, b: { device: string; port: string; vlan: number }) =>
      eachSwitch(lab, b.device, (s) => s.addSubinterface(b.port, b.vlan)),
  },
  'remove-subif': {
    summary: 'remove sub-interface <port>.<vlan>',
    schema: z.strictObject({ device: deviceId, port: portName, vlan: z.number().int().min(1).max(4094) }),
    run: (lab: ControlledLab, b: { device: string; port: string; vlan: number }) =>
      eachSwitch(lab, b.device, (s) => s.removeSubinterface(b.port, b.vlan)),
  },
  impair: {
    summary:
      'a bad management network at the switch: --snmp-loss P (0-1), --snmp-delay-ms M, --netconf-delay-ms M (each way), --seed N; no flags: clear',
    schema: z.strictObject({
      device: deviceId,
      snmpLoss: z.number().min(0).max(1).optional(),
      snmpDelayMs: ms.optional(),
      netconfDelayMs: ms.optional(),
      seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    }),
    run: (
      lab: ControlledLab,
      b: { device: string; snmpLoss?: number; snmpDelayMs?: number; netconfDelayMs?: number; seed?: number },
    ) => {
      const { device, ...impairment } = b;
      return eachSwitch(lab, device, (s) => s.impair(impairment));
    },
  },
  edit: {
    summary:
      'an engineer changes --port on the switch, saved: --description T, --shutdown, or --delete (its configuration)',
    schema: z
      .strictObject({
        device: deviceId,
        port: portName,
        description: z.string().min(1).max(255).optional(),
        shutdown: z.literal(true).optional(),
        delete: z.literal(true).optional(),
      })
      .refine((b) => [b.description !== undefined, b.shutdown, b.delete].filter(Boolean).length === 1, {
        message: 'give exactly one of description, shutdown, delete',
      }),
    run: (lab: ControlledLab, b: { device: string; port: string; description?: string; delete?: true }) =>
      eachSwitch(lab, b.device, (s) =>
        s.editPort(
          b.port,
          b.description !== undefined
            ? { kind: 'description', text: b.description }
            : b.delete
              ? { kind: 'delete' }
              : { kind: 'shutdown' },
        ),
      ),
  },
  reboot: {
    summary:
      'reboot: sessions drop, sysUpTime restarts, running kept, candidate lost (--down-ms, default 2000; --renumber: ifIndex values change; --lose-config: the last commit is lost)',
    schema: z.strictObject({
      device: deviceId,
      downMs: ms.optional(),
      renumber: z.boolean().optional(),
      loseConfig: z.boolean().optional(),
    }),
    run: (
      lab: ControlledLab,
      b: { device: string; downMs?: number; renumber?: boolean; loseConfig?: boolean },
    ) =>
      eachSwitch(lab, b.device, (s) => {
        // The reply does not wait for the switch to come back; status shows `rebooting`.
        void s.reboot(b.downMs, { renumber: b.renumber === true, loseConfig: b.loseConfig === true });
      }),
  },
} as const;

export type ActionName = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

function eachSwitch(lab: ControlledLab, id: string | undefined, fn: (s: SimSwitch) => void): string[] {
  const targets = id === undefined ? lab.switches : [lab.switchById(id)];
  for (const s of targets) fn(s);
  return targets.map((s) => s.id);
}

/** Runs an action on a lab in-process, with the same validation the HTTP route applies. */
export function runAction(
  lab: ControlledLab,
  action: ActionName,
  body: unknown,
): { ok: true; action: ActionName; devices: string[] } {
  const spec = ACTIONS[action];
  const parsed = spec.schema.safeParse(body);
  if (!parsed.success) {
    throw new LabActionError(
      toFieldIssues(parsed.error)
        .map((i) => `${i.path || '(body)'}: ${i.message}`)
        .join('; '),
    );
  }
  const devices = (spec.run as (l: ControlledLab, b: unknown) => string[])(lab, parsed.data);
  return { ok: true, action, devices };
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new LabActionError('request body too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function route(lab: ControlledLab, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://lab');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'v1') return send(res, 404, { error: `no route ${url.pathname}` });
  const [, first, second] = parts;
  if (req.method === 'GET') {
    if (first === 'health' && parts.length === 2)
      return send(res, 200, { ok: true, devices: lab.switches.length });
    if (first === 'devices' && parts.length === 2) {
      return send(res, 200, { devices: lab.switches.map((s) => lab.describeDevice(s.id)) });
    }
    if (first === 'devices' && second !== undefined && parts.length === 3) {
      return send(res, 200, { ...lab.describeDevice(second), ...lab.switchById(second).describe() });
    }
    return send(res, 404, { error: `no route GET ${url.pathname}` });
  }
  if (req.method === 'POST' && parts.length === 2 && first !== undefined && first in ACTIONS) {
    const text = await readBody(req);
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, { error: 'the body is not JSON' });
      }
    }
    return send(res, 200, runAction(lab, first as ActionName, body));
  }
  return send(res, req.method === 'POST' || req.method === 'GET' ? 404 : 405, {
    error: `no route ${req.method} ${url.pathname}`,
    actions: ACTION_NAMES,
  });
}

export interface ControlApi {
  readonly url: string;
  close(): Promise<void>;
}

export function startControlApi(
  lab: ControlledLab,
  host: string,
  port = 0,
  urlHost = host,
): Promise<ControlApi> {
  const server: Server = createServer((req, res) => {
    route(lab, req, res).catch((err: unknown) => {
      if (err instanceof LabActionError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        url: `http://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
