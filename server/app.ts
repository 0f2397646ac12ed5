import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import pino, { type Logger } from 'pino';
import { publicUrlOf, type Config } from './config.ts';
import { acquireDataDirLock, newLocalSecret, type DataDirLock } from './db/data-dir-lock.ts';
import { databaseTarget, openDatabase, type Database } from './db/database.ts';
import { applyMigrations } from './db/migrate.ts';
import { createServer } from './http/server.ts';
import { localhostCertificate } from './http/tls.ts';
import { startRelay } from './modules/accounting/runner.ts';
import { accountingFor, endpointsFrom } from './modules/accounting/runtime.ts';
import { SecretBox } from './modules/accounting/secrets.ts';
import { ensureAdmin } from './modules/users/service.ts';

export interface RunningApp {
  db: Database;
  server: http.Server;
  url: string;
  /** Where browsers reach it (STOCKSHEET_PUBLIC_URL, else `url`): OAuth redirect URIs are made from it. */
  publicUrl: string;
  log: Logger;
  /** The first admin's token when this start created it with a random one (shown once). */
  newAdminToken: string | undefined;
  stop(): Promise<void>;
}

/** Opens the database, migrates it, makes sure an admin exists, and starts serving. */
export async function startApp(config: Config, log: Logger = pino({ level: config.logLevel })): Promise<RunningApp> {
  const target = databaseTarget(config.databaseUrl, config.dataDir, config.databaseWaitMs);
  const lock: DataDirLock | null =
    target.kind === 'pglite' ? acquireDataDirLock(config.dataDir, 'the Stocksheet server', (message) => log.warn(message)) : null;
  let db: Database | undefined;
  try {
    db = await openDatabase(target);
    const applied = await applyMigrations(db.migrationAdapterFactory);
    log.info({ database: db.kind, applied }, applied.length ? 'migrations applied' : 'database up to date');
    const admin = await ensureAdmin(db.prisma, config.adminToken);
    const tls = config.tls ? await localhostCertificate(config.dataDir) : null;
    const localSecret = newLocalSecret();
    const accounting = accountingFor(db, {
      secrets: SecretBox.forServer(config.secretKey, config.dataDir),
      endpoints: endpointsFrom(config.accountingEndpoints),
    });
    const server = createServer({ db, log, tls, localSecret, officeJs: config.officeJs, accounting });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, resolve);
    });
    const { port } = server.address() as AddressInfo;
    // Known only now when PORT=0 chose the port; no request has been read yet.
    accounting.publicUrl = publicUrlOf(config, port);
    lock?.announce({ port, tls: Boolean(tls), localSecret });
    // Every process sends the accounting outbox; they share it through the database.
    const relay = startRelay(accounting, log, config.relayIntervalMs);
    const url = `${tls ? 'https' : 'http'}://localhost:${port}`;
    const opened = db;
    return {
      db: opened,
      server,
      url,
      publicUrl: accounting.publicUrl,
      log,
      newAdminToken: admin.token,
      async stop() {
        await relay.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await opened.close();
        lock?.release();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}
