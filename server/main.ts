// npm start: build the task pane if needed, migrate, then serve the pane and the API until SIGTERM/SIGINT.
import pino from 'pino';
import { startApp } from './app.ts';
import { loadConfigOrExit } from './config.ts';
import { DataDirBusyError } from './db/data-dir-lock.ts';
import { buildAddinIfStale } from './http/addin-build.ts';

const config = loadConfigOrExit();

const log = pino({ level: config.logLevel });
try {
  await buildAddinIfStale((message) => log.info(message));
  const app = await startApp(config, log);
  log.info({ url: app.url, database: app.db.kind, officeJs: config.officeJs }, 'Stocksheet is listening');
  if (app.newAdminToken) {
    // Printed once, on the first start: only its hash is stored.
    console.log(`\nFirst start: an admin user was created. Its API token (shown only now, keep it safe):\n\n  ${app.newAdminToken}\n`);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof DataDirBusyError) {
    log.fatal(error.message);
    process.exit(1);
  }
  log.fatal({ err: error }, 'Stocksheet could not start');
  process.exit(1);
}
