/**
 * The house's import rules, read from the source: no loop between files of src/, and no
 * import that runs up from the lower rooms (runs, pipelines, resolvers) into the GraphQL
 * schema, nor from pipelines into resolvers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../src');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** file (relative to src/) → the src files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const targets: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), match[1].replace(/\.js$/, '.ts'));
      if (target.startsWith(SRC) && !target.includes(`${path.sep}generated${path.sep}`)) targets.push(path.relative(SRC, target));
    }
    graph.set(path.relative(SRC, file), targets);
  }
  return graph;
}

function findLoops(graph: Map<string, string[]>): string[][] {
  const loops: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') loops.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return loops;
}

const FORBIDDEN: { from: string; to: string }[] = [
  { from: 'resolvers/', to: 'schema/' },
  { from: 'pipelines/', to: 'schema/' },
  { from: 'runs/', to: 'schema/' },
  { from: 'pipelines/', to: 'resolvers/' },
  { from: 'runs/', to: 'resolvers/' },
  { from: 'contracts/', to: 'schema/' },
  { from: 'contracts/', to: 'resolvers/' },
  { from: 'inference/', to: 'schema/' },
  { from: 'inference/', to: 'resolvers/' },
  { from: 'inference/', to: 'db/' },
  { from: 'inference/', to: 'runs/' },
  { from: 'db/', to: 'resolvers/' },
  // The OpenAI-compatible API is a front door beside GraphQL: it maps onto resolvers, never onto the schema.
  { from: 'openai/', to: 'schema/' },
  ...['resolvers/', 'runs/', 'pipelines/', 'contracts/', 'inference/', 'db/', 'schema/'].map((from) => ({ from, to: 'openai/' })),
];


describe('import graph of src/', () => {
  const graph = importGraph();

  it('reads the imports (the check can see what it checks)', () => {
    expect(graph.get('resolvers/ocr.ts')).toContain('contracts/context.ts');
  });

  it('has no import loop', () => {
    const loops = findLoops(graph).map((loop) => loop.join(' → '));
    expect(loops).toEqual([]);
  });

  it('has no import running up the house', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => FORBIDDEN.some((rule) => file.startsWith(rule.from) && t.startsWith(rule.to))).map((t) => `${file} → ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('finds a loop and an upward import when there is one', () => {
    const made = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts']],
    ]);
    expect(findLoops(made)).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });
});
