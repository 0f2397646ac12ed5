import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDIN_DIR } from './static.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCES = [path.join(ROOT, 'addin'), path.join(ROOT, 'vite.config.ts')];

function newestChange(target: string): number {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce((newest, name) => Math.max(newest, newestChange(path.join(target, name))), stat.mtimeMs);
}

/** True when dist/addin is missing or older than a source file of the pane. */
export function addinBuildIsStale(): boolean {
  const built = path.join(ADDIN_DIR, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((source) => existsSync(source) && newestChange(source) > builtAt);
}

/** Builds the task pane with Vite when it is missing or out of date (npm start does this). */
export async function buildAddinIfStale(log: (message: string) => void): Promise<void> {
  if (!addinBuildIsStale()) return;
  log('Building the task pane (vite build)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
