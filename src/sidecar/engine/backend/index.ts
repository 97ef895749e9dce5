import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from '../errors';
import { NATIVE_PACKAGES, NativeBackendName, NativeRequire, defaultRequireNative } from './nativeBinding';
import {
  CPU_BRIDGED_KERNELS,
  isWasmMatMulPatched,
  patchWasmMatMul,
  registerWasmCpuBridges,
  registerWasmUnsortedSegmentSum,
  unpatchWasmMatMul
} from './wasmKernels';

export { NATIVE_DIR_ENV, NATIVE_PACKAGES, nativeSearchDirs, resolveNative } from './nativeBinding';
export type { NativeBackendName, NativeRequire } from './nativeBinding';
export {
  CPU_BRIDGED_KERNELS,
  isWasmMatMulPatched,
  patchWasmMatMul,
  registerWasmCpuBridges,
  registerWasmUnsortedSegmentSum,
  unpatchWasmMatMul
};

/**
 * Backends in auto-selection order. `tensorflow-gpu` and `tensorflow` are the native bindings of
 * `@tensorflow/tfjs-node-gpu` and `@tensorflow/tfjs-node` (optional, never dependencies of the package: see
 * docs/dependencies.md); both run as the TF.js backend named `tensorflow`.
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** `auto` tries BACKEND_NAMES in order; a name means that backend or an error. */
export type BackendPreference = 'auto' | BackendName;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', ...BACKEND_NAMES];

export function isBackendPreference(value: unknown): value is BackendPreference {
  return BACKEND_PREFERENCES.some(name => name === value);
}

export interface BackendOptions {
  /** Default `auto`. */
  preferred?: BackendPreference;
  /**
   * Directory holding `tfjs-backend-wasm*.wasm`. The bundled sidecar passes the directory of sidecar.js
   * (the build copies the .wasm files there); default: the installed package's dist/ folder.
   */
  wasmDir?: string;
  /** Apply the transpose-first matmul patch on wasm (default true). */
  patchMatMul?: boolean;
  /** Loader of the optional native bindings (tests inject one). Default: `defaultRequireNative`. */
  requireNative?: NativeRequire;
}

export interface BackendInfo {
  name: BackendName;
  /** wasm only: SIMD available. */
  simd?: boolean;
  /** wasm only: matmul transpose patch active. */
  matMulPatched?: boolean;
  /** auto only: why the backends before this one in BACKEND_NAMES were not used. */
  fallbackReason?: string;
}

/** Which native package registered the `tensorflow` backend in this thread (forgotten if it is removed). */
let nativeOwner: NativeBackendName | undefined;

/** Default location of the wasm binaries: node_modules/@tensorflow/tfjs-backend-wasm/dist/. */
export function defaultWasmDir(): string {
  // Bundled sidecar: the build copies the .wasm files next to the bundle.
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) {
    return __dirname;
  }
  const req = createRequire(__filename);
  return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
}

/**
 * Loads one native binding; returns why it is unusable, or undefined once its `tensorflow` backend is
 * registered. Only one of the two can live in a thread: both register the same backend name.
 */
export function tryLoadNative(
  which: NativeBackendName,
  requireNative: NativeRequire = defaultRequireNative
): string | undefined {
  if (!tf.findBackend('tensorflow')) {
    nativeOwner = undefined;
  }
  const pkg = NATIVE_PACKAGES[which];
  if (nativeOwner !== undefined) {
    return nativeOwner === which ? undefined : `${NATIVE_PACKAGES[nativeOwner]} is already loaded in this thread`;
  }
  try {
    requireNative(pkg);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    return message.includes(pkg) ? message : `${pkg} cannot be loaded: ${message}`;
  }
  if (!tf.findBackend('tensorflow')) {
    return `${pkg} loaded but registered no 'tensorflow' backend`;
  }
  nativeOwner = which;
  return undefined;
}

async function initNative(which: NativeBackendName, opts: BackendOptions): Promise<BackendInfo> {
  const reason = tryLoadNative(which, opts.requireNative);
  if (reason !== undefined) {
    throw new EngineError('backend_unavailable', reason);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new EngineError('backend_unavailable', `${NATIVE_PACKAGES[which]} failed to initialise its backend`);
  }
  await tf.ready();
  return { name: which };
}

async function initWasm(opts: BackendOptions): Promise<BackendInfo> {
  let dir = opts.wasmDir ?? defaultWasmDir();
  if (!dir.endsWith('/') && !dir.endsWith(path.sep)) {
    dir += path.sep;
  }
  setWasmPaths(dir);
  registerWasmUnsortedSegmentSum();
  registerWasmCpuBridges();
  if (opts.patchMatMul ?? true) {
    patchWasmMatMul();
  } else {
    unpatchWasmMatMul();
  }
  const ok = await tf.setBackend('wasm');
  if (!ok) {
    throw new EngineError(
      'backend_unavailable',
      `the wasm backend failed to initialise (wasm files looked up in ${dir})`
    );
  }
  await tf.ready();
  return {
    name: 'wasm',
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    matMulPatched: isWasmMatMulPatched()
  };
}

async function initOne(name: BackendName, opts: BackendOptions): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return initNative(name, opts);
    case 'wasm':
      return initWasm(opts);
    case 'cpu':
      await tf.setBackend('cpu');
      await tf.ready();
      return { name: 'cpu' };
  }
}

/**
 * Selects and initialises the TF.js backend; returns what is active. `auto` takes the first of
 * BACKEND_NAMES that initialises and says in `fallbackReason` why the ones before it did not; a named
 * backend that cannot initialise throws `backend_unavailable` with the reason. Safe to call again.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const preferred = opts.preferred ?? 'auto';
  if (preferred !== 'auto') {
    if (!isBackendPreference(preferred)) {
      throw new EngineError(
        'bad_config',
        `unknown backend '${String(preferred)}'; use one of ${BACKEND_PREFERENCES.join(', ')}`
      );
    }
    try {
      return await initOne(preferred, opts);
    } catch (e) {
      throw new EngineError('backend_unavailable', `backend '${preferred}' is unavailable: ${(e as Error).message}`);
    }
  }
  const reasons: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const info = await initOne(name, opts);
      return reasons.length > 0 ? { ...info, fallbackReason: reasons.join('; ') } : info;
    } catch (e) {
      reasons.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new EngineError('backend_unavailable', `no TF.js backend could initialise (${reasons.join('; ')})`);
}

/** Name of the active backend (e.g. for status reports). */
export function activeBackend(): string {
  return tf.getBackend();
}
