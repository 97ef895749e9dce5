// Bundles the Node sidecar into one self-contained file shipped inside the
// Python wheel: tunelab/sidecar_dist/sidecar.js runs with plain `node`, no node_modules.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outfile = join(root, 'tunelab', 'sidecar_dist', 'sidecar.js');

await build({
  entryPoints: [join(root, 'src', 'sidecar', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Readable stack traces from users' bug reports matter more than a few hundred KB.
  minify: false,
  legalComments: 'eof',
  define: { __TUNELAB_SIDECAR_VERSION__: JSON.stringify(version) },
  logLevel: 'warning'
});
console.log(`built ${outfile} (sidecar ${version})`);
