// `prisma generate` without network access. The Prisma 7 CLI looks for a native schema engine
// before generating and tries to download one when it is missing; the generator never runs it, so
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file lets generation go ahead offline.
// Migrations use the WASM schema engine instead (server/db/migrate.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, 'package.json'),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules/prisma/build/index.js'), 'generate', '--schema', 'prisma/schema.prisma'],
  { cwd: root, env, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
