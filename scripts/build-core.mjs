#!/usr/bin/env node
// Builds the layout core (src/zpa/layout-core.c) into src/zpa/layout-core-wasm.ts, the WebAssembly module as base64
// with the SHA-256 of the source it came from (a test fails when the two disagree). Needs clang with the wasm32 target
// and lld (Debian: apt-get install clang lld); CLANG names the compiler (default: clang, then clang-14 to clang-19).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src/zpa/layout-core.c');
const target = path.join(root, 'src/zpa/layout-core-wasm.ts');

function clang() {
  const names = process.env.CLANG ? [process.env.CLANG] : ['clang', ...[19, 18, 17, 16, 15, 14].map((v) => `clang-${v}`)];
  for (const name of names) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // try the next name
    }
  }
  throw new Error(`no clang found (tried ${names.join(', ')}): install clang and lld, or set CLANG`);
}

const dir = mkdtempSync(path.join(tmpdir(), 'layout-core-'));
try {
  const wasm = path.join(dir, 'layout-core.wasm');
  // No libc, no start function; bulk memory for memcpy; __heap_base tells layout-core.ts where free memory starts.
  execFileSync(clang(), ['--target=wasm32', '-O3', '-mbulk-memory', '-msimd128', '-nostdlib', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--export=__heap_base', '-Wl,--strip-all', '-o', wasm, source], { stdio: 'inherit' });
  const sha = createHash('sha256').update(readFileSync(source)).digest('hex');
  const base64 = readFileSync(wasm).toString('base64');
  writeFileSync(
    target,
    `/** The layout core, layout-core.c compiled to WebAssembly by \`npm run build:core\` (scripts/build-core.mjs): do not edit. */\n` +
      `export const LAYOUT_CORE_SOURCE_SHA256 = '${sha}';\n` +
      `export const LAYOUT_CORE_WASM = Buffer.from(\n  '${base64}',\n  'base64',\n);\n`,
  );
  process.stdout.write(`wrote ${path.relative(root, target)}: ${readFileSync(wasm).length} bytes of WebAssembly from layout-core.c (sha256 ${sha.slice(0, 12)}…)\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
