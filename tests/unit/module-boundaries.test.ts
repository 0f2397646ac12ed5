// The server's layers, checked from the import statements: server/domain decides and imports
// nothing with a database; the ledger is below every business area; the areas under
// server/modules import each other without cycles, so each can be read and changed on its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const server = path.join(root, 'server');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === 'generated') return [];
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

/** Every file of the server with the server files it imports (relative imports only). */
const imports = new Map(
  sourceFiles(server).map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]!));
    return [file, targets];
  }),
);

const relative = (file: string) => path.relative(server, file);
/** `modules/sales/deliver.ts` → `sales`; other layers by their folder (`domain`, `ledger`, `db`, ...). */
const areaOf = (file: string) => {
  const parts = relative(file).split(path.sep);
  return parts[0] === 'modules' && parts.length > 2 ? parts[1]! : parts[0]!;
};

describe('server layers', () => {
  it('domain imports only domain', () => {
    const outside = [...imports].flatMap(([file, targets]) =>
      areaOf(file) === 'domain' ? targets.filter((t) => areaOf(t) !== 'domain').map((t) => `${relative(file)} → ${relative(t)}`) : [],
    );
    expect(outside).toEqual([]);
  });

  it('the ledger imports no business area', () => {
    const areas = new Set(['domain', 'ledger', 'db']);
    const outside = [...imports].flatMap(([file, targets]) =>
      areaOf(file) === 'ledger' ? targets.filter((t) => !areas.has(areaOf(t))).map((t) => `${relative(file)} → ${relative(t)}`) : [],
    );
    expect(outside).toEqual([]);
  });

  it('business areas import each other without cycles', () => {
    const graph = new Map<string, Set<string>>();
    for (const [file, targets] of imports) {
      if (!relative(file).startsWith(`modules${path.sep}`)) continue;
      const from = areaOf(file);
      for (const target of targets) {
        const to = areaOf(target);
        if (to !== from && relative(target).startsWith(`modules${path.sep}`)) graph.set(from, (graph.get(from) ?? new Set()).add(to));
      }
    }
    const cycles: string[] = [];
    const visit = (area: string, trail: string[]) => {
      if (trail.includes(area)) return void cycles.push([...trail.slice(trail.indexOf(area)), area].join(' → '));
      for (const next of graph.get(area) ?? []) visit(next, [...trail, area]);
    };
    for (const area of graph.keys()) visit(area, []);
    expect(cycles).toEqual([]);
  });

  it('other areas use the allocation module through its index only', () => {
    const reaching = [...imports].flatMap(([file, targets]) =>
      areaOf(file) === 'allocations'
        ? []
        : targets
            .filter((t) => areaOf(t) === 'allocations' && path.basename(t) !== 'index.ts')
            .map((t) => `${relative(file)} → ${relative(t)}`),
    );
    expect(reaching).toEqual([]);
  });
});
