// A Stocksheet server as its own process (server/main.ts), for tests of starting, stopping and
// killing it: started as `npm start` starts it, with none of the test runner's Stocksheet settings.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts server/main.ts. `runner: 'tsx'` is what `npm start` runs (`tsx server/main.ts`), called
 * directly rather than through npx: `npm exec` does not pass SIGTERM on to its child (it exits 143
 * and leaves the server running), so signalling npx would test npm, not the server.
 * `runner: 'node'` (`node --import tsx server/main.ts`) is one process that gets the signal itself.
 * The tsx CLI relays a signal to its child and SIGKILLs it unless the child acknowledges within
 * 30 ms, which a server busy with a large request cannot: the in-flight test therefore uses 'node'.
 */
export function spawnServer(env: Record<string, string>, runner: 'tsx' | 'node' = 'tsx'): ServerProcess {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name === 'DATABASE_URL' || name === 'PORT' || name.startsWith('STOCKSHEET_')) delete base[name];
  const [command, args] =
    runner === 'tsx'
      ? [path.join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts']]
      : [process.execPath, ['--import', 'tsx', 'server/main.ts']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...base, STOCKSHEET_TLS: 'off', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function waitForHealth(server: ServerProcess, url: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server exited early:\n${server.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the server did not become healthy:\n${server.output()}`);
}
