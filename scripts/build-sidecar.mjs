// Bundles the Node sidecar into self-contained files shipped inside the Python wheel:
// tunelab/sidecar_dist/sidecar.js (runs with plain `node`, no node_modules), the trainer worker
// thread trainer-worker.js, the sentence encoder's child process encoder-process.js, the TF.js wasm binaries both look for next to them, and better-sqlite3's native
// addon (better_sqlite3.node, compiled for this Node's ABI), which the label store loads from next to sidecar.js.
import { build } from 'esbuild';
import { copyFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'tunelab', 'sidecar_dist');

const common = {
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
};

// Start empty: a file no longer built (a renamed entry) would otherwise ship in the wheel.
rmSync(outdir, { recursive: true, force: true });
await build({ ...common, entryPoints: [join(root, 'src', 'sidecar', 'main.ts')], outfile: join(outdir, 'sidecar.js') });
await build({
  ...common,
  entryPoints: [join(root, 'src', 'sidecar', 'engine', 'training', 'trainerWorker.ts')],
  outfile: join(outdir, 'trainer-worker.js')
});
await build({
  ...common,
  entryPoints: [join(root, 'src', 'sidecar', 'encoder', 'encoderProcess.ts')],
  outfile: join(outdir, 'encoder-process.js')
});
const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const wasmFiles = readdirSync(wasmDir).filter(name => name.endsWith('.wasm'));
for (const name of wasmFiles) {
  copyFileSync(join(wasmDir, name), join(outdir, name));
}
const sqliteAddon = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
copyFileSync(sqliteAddon, join(outdir, 'better_sqlite3.node'));
console.log(
  `built ${outdir}: sidecar.js, trainer-worker.js, encoder-process.js, ${wasmFiles.join(', ')}, better_sqlite3.node (sidecar ${version})`
);
