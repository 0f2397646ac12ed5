import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

// The WASM build of Prisma's schema engine (the native one cannot be downloaded here). The
// package is built for bundlers, so it is instantiated by hand, once per process.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
type EngineModule = typeof import('@prisma/schema-engine-wasm');
let engineModule: Promise<EngineModule> | undefined;

function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = await import(pathToFileURL(bgPath).href);
    // WebAssembly is a Node global; TypeScript's ES libs do not declare it.
    const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmApi };
    const module = new WebAssembly.Module(readFileSync(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm')));
    const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
    return bg as EngineModule;
  })();
  return engineModule;
}

/**
 * Both adapters run a migration script badly: @prisma/adapter-pg splits it on every `;` and sends
 * the pieces one by one (a `$$` function body breaks, a failure half-way leaves half a migration);
 * pglite-prisma-adapter does not wait for it, so its errors are lost. Sent as one simple query,
 * the whole script runs in one implicit transaction and its errors come back.
 */
function wholeScriptAtOnce(adapter: SqlDriverAdapter): SqlDriverAdapter {
  type Runner = { query?: (sql: string) => Promise<unknown>; exec?: (sql: string) => Promise<unknown> };
  const inner = adapter as SqlDriverAdapter & {
    underlyingDriver?: () => Runner;
    client?: Runner;
    onError?: (error: unknown) => never;
  };
  const pool = inner.underlyingDriver?.();
  const pglite = inner.client;
  const run =
    typeof pool?.query === 'function'
      ? (sql: string) => pool.query!(sql)
      : typeof pglite?.exec === 'function'
        ? (sql: string) => pglite.exec!(sql)
        : null;
  if (!run) return adapter;
  adapter.executeScript = async (script: string) => {
    try {
      await run(script);
    } catch (error) {
      inner.onError?.(error);
      throw error;
    }
  };
  return adapter;
}

export const NO_FILTERS = { externalTables: [], externalEnums: [] };

/**
 * Runs `work` with a schema engine on the given adapter, then frees the engine and disposes every
 * connection it opened: on PostgreSQL `applyMigrations` holds Prisma's advisory lock on its
 * connection until that connection is disposed, and `free()` alone does not release it.
 */
export async function withSchemaEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  datamodel: { path: string; content: string } | null,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadEngineModule();
  const opened: { dispose(): Promise<void> }[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => {
      const adapter = wholeScriptAtOnce(await adapterFactory.connect());
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = await adapterFactory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const logs: string[] = [];
  const engine = await SchemaEngine.new(
    { datamodels: datamodel ? [[datamodel.path, datamodel.content]] : undefined },
    (line: string) => logs.push(line),
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    for (const adapter of opened) await adapter.dispose().catch(() => undefined);
  }
}
