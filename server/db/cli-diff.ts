// npm run db:diff -- NAME : writes the migration that takes prisma/migrations to schema.prisma.
import { createMigration } from './migrate.ts';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('Usage: npm run db:diff -- NAME   (NAME in lower case letters, digits and _ , e.g. add_suppliers)');
  process.exit(2);
}
const folder = await createMigration(name);
console.log(
  folder ? `Wrote ${folder}/migration.sql: review it, then commit it.` : 'schema.prisma matches the migrations: nothing to write.',
);
