// npm run test:pg: the integration suites again, on real PostgreSQL. Each test file creates its own
// database on the server named by TEST_DATABASE_URL (default: the local one) and drops it after.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.end();
} catch (error) {
  console.error(
    `Cannot reach PostgreSQL at ${url} (${error.message}).\n` +
      'Start it (on these machines: pg_ctlcluster --skip-systemctl-redirect 15 main start) or set TEST_DATABASE_URL ' +
      'to a server where this user may CREATE DATABASE.',
  );
  process.exit(1);
}
// Files or filters given (`npm run test:pg -- tests/integration/stock.test.ts`) narrow the run:
// vitest runs every file matching any filter, so the whole folder is named only when none is.
const args = process.argv.slice(2);
const takesValue = new Set(['-t', '--testNamePattern', '--reporter', '--project']);
const filters = args.filter((arg, i) => !arg.startsWith('-') && !takesValue.has(args[i - 1]));
const result = spawnSync('npx', ['vitest', 'run', ...(filters.length > 0 ? [] : ['tests/integration']), ...args], {
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: url },
});
process.exit(result.status ?? 1);
