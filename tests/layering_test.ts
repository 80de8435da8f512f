/**
 * The layering rule of DESIGN.md, checked on the real import graph of `src/`: data flows one
 * way, api/cli/ui -> schedule -> download -> store, with the base (top-level `src/*.ts` and
 * `src/time/`) under everything and the composition root `src/server.ts` over api and ui.
 * Every relative import counts, `import type` and dynamic `import()` included.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Rank of each unit: a file may import its own unit or a unit of lower rank only. */
const RANKS: Record<string, number> = {
  base: 0,
  store: 1,
  download: 2,
  cache: 3,
  schedule: 4,
  api: 5,
  ui: 5,
  server: 6,
  cli: 7,
};

/** The unit of a path relative to `src/`. */
export function unitOf(path: string): string {
  const [first, ...rest] = path.split("/");
  if (rest.length === 0) return first === "server.ts" ? "server" : "base";
  return first === "time" ? "base" : first;
}

/** Relative specifiers of one file: static imports and re-exports, `import type`, `import()`. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']/gms,
    /^\s*import\s*["'](\.[^"']+)["']/gm,
    /\bimport\(\s*["'](\.[^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) out.push(m[1]);
  }
  return out;
}

/** Edges (from -> to, both relative to `src/`) of every `.ts`/`.tsx` file under `src/`. */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (/\.tsx?$/.test(entry.name)) {
        const from = relative(SRC, path);
        const targets = new Set<string>();
        for (const spec of specifiers(await Deno.readTextFile(path))) {
          targets.add(relative(SRC, normalize(join(dirname(path), spec))));
        }
        graph.set(from, targets);
      }
    }
  };
  await walk(SRC);
  return graph;
}

/** Imports that go up or sideways between units, as `from -> to` lines. */
export function layerViolations(graph: Map<string, Set<string>>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (to.startsWith("..")) {
        out.push(`${from} -> ${to} (outside src/)`);
        continue;
      }
      const a = unitOf(from);
      const b = unitOf(to);
      if (a === b) continue;
      if (!(a in RANKS) || !(b in RANKS)) {
        out.push(`${from} -> ${to} (unit without a layer: ${a in RANKS ? b : a})`);
      } else if (RANKS[b] >= RANKS[a]) out.push(`${from} -> ${to} (${a} may not import ${b})`);
    }
  }
  return out.sort();
}

/** Groups of files that import each other in a circle (Tarjan's strongly connected parts). */
export function importCycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)?.has(v)) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const graphOf = (edges: [string, string][]) => {
  const g = new Map<string, Set<string>>();
  for (const [a, b] of edges) {
    if (!g.has(a)) g.set(a, new Set());
    if (!g.has(b)) g.set(b, new Set());
    g.get(a)!.add(b);
  }
  return g;
};

Deno.test("the checker: an upward import, a sideways one and a cycle are each reported", () => {
  const g = graphOf([
    ["store/runs.ts", "schedule/engine/engine.ts"], // up
    ["ui/page.tsx", "api/errors.ts"], // sideways between equals
    ["download/a/x.ts", "download/b/y.ts"],
    ["download/b/y.ts", "download/a/x.ts"], // a cycle inside one unit
    ["schedule/s.ts", "download/a/x.ts"], // down: fine
    ["config.ts", "time/clock.ts"], // base to base: fine
  ]);
  assert.deepEqual(layerViolations(g), [
    "store/runs.ts -> schedule/engine/engine.ts (store may not import schedule)",
    "ui/page.tsx -> api/errors.ts (ui may not import api)",
  ]);
  assert.deepEqual(importCycles(g), [["download/a/x.ts", "download/b/y.ts"]]);
  assert.deepEqual(
    specifiers(
      `import type { A } from "./a.ts";\nexport { b } from "../b.ts";\n` +
        `import {\n  c,\n} from "./c.ts";\nconst d = await import("./d.ts");\nimport "./e.ts";`,
    ),
    ["./a.ts", "../b.ts", "./c.ts", "./e.ts", "./d.ts"],
  );
});

Deno.test("src/ follows the layers: no import goes up or sideways between folders", async () => {
  const graph = await importGraph();
  assert.ok(graph.size > 100, `read ${graph.size} files under src/`);
  assert.deepEqual(layerViolations(graph), []);
});

Deno.test("src/ has no import cycle between files (import type included)", async () => {
  assert.deepEqual(importCycles(await importGraph()), []);
});
