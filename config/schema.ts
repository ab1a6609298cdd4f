// Over 400 lines: the config file's schema section by section (CONTRACT §6), so one file reads like the reference.
import { hostname } from 'node:os';
import { z } from 'zod';
import { OPTICS_ADAPTERS, PLATFORM_KINDS, PLATFORMS, PORT_TYPES } from '../contract/port-types.js';
import { DEFAULTS } from './defaults.js';

/**
 * The zod schema for the whole configuration file (CONTRACT §6). Every object is strict, so an
 * unknown key (a typo such as `pasword_env`) is an error naming its path instead of being ignored.
 * This file and defaults.ts are the only places where defaults live.
 */

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const filePath = z.string().min(1, 'must be a file path');
const positiveInt = z.number().int().positive();
const port = z.number().int().min(1).max(65_535);
/** 0 lets the system pick a free port (tests, several agents on one host). */
export const httpPortSchema = z.number().int().min(0).max(65_535);

/** OpenSSH's fingerprint form, as `ssh-keygen -lf` prints it. */
export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

const dbmRange = z
  .tuple([z.number().min(-60).max(20), z.number().min(-60).max(20)])
  .refine(([min, max]) => min < max, 'min must be below max');

/**
 * Alarm ranges (`rx`, `tx`: health) and, as an extension of CONTRACT §5, warning ranges
 * (`rxWarning`, `txWarning`: a lane outside them but inside the alarm range is in a warning state)
 * for optics whose module gives no thresholds of its own.
 */
export const thresholdOverrideSchema = z.strictObject({
  rx: dbmRange.optional(),
  tx: dbmRange.optional(),
  rxWarning: dbmRange.optional(),
  txWarning: dbmRange.optional(),
});

const sshBase = {
  username: z.string().min(1),
  passwordEnv: envName.optional(),
  passwordFile: filePath.optional(),
  privateKeyFile: filePath.optional(),
  passphraseEnv: envName.optional(),
  passphraseFile: filePath.optional(),
  hostKey: z.string().regex(HOST_KEY_FINGERPRINT, 'must be an OpenSSH SHA256: fingerprint').optional(),
  /** Accepts any host key, with a warning on every connection. Only for labs. */
  insecureAcceptAnyHostKey: z.boolean().default(false),
  /** Opt in to group14-sha1, aes-cbc and ssh-rsa for old network operating systems. */
  legacyAlgorithms: z.boolean().default(false),
  /** TCP connect, SSH key exchange, authentication and the subsystem or shell request. */
  connectTimeoutMs: positiveInt.default(DEFAULTS.sshConnectTimeoutMs),
  rpcTimeoutMs: positiveInt.default(DEFAULTS.rpcTimeoutMs),
  keepaliveIntervalMs: z.number().int().min(0).default(DEFAULTS.keepaliveIntervalMs),
  idleCloseSeconds: positiveInt.default(DEFAULTS.idleCloseSeconds),
};

function sshChecks(
  v: {
    passwordEnv?: string;
    passwordFile?: string;
    privateKeyFile?: string;
    hostKey?: string;
    insecureAcceptAnyHostKey: boolean;
    passphraseEnv?: string;
    passphraseFile?: string;
  },
  ctx: z.RefinementCtx,
): void {
  if (v.passwordEnv && v.passwordFile) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordFile'],
      message: 'give passwordEnv or passwordFile, not both',
    });
  }
  if (!v.passwordEnv && !v.passwordFile && !v.privateKeyFile) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordEnv'],
      message: 'needs passwordEnv, passwordFile or privateKeyFile',
    });
  }
  if (v.passphraseEnv && v.passphraseFile) {
    ctx.addIssue({
      code: 'custom',
      path: ['passphraseFile'],
      message: 'give passphraseEnv or passphraseFile, not both',
    });
  }
  if (!v.hostKey && !v.insecureAcceptAnyHostKey) {
    ctx.addIssue({
      code: 'custom',
      path: ['hostKey'],
      message: 'is required (pin the device key: ssh-keygen -lf), or set insecureAcceptAnyHostKey: true',
    });
  }
}

