// npm run token -- --name NAME --role ROLE : creates a user and prints its API token once.
// On PostgreSQL it writes to the database directly (any number of processes may). On the embedded
// database it asks the running server, since PGlite allows one process per data folder; with no
// server running it opens the folder itself.
import { parseArgs } from 'node:util';
import { Agent, request } from 'node:https';
import http from 'node:http';
import { loadConfigOrExit } from '../config.ts';
import { acquireDataDirLock, dataDirOwner, type DataDirOwner } from '../db/data-dir-lock.ts';
import { databaseTarget, openDatabase } from '../db/database.ts';
import { applyMigrations } from '../db/migrate.ts';
import { ROLES, type RoleName } from '../domain/roles.ts';
import { createUser } from '../modules/users/service.ts';

const USAGE = `Usage: npm run token -- --name NAME --role ROLE   (ROLE: ${ROLES.join(', ')})`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

// A mistyped option (`--nmae`) or a stray argument gets the usage, not a stack trace.
let values: { name?: string; role?: string };
try {
  ({ values } = parseArgs({ options: { name: { type: 'string' }, role: { type: 'string' } }, strict: true }));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
}
const name = values.name?.trim();
const role = values.role as RoleName | undefined;
if (!name || name.length > 100) fail(`--name is required (1 to 100 characters).\n${USAGE}`);
if (!role || !ROLES.includes(role)) fail(`--role must be one of: ${ROLES.join(', ')}.\n${USAGE}`);

/** Asks the running server (same machine, same OS user: it reads the server's lock file). */
function viaServer(owner: DataDirOwner): Promise<{ token: string }> {
  const body = JSON.stringify({ name, role });
  const options = {
    host: '127.0.0.1',
    port: owner.port,
    path: '/local/users',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-stocksheet-local-secret': owner.localSecret,
      'content-length': Buffer.byteLength(body),
    },
    // The server's own self-signed certificate, on loopback.
    ...(owner.tls ? { agent: new Agent({ rejectUnauthorized: false }) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (owner.tls ? request : http.request)(options, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        const parsed = JSON.parse(text || '{}');
        if (res.statusCode === 200) resolve(parsed);
        else reject(new Error(parsed.message ?? `the server answered ${res.statusCode}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function direct(target: ReturnType<typeof databaseTarget>): Promise<{ token: string }> {
  const db = await openDatabase(target);
  try {
    await applyMigrations(db.migrationAdapterFactory);
    return await createUser(db.prisma, { name: name!, role: role! });
  } finally {
    await db.close();
  }
}

const config = loadConfigOrExit();
const target = databaseTarget(config.databaseUrl, config.dataDir, config.databaseWaitMs);
try {
  let result: { token: string };
  if (target.kind === 'postgresql') {
    result = await direct(target);
  } else {
    const owner = dataDirOwner(config.dataDir);
    if (owner?.port && owner.localSecret) {
      result = await viaServer(owner);
    } else if (owner) {
      fail(`The data folder ${config.dataDir} is in use by ${owner.what} (process ${owner.pid}); run this again when it has finished.`);
    } else {
      const lock = acquireDataDirLock(config.dataDir, 'npm run token');
      try {
        result = await direct(target);
      } finally {
        lock.release();
      }
    }
  }
  console.log(`Created ${role} user "${name}". API token (shown only now, keep it safe):\n\n  ${result.token}\n`);
} catch (error) {
  fail(`Could not create the user: ${error instanceof Error ? error.message : String(error)}`);
}
