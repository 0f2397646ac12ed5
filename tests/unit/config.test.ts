import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The message loadConfig stops with for this environment. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return expect.fail(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig defaults', () => {
  it('uses port 3000, TLS on, ./data resolved to an absolute path, PGlite, info logs, Office.js from the CDN', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      dataDir: path.resolve('data'),
      databaseUrl: undefined,
      tls: true,
      adminToken: undefined,
      logLevel: 'info',
      officeJs: 'cdn',
      secretKey: undefined,
      accountingEndpoints: { xero: { apiUrl: undefined, identityUrl: undefined }, myob: { apiUrl: undefined, identityUrl: undefined } },
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('treats empty variables as unset (FOO= npm start)', () => {
    const empty = {
      PORT: '',
      STOCKSHEET_TLS: '',
      DATABASE_URL: '',
      STOCKSHEET_DATA_DIR: '',
      STOCKSHEET_ADMIN_TOKEN: '',
      STOCKSHEET_OFFICE_JS: '',
    };
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', PATH: '/usr/bin', NODE_ENV: 'test' })).toEqual(loadConfig({}));
  });
});

describe('loadConfig reads every setting', () => {
  it('takes the values given', () => {
    const token = 'x'.repeat(32);
    const config = loadConfig({
      PORT: '8443',
      STOCKSHEET_DATA_DIR: 'some/where',
      DATABASE_URL: 'postgresql://stock:secret@db.internal:5432/stocksheet?sslmode=require',
      STOCKSHEET_TLS: 'off',
      STOCKSHEET_ADMIN_TOKEN: token,
      LOG_LEVEL: 'warn',
      STOCKSHEET_OFFICE_JS: 'packaged',
      STOCKSHEET_SECRET_KEY: 'ab'.repeat(32),
      STOCKSHEET_XERO_API_URL: 'http://127.0.0.1:9000/api.xro/2.0/',
      STOCKSHEET_XERO_IDENTITY_URL: 'http://127.0.0.1:9000/identity',
      STOCKSHEET_MYOB_API_URL: 'https://myob.stand-in/accountright',
      STOCKSHEET_MYOB_IDENTITY_URL: 'https://myob.stand-in',
    });
    expect(config).toEqual({
      port: 8443,
      dataDir: path.resolve('some/where'),
      databaseUrl: 'postgresql://stock:secret@db.internal:5432/stocksheet?sslmode=require',
      tls: false,
      adminToken: token,
      logLevel: 'warn',
      officeJs: 'packaged',
      secretKey: 'ab'.repeat(32),
      accountingEndpoints: {
        xero: { apiUrl: 'http://127.0.0.1:9000/api.xro/2.0', identityUrl: 'http://127.0.0.1:9000/identity' },
        myob: { apiUrl: 'https://myob.stand-in/accountright', identityUrl: 'https://myob.stand-in' },
      },
    });
  });

  it('keeps an absolute data dir as it is', () => {
    expect(loadConfig({ STOCKSHEET_DATA_DIR: '/var/lib/stocksheet' }).dataDir).toBe('/var/lib/stocksheet');
  });

  it('accepts port 0 (any free port) and 65535', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('accepts postgres:// as well as postgresql://', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/stock' }).databaseUrl).toBe('postgres://localhost/stock');
    // A Unix socket, as libpq writes it, and a percent-encoded password.
    expect(loadConfig({ DATABASE_URL: 'postgresql:///stock?host=/var/run/postgresql' }).databaseUrl).toBeDefined();
    expect(loadConfig({ DATABASE_URL: 'postgresql://stock:p%23ss@db/stock' }).databaseUrl).toBeDefined();
  });

  it('takes the embedded database wait in seconds and gives it in ms; unset, the database takes its default', () => {
    expect(loadConfig({ STOCKSHEET_DB_WAIT_SECONDS: '2.5' }).databaseWaitMs).toBe(2500);
    expect(loadConfig({}).databaseWaitMs).toBeUndefined();
  });
});