export const netconfSchema = z
  .strictObject({
    port: port.default(DEFAULTS.netconfPort),
    ...sshBase,
    /** The server's NETCONF hello, once the subsystem is open (a deadline of its own after connectTimeoutMs). */
    helloTimeoutMs: positiveInt.default(DEFAULTS.netconfHelloTimeoutMs),
    confirmTimeoutSeconds: positiveInt.default(DEFAULTS.confirmTimeoutSeconds),
    maxMessageBytes: positiveInt.default(DEFAULTS.maxMessageBytes),
    /** A fresh session's first RPC unanswered this long gets a harmless RPC after it (0: off). */
    firstReplyWatchdogMs: z.number().int().min(0).default(DEFAULTS.firstReplyWatchdogMs),
  })
  .superRefine(sshChecks)
  .superRefine((v, ctx) => {
    // After the confirmed commit come the read-back and the confirming commit, each allowed up to
    // rpcTimeoutMs. A device whose confirm timer runs out first rolls back, then takes the late
    // confirming commit as a plain commit of nothing, and the job would report a port verified
    // that is no longer configured.
    if (v.confirmTimeoutSeconds * 1000 < 2 * v.rpcTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['confirmTimeoutSeconds'],
        message: `must be at least two RPC deadlines (2 × rpcTimeoutMs = ${(2 * v.rpcTimeoutMs) / 1000} s): the read-back and the confirming commit each may take rpcTimeoutMs, and a device that rolls back before the confirming commit arrives takes it as a plain commit of nothing`,
      });
    }
  });

export const cliSchema = z
  .strictObject({
    port: port.default(DEFAULTS.cliPort),
    ...sshBase,
    maxOutputBytes: positiveInt.default(4 * 1024 * 1024),
  })
  .superRefine(sshChecks);

const snmpVersion = z
  .union([z.literal('2c'), z.literal('v2c'), z.literal(3), z.literal('3'), z.literal('v3')])
  .transform((v): '2c' | '3' => (v === '2c' || v === 'v2c' ? '2c' : '3'));

export const snmpSchema = z
  .strictObject({
    port: port.default(DEFAULTS.snmpPort),
    version: snmpVersion,
    communityEnv: envName.optional(),
    communityFile: filePath.optional(),
    user: z.string().min(1).optional(),
    authProtocol: z.enum(['sha', 'sha224', 'sha256', 'sha384', 'sha512', 'md5']).optional(),
    authKeyEnv: envName.optional(),
    authKeyFile: filePath.optional(),
    privProtocol: z.enum(['aes', 'aes256b', 'aes256r', 'des']).optional(),
    privKeyEnv: envName.optional(),
    privKeyFile: filePath.optional(),
    context: z.string().optional(),
    timeoutMs: positiveInt.default(DEFAULTS.snmpTimeoutMs),
    retries: z.number().int().min(0).max(5).default(DEFAULTS.snmpRetries),
    /** Each retransmission waits `backoff` times longer than the try before (net-snmp's backoff). */
    backoff: z.number().min(1).max(4).default(DEFAULTS.snmpBackoff),
  })
  .superRefine((v, ctx) => {
    const both = (a: string | undefined, b: string | undefined, key: string) => {
      if (a && b)
        ctx.addIssue({
          code: 'custom',
          path: [`${key}File`],
          message: `give ${key}Env or ${key}File, not both`,
        });
    };
    both(v.communityEnv, v.communityFile, 'community');
    both(v.authKeyEnv, v.authKeyFile, 'authKey');
    both(v.privKeyEnv, v.privKeyFile, 'privKey');
    if (v.version === '2c') {
      if (!v.communityEnv && !v.communityFile) {
        ctx.addIssue({
          code: 'custom',
          path: ['communityEnv'],
          message: 'SNMP v2c needs communityEnv or communityFile',
        });
      }
      for (const k of ['user', 'authProtocol', 'privProtocol'] as const) {
        if (v[k] !== undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: 'only applies to SNMP version 3' });
      }
      return;
    }
    if (!v.user) ctx.addIssue({ code: 'custom', path: ['user'], message: 'SNMP v3 needs a user' });
    const hasAuthKey = Boolean(v.authKeyEnv || v.authKeyFile);
    if (v.authProtocol && !hasAuthKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['authKeyEnv'],
        message: 'authProtocol needs authKeyEnv or authKeyFile',
      });
    }
    if (!v.authProtocol && hasAuthKey) {
      ctx.addIssue({ code: 'custom', path: ['authProtocol'], message: 'an auth key needs an authProtocol' });
    }
    const hasPrivKey = Boolean(v.privKeyEnv || v.privKeyFile);
    if (v.privProtocol && !hasPrivKey) {
      ctx.addIssue({
        code: 'custom',
        path: ['privKeyEnv'],
        message: 'privProtocol needs privKeyEnv or privKeyFile',
      });
    }
    if (v.privProtocol && !v.authProtocol) {
      ctx.addIssue({
        code: 'custom',
        path: ['privProtocol'],
        message: 'privacy needs authentication (authPriv)',
      });
    }
    if (!v.privProtocol && hasPrivKey) {
      ctx.addIssue({ code: 'custom', path: ['privProtocol'], message: 'a priv key needs a privProtocol' });
    }
  });

