import { ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const SIDECAR_BUNDLE = join(REPO_ROOT, 'tunelab', 'sidecar_dist', 'sidecar.js');

/** Builds the sidecar bundle the way `npm run build:sidecar` does. */
export function buildSidecarBundle(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-sidecar.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
  if (!existsSync(SIDECAR_BUNDLE)) {
    throw new Error(`build did not produce ${SIDECAR_BUNDLE}`);
  }
}

/**
 * Copies the bundle into a fresh directory under the system temp dir, where no
 * node_modules can be found: the copy runs only if the bundle is self-contained,
 * as it must be inside the Python wheel.
 */
export function isolatedBundleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-bundle-'));
  // The wheel ships the bundle with its trainer worker and encoder process, the TF.js wasm binaries and SQLite's addon beside it.
  const dist = dirname(SIDECAR_BUNDLE);
  for (const name of readdirSync(dist).filter(file =>
    /^(sidecar\.js|trainer-worker\.js|encoder-process\.js|.*\.wasm|.*\.node)$/.test(file)
  )) {
    copyFileSync(join(dist, name), join(dir, name));
  }
  return join(dir, 'sidecar.js');
}

export interface RunningSidecar {
  child: ChildProcessWithoutNullStreams;
  /** The parsed ready line. */
  ready: Record<string, unknown>;
  /** Everything the sidecar wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * Starts the built bundle with plain `node`, sends the config line and waits for the ready line. Its label
 * store goes to `dataDir` (default: a fresh temp dir, never the user's).
 */
export function startSidecar(
  configLine: string,
  bundle = SIDECAR_BUNDLE,
  timeoutMs = 10_000,
  nodeArgs: string[] = [],
  dataDir: string = mkdtempSync(join(tmpdir(), 'tunelab-data-'))
): Promise<RunningSidecar> {
  const child = spawn(process.execPath, [...nodeArgs, bundle], {
    cwd: '/',
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TUNELAB_DATA_DIR: dataDir }
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', chunk => (stderr += chunk.toString()));
  const exited = new Promise<number | string>(resolve =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  );
  child.stdin.write(`${configLine}\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', chunk => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(stdout.slice(0, newline)), stderr: () => stderr, exited });
      }
    });
    void exited.then(code => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code} before ready; stderr: ${stderr}`));
    });
  });
}
