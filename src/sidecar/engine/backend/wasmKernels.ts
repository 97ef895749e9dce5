import * as tf from '@tensorflow/tfjs';

/**
 * Kernel patches for the wasm backend (see docs: engine notes).
 *
 * 1. `BatchMatMul` / `_FusedMatMul` with `transposeA`/`transposeB` run an order of magnitude slower in
 *    XNNPACK-less wasm than with pre-transposed operands, and backpropagation through a dense layer uses
 *    exactly those calls. The patched kernels transpose the flagged operand explicitly (wasm `Transpose`)
 *    and call the original kernel without transpose flags: same numbers, ~8x faster training.
 * 2. wasm has no `UnsortedSegmentSum`, which the gradient of `tf.gather` (and embedding layers) needs.
 *    We register a small JS kernel that reads the inputs, sums on the JS side and writes the result back.
 */

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}
type TypedKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];
const asKernelFunc = (f: TypedKernelFunc): tf.KernelFunc => f as unknown as tf.KernelFunc;
const callKernel = (k: tf.KernelConfig, args: KernelArgs) => (k.kernelFunc as unknown as TypedKernelFunc)(args);

const originals = new Map<string, tf.KernelConfig>();

function transposeLastTwo(info: tf.TensorInfo, backend: tf.KernelBackend): tf.TensorInfo {
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!transposeKernel) {
    throw new Error('wasm Transpose kernel is not registered');
  }
  const rank = info.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return callKernel(transposeKernel, { inputs: { x: info }, backend, attrs: { perm } }) as tf.TensorInfo;
}

function wrapTransposeFirst(original: tf.KernelConfig): tf.KernelFunc {
  return asKernelFunc((args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const transposeA = Boolean(attrs?.transposeA);
    const transposeB = Boolean(attrs?.transposeB);
    if (!transposeA && !transposeB) {
      return callKernel(original, args);
    }
    const temps: tf.TensorInfo[] = [];
    const a2 = transposeA ? transposeLastTwo(a, backend) : a;
    const b2 = transposeB ? transposeLastTwo(b, backend) : b;
    if (transposeA) {
      temps.push(a2);
    }
    if (transposeB) {
      temps.push(b2);
    }
    try {
      return callKernel(original, {
        inputs: { ...inputs, a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false }
      });
    } finally {
      for (const t of temps) {
        backend.disposeData(t.dataId);
      }
    }
  });
}

const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'];

/** Re-registers wasm `BatchMatMul` and `_FusedMatMul` so transposed operands are transposed first. Idempotent. */
export function patchWasmMatMul(): void {
  for (const name of MATMUL_KERNELS) {
    if (originals.has(name)) {
      continue;
    }
    const original = tf.getKernel(name, 'wasm');
    if (!original) {
      throw new Error(`wasm kernel ${name} is not registered (is @tensorflow/tfjs-backend-wasm loaded?)`);
    }
    originals.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: wrapTransposeFirst(original) });
  }
}

/** Restores the original wasm matmul kernels (for benchmarks comparing both). */
export function unpatchWasmMatMul(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  originals.clear();
}

export function isWasmMatMulPatched(): boolean {
  return originals.size > 0;
}

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = Number(attrs?.numSegments);
  const xValues = backend.readSync(x.dataId) as tf.TypedArray;
  const ids = backend.readSync(segmentIds.dataId) as tf.TypedArray;
  const idCount = ids.length;
  const inner = idCount === 0 ? 0 : xValues.length / idCount;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const size = outShape.reduce((p, d) => p * d, 1);
  const out = x.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  for (let i = 0; i < idCount; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) {
      continue; // TensorFlow drops out-of-range segment ids
    }
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) {
      out[dst + j] += xValues[src + j];
    }
  }
  const dataId = backend.write(out, outShape, x.dtype);
  return { dataId, shape: outShape, dtype: x.dtype };
}

/** Registers a JS `UnsortedSegmentSum` for wasm if the backend has none. Idempotent. */
export function registerWasmUnsortedSegmentSum(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    return;
  }
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: asKernelFunc(unsortedSegmentSum)
  });
}

/** Kernels wasm lacks that training needs (CNN and depthwise-conv gradients, einsum). */
export const CPU_BRIDGED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Einsum'
];

/**
 * Runs a cpu-backend kernel on behalf of wasm: copies the inputs into the cpu backend, runs its kernel,
 * copies the outputs back. As fast as the cpu backend (slow but correct), and only used for kernels that
 * wasm does not have.
 */
function bridgeToCpu(name: string, cpuKernel: tf.KernelConfig): tf.KernelFunc {
  return asKernelFunc((args: KernelArgs) => {
    const cpu = tf.findBackend('cpu');
    if (!cpu) {
      throw new Error(`kernel ${name} needs the cpu backend, which is not registered`);
    }
    const { inputs, backend, attrs } = args;
    const cpuInputs: tf.NamedTensorInfoMap = {};
    const temps: tf.TensorInfo[] = [];
    for (const [key, info] of Object.entries(inputs)) {
      if (!info) {
        continue;
      }
      const values = backend.readSync(info.dataId) as tf.TypedArray;
      const copy: tf.TensorInfo = {
        dataId: cpu.write(values.slice(), info.shape, info.dtype),
        shape: info.shape,
        dtype: info.dtype
      };
      cpuInputs[key] = copy;
      temps.push(copy);
    }
    try {
      const out = callKernel(cpuKernel, { inputs: cpuInputs, backend: cpu, attrs });
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map(o => {
        const values = cpu.readSync(o.dataId) as tf.TypedArray;
        cpu.disposeData(o.dataId);
        return { dataId: backend.write(values.slice(), o.shape, o.dtype), shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(out) ? results : results[0];
    } finally {
      for (const t of temps) {
        cpu.disposeData(t.dataId);
      }
    }
  });
}

/** Registers cpu-bridged versions of CPU_BRIDGED_KERNELS that wasm lacks. Idempotent. */
export function registerWasmCpuBridges(): string[] {
  const added: string[] = [];
  for (const name of CPU_BRIDGED_KERNELS) {
    const cpuKernel = tf.getKernel(name, 'cpu');
    if (tf.getKernel(name, 'wasm') || !cpuKernel) {
      continue;
    }
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: bridgeToCpu(name, cpuKernel) });
    added.push(name);
  }
  return added;
}