export const portEntrySchema = z.union([
  z.string().min(1).max(64),
  z.strictObject({
    name: z.string().min(1).max(64),
    portType: z.enum(PORT_TYPES).optional(),
    thresholds: thresholdOverrideSchema.optional(),
  }),
]);

export const deviceSchema = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, . _ -'),
    host: z.string().min(1).max(253),
    platform: z.enum(PLATFORMS),
    portType: z.enum(PORT_TYPES),
    ports: z.array(portEntrySchema).min(1, 'a device needs at least one port'),
    netconf: netconfSchema.optional(),
    cli: cliSchema.optional(),
    snmp: snmpSchema,
    optics: z.enum(OPTICS_ADAPTERS),
    thresholds: thresholdOverrideSchema.optional(),
    /** This device's audit policy, over `monitoring.audit.policy`. */
    audit: z.strictObject({ policy: z.enum(['report', 'heal']) }).optional(),
  })
  .superRefine((d, ctx) => {
    const cli = PLATFORM_KINDS[d.platform] === 'cli';
    if (cli && !d.cli)
      ctx.addIssue({ code: 'custom', path: ['cli'], message: `platform ${d.platform} needs a cli block` });
    if (!cli && !d.netconf) {
      ctx.addIssue({
        code: 'custom',
        path: ['netconf'],
        message: `platform ${d.platform} needs a netconf block`,
      });
    }
    if (cli && d.netconf)
      ctx.addIssue({ code: 'custom', path: ['netconf'], message: 'a CLI platform takes a cli block' });
    if (!cli && d.cli)
      ctx.addIssue({ code: 'custom', path: ['cli'], message: 'a NETCONF platform takes a netconf block' });
    const seen = new Map<string, number>();
    d.ports.forEach((p, i) => {
      const name = typeof p === 'string' ? p : p.name;
      const first = seen.get(name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ports', i],
          message: `port ${name} is listed twice (first at ports[${first}])`,
        });
      } else seen.set(name, i);
    });
  });

const redisSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .default(DEFAULTS.redisUrl),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9{}_.-]+$/, 'letters, digits, { } _ . - only')
      .default(DEFAULTS.redisPrefix),
    mode: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    /** The ACL user; wins over a user named in the URL. */
    username: z.string().min(1).max(128).optional(),
    passwordEnv: envName.optional(),
    passwordFile: filePath.optional(),
    sentinels: z.array(z.strictObject({ host: z.string().min(1), port })).optional(),
    sentinelName: z.string().min(1).optional(),
    /** The Sentinels' own ACL user and password, when they have one (they often differ from the data nodes'). */
    sentinelUsername: z.string().min(1).max(128).optional(),
    sentinelPasswordEnv: envName.optional(),
    sentinelPasswordFile: filePath.optional(),
    clusterNodes: z.array(z.strictObject({ host: z.string().min(1), port })).optional(),
    /** TLS for every connection (data nodes, Sentinels, Cluster nodes); `rediss://` alone uses the system CAs. */
    tls: z
      .strictObject({
        caFile: filePath.optional(),
        certFile: filePath.optional(),
        keyFile: filePath.optional(),
        /** The name the server's certificate must carry, when it differs from the host dialled. */
        serverName: z.string().min(1).max(253).optional(),
      })
      .optional(),
    connectTimeoutMs: positiveInt.default(DEFAULTS.connectTimeoutMs),
    /** Exit 1 after this long with nothing but authentication or permission errors (CONTRACT §2). */
    authFailureExitSeconds: positiveInt.default(DEFAULTS.redisAuthFailureExitSeconds),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'sentinel' && (!r.sentinels?.length || !r.sentinelName)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sentinels'],
        message: 'sentinel mode needs sentinels and sentinelName',
      });
    }
    if (r.mode === 'cluster' && !/\{[^}]+\}/.test(r.prefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['prefix'],
        message: 'cluster mode needs a hash tag in the prefix, e.g. {dcagent}, so one job lives in one slot',
      });
    }
    if (r.passwordEnv && r.passwordFile) {
      ctx.addIssue({
        code: 'custom',
        path: ['passwordFile'],
        message: 'give passwordEnv or passwordFile, not both',
      });
    }
    if (r.sentinelPasswordEnv && r.sentinelPasswordFile) {
      ctx.addIssue({
        code: 'custom',
        path: ['sentinelPasswordFile'],
        message: 'give sentinelPasswordEnv or sentinelPasswordFile, not both',
      });
    }
    if (r.tls && Boolean(r.tls.certFile) !== Boolean(r.tls.keyFile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', r.tls.certFile ? 'keyFile' : 'certFile'],
        message: 'a client certificate needs both certFile and keyFile',
      });
    }
  });

