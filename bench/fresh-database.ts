import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyPostgresDatabase } from '../tests/helpers/database.ts';

/** A new empty database on a PostgreSQL server, and a scratch data folder (for the TLS files). */
export async function freshDatabaseOn(serverUrl: string) {
  const database = await emptyPostgresDatabase('stocksheet_bench', serverUrl);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stocksheet-bench-'));
  return {
    url: database.url,
    dataDir,
    drop: async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