describe('loadConfig refuses bad values with a message naming the variable', () => {
  it.each([
    ['abc', 'PORT must be a number'],
    ['3000.5', 'PORT must be a whole number'],
    ['-1', 'PORT must be between 0 and 65535'],
    ['70000', 'PORT must be between 0 and 65535'],
  ])('PORT=%s', (value, message) => {
    const text = refusal({ PORT: value });
    expect(text).toContain('Invalid configuration');
    expect(text).toContain(`PORT: ${message}`);
  });

  it.each([' ', '\t', '80 80'])('PORT=%j is not a port number', (value) => {
    // A blank-looking PORT used to become port 0 (a random port) without a word.
    expect(refusal({ PORT: value })).toContain('PORT: PORT must be a number');
  });

  it.each(['yes', 'true', 'ON', '1'])('STOCKSHEET_TLS=%s', (value) => {
    expect(refusal({ STOCKSHEET_TLS: value })).toContain('STOCKSHEET_TLS: STOCKSHEET_TLS must be "on" or "off"');
  });

  it.each(['mysql://localhost/stock', 'localhost:5432/stock', 'stocksheet', 'file:./dev.db'])('DATABASE_URL=%s', (value) => {
    expect(refusal({ DATABASE_URL: value })).toContain('DATABASE_URL: DATABASE_URL must be a postgres:// or postgresql:// URL');
  });

  it.each([
    'postgresql://localhost:abc/stock',
    'postgresql://local host/stock',
    'postgres://[::1/stock',
    'postgresql://stock:p#ss@db/stock',
  ])('DATABASE_URL=%s that cannot be parsed is refused at start, not deep in the migration engine', (value) => {
    expect(refusal({ DATABASE_URL: value })).toMatch(/DATABASE_URL: .*not a valid URL/);
  });

  it('STOCKSHEET_ADMIN_TOKEN shorter than 24 characters', () => {
    expect(refusal({ STOCKSHEET_ADMIN_TOKEN: 'secret' })).toContain(
      'STOCKSHEET_ADMIN_TOKEN: STOCKSHEET_ADMIN_TOKEN must be at least 24 characters',
    );
  });

  it.each(['0', '26', 'soon'])('STOCKSHEET_DB_WAIT_SECONDS=%s outside 0.1 to 25 seconds', (value) => {
    expect(refusal({ STOCKSHEET_DB_WAIT_SECONDS: value })).toMatch(
      /STOCKSHEET_DB_WAIT_SECONDS: STOCKSHEET_DB_WAIT_SECONDS must be (between 0.1 and 25|a number of seconds)/,
    );
  });

  it.each(['CDN', 'local', 'npm'])('STOCKSHEET_OFFICE_JS=%s', (value) => {
    expect(refusal({ STOCKSHEET_OFFICE_JS: value })).toContain('STOCKSHEET_OFFICE_JS: STOCKSHEET_OFFICE_JS must be "cdn" or "packaged"');
  });

  it('LOG_LEVEL that pino does not know', () => {
    expect(refusal({ LOG_LEVEL: 'loud' })).toContain('LOG_LEVEL:');
  });

  it('lists every bad variable at once', () => {
    const text = refusal({ PORT: 'abc', STOCKSHEET_TLS: 'maybe', DATABASE_URL: 'mysql://x/y' });
    expect(text).toContain('PORT:');
    expect(text).toContain('STOCKSHEET_TLS:');
    expect(text).toContain('DATABASE_URL:');
  });

  it('does not echo the admin token back', () => {
    expect(refusal({ STOCKSHEET_ADMIN_TOKEN: 'hunter2' })).not.toContain('hunter2');
  });
});

describe('npm start with a bad setting', () => {
  it('exits non-zero printing the message, before touching any database', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'abc', STOCKSHEET_DATA_DIR: '/nonexistent/should-not-be-created' };
    delete env.DATABASE_URL;
    const child = spawn('npx', ['tsx', 'server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(code).toBe(2);
    expect(output).toContain('Invalid configuration');
    expect(output).toContain('PORT: PORT must be a number');
    expect(output).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  }, 120_000);
});
