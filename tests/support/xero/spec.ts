// Xero's published Accounting OpenAPI (schemas/xero/xero_accounting.yaml) as the stand-in uses it:
// parsed once per process (YAML takes ~0.6 s; a JSON copy keyed by the YAML's hash is kept in the
// system's temporary folder, which parses in ~50 ms), and one openapi-backend instance per process
// that routes and validates requests and validates the stand-in's own answers.
//
// openapi-backend only loads this spec with `quick: true` (its strict document check finds 166
// errors: `$ref`s with sibling keys, boolean properties with string defaults); ajv runs with
// `strict: false` so the spec's unknown keywords (x-is-msdate, …) pass, `allErrors` to report every
// violation, and ajv-formats for uuid and date-time.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import addFormats from 'ajv-formats';
import * as yaml from 'js-yaml';
import { OpenAPIBackend, type Context, type Document, type Request } from 'openapi-backend';

export const SPEC_PATH = fileURLToPath(new URL('../../../schemas/xero/xero_accounting.yaml', import.meta.url));
export const API_ROOT = '/api.xro/2.0';

let specJson: string | undefined;

/** The spec as JSON text, from memory, from the temporary cache, or converted from the YAML (and cached). */
export function specAsJson(): string {
  if (specJson !== undefined) return specJson;
  const yamlText = readFileSync(SPEC_PATH, 'utf8');
  const hash = createHash('sha256').update(yamlText).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'stocksheet-xero-spec');
  const cached = join(dir, `xero_accounting.${hash}.json`);
  try {
    specJson = readFileSync(cached, 'utf8');
    JSON.parse(specJson);
    return specJson;
  } catch {
    // not cached yet (or a torn copy): convert below
  }
  specJson = JSON.stringify(yaml.load(yamlText));
  try {
    mkdirSync(dir, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, specJson);
    renameSync(partial, cached);
  } catch {
    // the cache is only an optimisation
  }
  return specJson;
}

/** What the stand-in's dispatcher gets for each request openapi-backend has routed and validated. */
export interface SpecDispatcher {
  operation(context: Context): unknown;
  validationFail(context: Context): unknown;
  notFound(context: Context): unknown;
}

let backend: Promise<OpenAPIBackend> | undefined;

/** The process's one openapi-backend, initialised on first use; handlers dispatch to the stand-in passed to handleRequest. */
export function specBackend(): Promise<OpenAPIBackend> {
  backend ??= (async () => {
    const definition = JSON.parse(specAsJson()) as Document;
    const api = new OpenAPIBackend({
      definition,
      apiRoot: API_ROOT,
      quick: true,
      ajvOpts: { strict: false, allErrors: true },
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    const handlers: Record<string, (c: Context, d: SpecDispatcher) => unknown> = {
      validationFail: (c, d) => d.validationFail(c),
      notFound: (c, d) => d.notFound(c),
      notImplemented: (c, d) => d.notFound(c),
    };
    for (const pathItem of Object.values(definition.paths ?? {})) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
        const id = (pathItem as Record<string, { operationId?: string } | undefined>)[method]?.operationId;
        if (id) handlers[id] = (c, d) => d.operation(c);
      }
    }
    api.register(handlers);
    // Authentication is the stand-in's (bearer tokens from its identity endpoint), checked before routing.
    api.registerSecurityHandler('OAuth2', () => true);
    await api.init();
    return api;
  })();
  return backend;
}

export type SpecRequest = Request;

/** The response statuses the spec declares for an operation (e.g. ['200', '400']). */
export function declaredStatuses(api: OpenAPIBackend, operationId: string): string[] {
  const op = api.router.getOperation(operationId);
  return Object.keys(op?.responses ?? {});
}

export interface ResponseCheck {
  /** False when the spec declares no response for this status (401, 429, 500… are not in it). */
  declared: boolean;
  valid: boolean;
  errors: string[];
}

/** Validates an answer's body against the spec's response schema for that operation and status. */
export async function checkResponse(operationId: string, status: number, body: unknown): Promise<ResponseCheck> {
  const api = await specBackend();
  if (!declaredStatuses(api, operationId).includes(String(status))) return { declared: false, valid: true, errors: [] };
  const result = api.validator.validateResponse(body, operationId, status);
  return {
    declared: true,
    valid: result.valid,
    errors: (result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`),
  };
}

let components: Record<string, { properties?: Record<string, unknown> }> | undefined;

/** The property names of one of the spec's schemas (`ManualJournal`, `Item`…), for `where` and `order`. */
export function schemaFields(name: string): string[] {
  components ??= (JSON.parse(specAsJson()) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } })
    .components.schemas;
  return Object.keys(components[name]?.properties ?? {});
}
