import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from '../errors';
import {
  CPU_BRIDGED_KERNELS,
  isWasmMatMulPatched,
  patchWasmMatMul,
  registerWasmCpuBridges,
  registerWasmUnsortedSegmentSum,
  unpatchWasmMatMul
} from './wasmKernels';

export {
  CPU_BRIDGED_KERNELS,
  isWasmMatMulPatched,
  patchWasmMatMul,
  registerWasmCpuBridges,
  registerWasmUnsortedSegmentSum,
  unpatchWasmMatMul
};

/** `tensorflow` is the native binding of `@tensorflow/tfjs-node` (optional, never a hard dependency). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendOptions {
  /**
   * `auto` (default): native `tensorflow` if `@tensorflow/tfjs-node` resolves at run time, else `wasm`,
   * else `cpu` (with `fallbackReason` set). A named backend is used as is or fails with an error.
   */
  preferred?: 'auto' | BackendName;
  /**
   * Directory holding `tfjs-backend-wasm*.wasm`. The bundled sidecar passes the directory of sidecar.js
   * (the build copies the .wasm files there); default: the installed package's dist/ folder.
   */
  wasmDir?: string;
  /** Apply the transpose-first matmul patch on wasm (default true). */
  patchMatMul?: boolean;
  /** Module loader for the optional native binding (tests inject one). Default: a guarded `require`. */
  requireNative?: (name: string) => unknown;
}

export interface BackendInfo {
  name: string;
  /** wasm only: SIMD available. */
  simd?: boolean;
  /** wasm only: matmul transpose patch active. */
  matMulPatched?: boolean;
  /** Why the preferred backend was not used (auto mode). */
  fallbackReason?: string;
}

const NATIVE_MODULE = '@tensorflow/tfjs-node';

/** Default location of the wasm binaries: node_modules/@tensorflow/tfjs-backend-wasm/dist/. */
export function defaultWasmDir(): string {
  // Bundled sidecar: the build copies the .wasm files next to the bundle.
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) {
    return __dirname;
  }
  const req = createRequire(__filename);
  return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
}

function defaultRequireNative(name: string): unknown {
  // Guarded dynamic require: the name is not a literal so bundlers leave it alone.
  const req = createRequire(path.join(process.cwd(), 'noop.js'));
  try {
    return createRequire(__filename)(name);
  } catch {
    return req(name);
  }
}

/** True if the optional native binding can be loaded (loading it registers the `tensorflow` backend). */
export function tryLoadNative(requireNative: (name: string) => unknown = defaultRequireNative): string | undefined {
  try {
    requireNative(NATIVE_MODULE);
    return tf.findBackend('tensorflow') ? undefined : `${NATIVE_MODULE} loaded but registered no 'tensorflow' backend`;
  } catch (e) {
    return `${NATIVE_MODULE} is not available (${(e as Error).message.split('\n')[0]})`;
  }
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
    name: tf.getBackend(),
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    matMulPatched: isWasmMatMulPatched()
  };
}

/** Selects and initialises the TF.js backend; returns what is active. Safe to call again. */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const preferred = opts.preferred ?? 'auto';
  if (preferred === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    return { name: tf.getBackend() };
  }
  if (preferred === 'tensorflow') {
    const reason = tryLoadNative(opts.requireNative);
    if (reason || !(await tf.setBackend('tensorflow'))) {
      throw new EngineError('backend_unavailable', reason ?? `the native 'tensorflow' backend failed to initialise`);
    }
    await tf.ready();
    return { name: tf.getBackend() };
  }
  if (preferred === 'wasm') {
    return initWasm(opts);
  }
  // auto
  const reasons: string[] = [];
  const nativeReason = tryLoadNative(opts.requireNative);
  if (!nativeReason && (await tf.setBackend('tensorflow'))) {
    await tf.ready();
    return { name: tf.getBackend() };
  }
  reasons.push(nativeReason ?? 'native tensorflow backend failed to initialise');
  try {
    const info = await initWasm(opts);
    return { ...info, fallbackReason: reasons.join('; ') };
  } catch (e) {
    reasons.push(`wasm: ${(e as Error).message}`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: tf.getBackend(), fallbackReason: reasons.join('; ') };
}

/** Name of the active backend (e.g. for status reports). */
export function activeBackend(): string {
  return tf.getBackend();
}
