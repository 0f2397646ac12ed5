import path from 'node:path';
import { z } from 'zod';

/**
 * STOCKSHEET_DB_WAIT_SECONDS: how long a request waits for the embedded database's one connection
 * before it is refused with DATABASE_BUSY (server/db/connection-queue.ts). At most 25 s, under
 * Prisma's 30 s wait for a transaction to start.
 */
const DatabaseWait = z
  .string()
  .refine((value) => value.trim() !== '', 'STOCKSHEET_DB_WAIT_SECONDS must be a number of seconds')
  .pipe(
    z.coerce
      .number<string>({ error: 'STOCKSHEET_DB_WAIT_SECONDS must be a number of seconds' })
      .min(0.1, 'STOCKSHEET_DB_WAIT_SECONDS must be between 0.1 and 25')
      .max(25, 'STOCKSHEET_DB_WAIT_SECONDS must be between 0.1 and 25'),
  )
  .optional();

/**
 * STOCKSHEET_OFFICE_JS: where the task pane loads Office.js from. `cdn` (the default): Microsoft's
 * CDN, the current supported copy, which AppSource requires (policy 1120.1). `packaged`: the copy
 * in the @microsoft/office-js package, served by this server at /office-js/, for networks that
 * cannot reach the CDN (a 2022 snapshot Microsoft no longer supports).
 */
export const OFFICE_JS_SOURCES = ['cdn', 'packaged'] as const;
export type OfficeJsSource = (typeof OFFICE_JS_SOURCES)[number];

/** An accounting provider's base URL (tests and staging point these at stand-ins). */
function providerUrl(name: string) {
  return z
    .string()
    .refine((value) => URL.canParse(value) && /^https?:/.test(value), `${name} must be an http:// or https:// URL`)
    .transform((value) => value.replace(/\/+$/, ''))
    .optional();
}

