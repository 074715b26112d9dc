// Bundles the console page (web/) into dist/web/: index.html and assets/ with content-hashed names.
// Runs in `npm run build` (and so in `npm ci`) after `tsc -p web` type-checked it.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = 'dist/web';
/** Replaced by the console's path (option `path`) when the plugin loads the page. */
const BASE = '__SWITCHYARD_CONSOLE_BASE__';

await rm(new URL(`../${out}`, import.meta.url), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/src/main.tsx' },
  outdir: `${out}/assets`,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs);
const named = (ext) => {
  const file = outputs.find((o) => extname(o) === ext);
  if (!file) throw new Error(`the console build produced no ${ext} file`);
  return file;
};
const script = named('.js');
const style = named('.css');
const template = await readFile(new URL('../web/index.html', import.meta.url), 'utf8');
const html = template
  .replace('{{script}}', `${BASE}/assets/${basename(script)}`)
  .replace('{{style}}', `${BASE}/assets/${basename(style)}`);
await writeFile(new URL(`../${out}/index.html`, import.meta.url), html);

let total = 0;
let zipped = 0;
for (const file of [script, style]) {
  const body = await readFile(new URL(`../${file}`, import.meta.url));
  total += body.length;
  zipped += gzipSync(body).length;
}
console.log(
  `console page: ${basename(script)} + ${basename(style)}, ${(total / 1024).toFixed(1)} KiB (${(zipped / 1024).toFixed(1)} KiB gzipped)`,
);