/** `HOST:PORT`, the host a name or an IPv4/IPv6 address (`[::1]:9470`). */
export const listenSchema = z
  .string()
  .regex(
    /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/,
    'must be HOST:PORT, e.g. 127.0.0.1:9470 or [::1]:9470',
  )
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65_535, 'port must be at most 65535');

/** CONTRACT §9: the web console. Its token is resolved by `dcagent console` only, never by the agent. */
const consoleSchema = z.strictObject({
  listen: listenSchema.default(DEFAULTS.consoleListen),
  auth: z
    .strictObject({ tokenEnv: envName.optional(), tokenFile: filePath.optional() })
    .refine((a) => Boolean(a.tokenEnv) !== Boolean(a.tokenFile), 'give tokenEnv or tokenFile (one of them)')
    .optional(),
  prometheus: z
    .strictObject({
      url: z
        .string()
        .regex(/^https?:\/\/[^/?#]+\/?[^?#]*$/, 'must be an http:// or https:// base URL')
        // A password in the URL would travel into error messages, pages and logs.
        .refine(
          (u) => !/^https?:\/\/[^/?#]*@/.test(u),
          'must not hold a user or password (put an authenticating proxy in front)',
        ),
      timeoutMs: positiveInt.max(60_000).default(DEFAULTS.consolePrometheusTimeoutMs),
      /** The chart's finest step: set it to the scrape interval, so the chart holds every scrape and no repeats. */
      stepSeconds: positiveInt.max(3_600).default(DEFAULTS.consolePrometheusStepSeconds),
    })
    .optional(),
});

export const configSchema = z
  .strictObject({
    redis: redisSchema.prefault({}),
    agent: z
      .strictObject({
        id: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, . _ -')
          .default(
            () =>
              hostname()
                .replace(/[^A-Za-z0-9._-]/g, '-')
                .slice(0, 63) || 'agent',
          ),
        concurrency: z.number().int().min(1).max(256).default(DEFAULTS.concurrency),
        httpPort: httpPortSchema.default(DEFAULTS.httpPort),
        httpHost: z.string().min(1).default(DEFAULTS.httpHost),
        shutdownTimeoutSeconds: positiveInt.default(DEFAULTS.shutdownTimeoutSeconds),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    queues: z
      .strictObject({
        jobs: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/)
          .default(DEFAULTS.jobsQueue),
        attempts: z.number().int().min(1).max(50).default(DEFAULTS.attempts),
        backoffMs: positiveInt.default(DEFAULTS.backoffMs),
        jobTimeoutSeconds: positiveInt.default(DEFAULTS.jobTimeoutSeconds),
        keepCompletedSeconds: positiveInt.default(DEFAULTS.keepCompletedSeconds),
        keepFailedSeconds: positiveInt.default(DEFAULTS.keepFailedSeconds),
        deviceLockLeaseMs: z.number().int().min(1_000).default(DEFAULTS.deviceLockLeaseMs),
        deviceLockRetryMs: positiveInt.default(DEFAULTS.deviceLockRetryMs),
        /** A job whose worker stops renewing its BullMQ lock this long is taken back and run again. */
        stalledSeconds: z.number().int().min(2).default(DEFAULTS.stalledSeconds),
      })
      .prefault({}),
    events: z
      .strictObject({
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/)
          .default(DEFAULTS.eventsStream),
        maxLen: positiveInt.default(DEFAULTS.eventsMaxLen),
        spillFile: filePath.default(DEFAULTS.spillFile),
        maxSubjects: positiveInt.default(DEFAULTS.eventsMaxSubjects),
      })
      .prefault({}),
    monitoring: z
      .strictObject({
        intervalSeconds: z.number().min(1).max(3_600).default(DEFAULTS.intervalSeconds),
        upPolls: z.number().int().min(1).max(100).default(DEFAULTS.upPolls),
        downPolls: z.number().int().min(1).max(100).default(DEFAULTS.downPolls),
        damping: z
          .strictObject({
            windowSeconds: positiveInt.default(DEFAULTS.dampingWindowSeconds),
            maxFlaps: positiveInt.default(DEFAULTS.dampingMaxFlaps),
            holdSeconds: positiveInt.default(DEFAULTS.dampingHoldSeconds),
          })
          .prefault({}),
        opticsRediscoverySeconds: positiveInt.max(86_400).default(DEFAULTS.opticsRediscoverySeconds),
        maxInFlightPerDevice: positiveInt.default(DEFAULTS.snmpMaxInFlightPerDevice),
        maxInFlight: positiveInt.default(DEFAULTS.snmpMaxInFlight),
        maxDevicesInFlight: positiveInt.default(DEFAULTS.snmpMaxDevicesInFlight),
        varbindsPerPduV2c: z.number().int().min(1).max(200).default(DEFAULTS.snmpVarbindsV2c),
        varbindsPerPduV3: z.number().int().min(1).max(200).default(DEFAULTS.snmpVarbindsV3),
        thresholds: z.partialRecord(z.enum(PORT_TYPES), thresholdOverrideSchema).optional(),
        /** Per-lane optics history and the Rx trend forecast (`optics.degrading` cause `trend`). */
        trend: z
          .strictObject({
            windowHours: z
              .number()
              .int()
              .min(2)
              .max(24 * 90)
              .default(DEFAULTS.trendWindowHours),
            forecastHours: z
              .number()
              .min(1)
              .max(24 * 365)
              .default(DEFAULTS.trendForecastHours),
            minDropDb: z.number().min(0).max(40).default(DEFAULTS.trendMinDropDb),
          })
          .prefault({}),
        /**
         * Warning episodes (`optics.degrading` cause `warning-threshold`): a lane opens one after
         * `downPolls` polls in its warning band, and closes it after `upPolls` polls at least
         * `hysteresisDb` back inside the warning bounds.
         */
        warnings: z
          .strictObject({
            hysteresisDb: z.number().min(0).max(10).default(DEFAULTS.warningHysteresisDb),
          })
          .prefault({}),
        /** Link qualification before `construction.completed` (CONTRACT §5). */
        qualification: z
          .strictObject({
            errorFreePolls: z.number().int().min(0).max(10_000).default(DEFAULTS.qualificationErrorFreePolls),
          })
          .prefault({}),
        /**
         * Extension: IF-MIB ifInErrors of every tracked port is read on one poll in `everyPolls`
         * and kept in Redis when it moved, for the console (0 = only while under construction,
         * as qualification needs).
         */
        errorCounters: z
          .strictObject({
            everyPolls: z.number().int().min(0).max(10_000).default(DEFAULTS.errorCounterEveryPolls),
          })
          .prefault({}),
        /** Comparing each device's tracked ports with the recorded intent (CONTRACT §5). */
        audit: z
          .strictObject({
            intervalSeconds: z.number().int().min(1).max(86_400).default(DEFAULTS.auditIntervalSeconds),
            policy: z.enum(['report', 'heal']).default('report'),
            clearedRetentionDays: z.number().min(0).max(3_650).default(DEFAULTS.auditClearedRetentionDays),
          })
          .prefault({}),
        /**
         * SNMP linkDown/linkUp traps as hints to poll now (CONTRACT §5 "Traps"). The community (v2c)
         * and v3 user of each device come from its `snmp` block.
         */
        traps: z
          .strictObject({
            enabled: z.boolean().default(false),
            listen: z.string().min(1).default(DEFAULTS.trapListen),
            port: port.default(DEFAULTS.trapPort),
            confirmMs: z.number().int().min(100).max(60_000).default(DEFAULTS.trapConfirmMs),
            ratePerDevice: z.number().min(0.1).max(10_000).default(DEFAULTS.trapRatePerDevice),
            /** Hints for a device another replica polls go to it through Redis; false drops them. */
            forward: z.boolean().default(true),
          })
          .prefault({}),
      })
      .prefault({}),
    console: consoleSchema.prefault({}),
    devices: z.array(deviceSchema).default([]),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.devices.forEach((d, i) => {
      const first = seen.get(d.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', i, 'id'],
          message: `duplicate device id ${d.id} (first at devices[${first}])`,
        });
      } else seen.set(d.id, i);
    });
  });

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ParsedDevice = z.output<typeof deviceSchema>;
