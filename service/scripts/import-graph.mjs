// Prints the folder-level import graph of service/src: one line per edge between two folders (a file directly in
// src/ counts as a folder of its own), with how many imports make it up, so a layering rule can be checked by eye
// or in review. Reads the sources as text (no build needed, no dependency); type-only imports count too, since
// they tie the folders together as much as any other.
//   node service/scripts/import-graph.mjs [SRC_DIR] [--files]
// --files also lists, under each edge, the importing file and what it imports.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const args = process.argv.slice(2);
const showFiles = args.includes('--files');
const src = path.resolve(args.find((arg) => !arg.startsWith('--')) ?? path.join(import.meta.dirname, '../src'));

/** import/export … from '…', import '…', import('…') and require('…'): relative specifiers only. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function folderOf(file) {
  const [first, ...rest] = path.relative(src, file).split(path.sep);
  return rest.length === 0 ? first.replace(/\.(ts|js|json)$/, '') : first;
}

const edges = new Map();
for (const file of sources(src)) {
  const from = folderOf(file);
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const to = folderOf(path.resolve(path.dirname(file), specifier));
    if (to === from) continue;
    const key = `${from} -> ${to}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(`${path.relative(src, file)} -> ${specifier}`);
  }
}

const lines = [...edges.keys()].sort();
for (const key of lines) {
  const imports = edges.get(key);
  process.stdout.write(`${key.padEnd(32)} ${imports.length}\n`);
  if (showFiles) for (const line of imports.sort()) process.stdout.write(`    ${line}\n`);
}
const total = lines.reduce((sum, key) => sum + edges.get(key).length, 0);
process.stdout.write(`${lines.length} edges, ${total} imports between folders\n`);
