import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';

/** The optional native TF.js bindings, best first. Both register the TF.js backend named `tensorflow`. */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node'
} as const;
export type NativeBackendName = keyof typeof NATIVE_PACKAGES;

/** Loads a native package by name and returns its exports; throws if it cannot (tests inject their own). */
export type NativeRequire = (name: string) => unknown;

/** Environment variable naming a directory whose `node_modules` holds a native binding (`make native` output). */
export const NATIVE_DIR_ENV = 'TUNELAB_NATIVE_DIR';
/** The directory `make native` fills, at the repository root. */
const NATIVE_DIR_NAME = 'native';

/**
 * Directories whose `node_modules` may hold a native binding, in order: `$TUNELAB_NATIVE_DIR`, then the first
 * `native/` with a `node_modules` found walking up from this file (the source tree and the bundled sidecar in
 * tunelab/sidecar_dist both sit below the repository root where `make native` puts it).
 */
export function nativeSearchDirs(env: NodeJS.ProcessEnv = process.env, from: string = __dirname): string[] {
  const dirs: string[] = [];
  const fromEnv = env[NATIVE_DIR_ENV];
  if (fromEnv) {
    dirs.push(path.resolve(fromEnv));
  }
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, NATIVE_DIR_NAME);
    if (fs.existsSync(path.join(candidate, 'node_modules'))) {
      dirs.push(candidate);
      break;
    }
    if (path.dirname(dir) === dir) {
      break;
    }
  }
  return dirs;
}

/**
 * The entry file of a native binding: from the native directories, else through ordinary module resolution
 * (a machine that can download libtensorflow may simply `npm install @tensorflow/tfjs-node`). Throws a
 * message naming where it looked.
 */
export function resolveNative(name: string, env: NodeJS.ProcessEnv = process.env, from: string = __dirname): string {
  const dirs = nativeSearchDirs(env, from);
  for (const dir of dirs) {
    try {
      return createRequire(path.join(dir, 'package.json')).resolve(name);
    } catch {
      // not in this directory
    }
  }
  try {
    return createRequire(__filename).resolve(name);
  } catch {
    const where = [...dirs.map(dir => path.join(dir, 'node_modules')), "the sidecar's node_modules"];
    const hint = name === NATIVE_PACKAGES.tensorflow ? '; `make native` builds it' : '';
    throw new Error(`${name} is not installed (looked in ${where.join(', ')}${hint})`);
  }
}

/**
 * Loads a native binding found by `resolveNative`. The name is never a literal in a `require` call, so
 * esbuild leaves the binding out of the sidecar bundle.
 */
export function defaultRequireNative(name: string): unknown {
  const entry = resolveNative(name);
  return quietly(() => createRequire(entry)(entry));
}

/**
 * Runs `load` with console.warn silenced. A binding carries its own copy of @tensorflow/tfjs, whose kernels
 * re-register into the engine the sidecar already uses (TF.js keeps one engine per process) and warn once
 * per kernel: hundreds of harmless lines. TensorFlow's C++ info logs are also kept out of the sidecar log.
 */
export function quietly<T>(load: () => T): T {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return load();
  } finally {
    console.warn = warn;
  }
}

/** The compiled addon of a native package (`lib/napi-v<N>/tfjs_binding.node`, N chosen at build time). */
export function nativeAddonPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  let root: string;
  try {
    const entry = resolveNative(name, env);
    const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
    root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  } catch {
    return undefined;
  }
  const lib = path.join(root, 'lib');
  const napi = fs.existsSync(lib) ? fs.readdirSync(lib).filter(dir => /^napi-v\d+$/.test(dir)) : [];
  return napi.map(dir => path.join(lib, dir, 'tfjs_binding.node')).find(file => fs.existsSync(file));
}

const pinned = new Set<string>();

/**
 * Loads a native package's addon in this (main) thread too, once. With the addon loaded only in worker
 * threads, the process died with SIGSEGV when such a worker ended or the process exited (the teardown of a
 * worker-only addon; other N-API addons show the same and use the same cure). Measured: with the main thread
 * holding it, both exit cleanly.
 */
export function pinNativeAddon(name: string): void {
  if (pinned.has(name)) {
    return;
  }
  pinned.add(name);
  const addon = nativeAddonPath(name);
  if (addon !== undefined) {
    quietly(() => createRequire(addon)(addon));
  }
}