/** Settings read from the environment once at start; a bad value stops the server with a message. */
const EnvSchema = z.object({
  PORT: z
    .string()
    // Number(' ') is 0: a blank-looking PORT would otherwise mean "any free port".
    .refine((value) => value.trim() !== '', 'PORT must be a number')
    .pipe(
      z.coerce
        .number<string>({ error: 'PORT must be a number' })
        .int('PORT must be a whole number')
        .min(0, 'PORT must be between 0 and 65535')
        .max(65535, 'PORT must be between 0 and 65535'),
    )
    .default(3000),
  STOCKSHEET_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL')
    // Unparsable URLs otherwise fail deep in the migration engine as "External error id#0".
    .refine(
      (value) => URL.canParse(value),
      'DATABASE_URL is not a valid URL: check the host and port, and percent-encode special characters in the user name and password',
    )
    .optional(),
  STOCKSHEET_TLS: z.enum(['on', 'off'], { error: 'STOCKSHEET_TLS must be "on" or "off"' }).default('on'),
  STOCKSHEET_ADMIN_TOKEN: z
    .string()
    .min(24, 'STOCKSHEET_ADMIN_TOKEN must be at least 24 characters (use a random value)')
    .max(200, 'STOCKSHEET_ADMIN_TOKEN must be at most 200 characters')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  STOCKSHEET_DB_WAIT_SECONDS: DatabaseWait,
  STOCKSHEET_OFFICE_JS: z.enum(OFFICE_JS_SOURCES, { error: 'STOCKSHEET_OFFICE_JS must be "cdn" or "packaged"' }).default('cdn'),
  STOCKSHEET_SECRET_KEY: z
    .string()
    .refine(
      (value) => /^[0-9a-f]{64}$/i.test(value) || Buffer.from(value, 'base64').length === 32,
      'STOCKSHEET_SECRET_KEY must be 32 bytes, as 64 hex characters or 44 base64 characters (openssl rand -hex 32)',
    )
    .optional(),
  STOCKSHEET_XERO_API_URL: providerUrl('STOCKSHEET_XERO_API_URL'),
  STOCKSHEET_XERO_IDENTITY_URL: providerUrl('STOCKSHEET_XERO_IDENTITY_URL'),
  STOCKSHEET_XERO_AUTHORIZE_URL: providerUrl('STOCKSHEET_XERO_AUTHORIZE_URL'),
  STOCKSHEET_XERO_CONNECTIONS_URL: providerUrl('STOCKSHEET_XERO_CONNECTIONS_URL'),
  STOCKSHEET_MYOB_API_URL: providerUrl('STOCKSHEET_MYOB_API_URL'),
  STOCKSHEET_MYOB_IDENTITY_URL: providerUrl('STOCKSHEET_MYOB_IDENTITY_URL'),
  STOCKSHEET_MYOB_AUTHORIZE_URL: providerUrl('STOCKSHEET_MYOB_AUTHORIZE_URL'),
  STOCKSHEET_PUBLIC_URL: z
    .string()
    .refine(
      (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && !/[?#]/.test(value),
      'STOCKSHEET_PUBLIC_URL must be the http:// or https:// address browsers reach this server at, without a query (e.g. https://stocksheet.example.com)',
    )
    .transform((value) => value.replace(/\/+$/, ''))
    .optional(),
});

export interface Config {
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  tls: boolean;
  adminToken: string | undefined;
  logLevel: string;
  /** Embedded database only: how long a request waits for the one connection (STOCKSHEET_DB_WAIT_SECONDS), in ms; unset, 10 s. */
  databaseWaitMs?: number;
  /** Where the pane loads Office.js from (STOCKSHEET_OFFICE_JS); unset, Microsoft's CDN. */
  officeJs?: OfficeJsSource;
  /** Encrypts the accounting tokens (STOCKSHEET_SECRET_KEY); unset, a key made in the data folder. */
  secretKey?: string;
  /** How often the accounting relay looks for postings to send, in ms; unset, 5 s. */
  relayIntervalMs?: number;
  /** Accounting providers' base URLs; unset, the providers' own. */
  accountingEndpoints?: {
    xero?: { apiUrl?: string; identityUrl?: string; authorizeUrl?: string; connectionsUrl?: string };
    myob?: { apiUrl?: string; identityUrl?: string; authorizeUrl?: string };
  };
  /**
   * Where browsers reach this server (STOCKSHEET_PUBLIC_URL), no trailing slash: OAuth redirect URIs
   * are made from it. Unset, the local address the server serves (`publicUrlOf`).
   */
  publicUrl?: string;
}

/**
 * The address browsers reach the server at: STOCKSHEET_PUBLIC_URL, else https://localhost:PORT
 * (http:// with STOCKSHEET_TLS=off). `port` is the one it listens on, when PORT=0 chose it.
 */
export function publicUrlOf(config: Pick<Config, 'publicUrl' | 'tls' | 'port'>, port = config.port): string {
  return config.publicUrl ?? `${config.tls ? 'https' : 'http'}://localhost:${port}`;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Treat empty strings as unset, as a shell `FOO= npm start` means.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    dataDir: path.resolve(e.STOCKSHEET_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    tls: e.STOCKSHEET_TLS === 'on',
    adminToken: e.STOCKSHEET_ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    databaseWaitMs: e.STOCKSHEET_DB_WAIT_SECONDS === undefined ? undefined : Math.round(e.STOCKSHEET_DB_WAIT_SECONDS * 1000),
    officeJs: e.STOCKSHEET_OFFICE_JS,
    secretKey: e.STOCKSHEET_SECRET_KEY,
    accountingEndpoints: {
      xero: {
        apiUrl: e.STOCKSHEET_XERO_API_URL,
        identityUrl: e.STOCKSHEET_XERO_IDENTITY_URL,
        authorizeUrl: e.STOCKSHEET_XERO_AUTHORIZE_URL,
        connectionsUrl: e.STOCKSHEET_XERO_CONNECTIONS_URL,
      },
      myob: {
        apiUrl: e.STOCKSHEET_MYOB_API_URL,
        identityUrl: e.STOCKSHEET_MYOB_IDENTITY_URL,
        authorizeUrl: e.STOCKSHEET_MYOB_AUTHORIZE_URL,
      },
    },
    publicUrl: e.STOCKSHEET_PUBLIC_URL,
  };
}

/** For command-line entry points: the configuration, or the message and exit code 2 on a bad setting. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}
