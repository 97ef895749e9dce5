import * as fs from 'fs';
import { EngineError } from '../../errors';

/**
 * Reader for the safetensors format: an 8-byte little-endian header length, a JSON header mapping tensor
 * names to {dtype, shape, data_offsets}, then raw little-endian data. Small enough to own (no npm package
 * for it is maintained and dependency-free), and we need only float tensors as Float32Array.
 */

export interface NamedTensor {
  shape: number[];
  values: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) {
    return sign * 2 ** -14 * (frac / 1024);
  }
  if (exp === 0x1f) {
    return frac ? NaN : sign * Infinity;
  }
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decode(entry: HeaderEntry, bytes: Buffer, name: string): Float32Array {
  const count = entry.shape.reduce((p, d) => p * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(entry.dtype === 'F32' ? 0 : count);
  switch (entry.dtype) {
    case 'F32':
      // Copy into a fresh (aligned) buffer; every platform Node runs on is little-endian.
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    case 'F64':
      for (let i = 0; i < count; i++) {
        out[i] = view.getFloat64(i * 8, true);
      }
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) {
        out[i] = halfToFloat(view.getUint16(i * 2, true));
      }
      return out;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) {
        u32[i] = view.getUint16(i * 2, true) << 16;
      }
      return out;
    }
    default:
      throw new EngineError('bad_config', `tensor ${name} has unsupported dtype ${entry.dtype}`);
  }
}

/** Reads every float tensor of a `.safetensors` file (integer tensors such as `position_ids` are skipped). */
export function readSafetensors(file: string): Map<string, NamedTensor> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new EngineError('io', `cannot read ${file}: ${(e as Error).message}`);
  }
  if (buf.length < 8) {
    throw new EngineError('io', `${file} is too short to be a safetensors file`);
  }
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > buf.length - 8) {
    throw new EngineError('io', `${file}: header length ${headerLength} exceeds the file`);
  }
  let header: Record<string, HeaderEntry | Record<string, string>>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as typeof header;
  } catch (e) {
    throw new EngineError('io', `${file}: bad safetensors header: ${(e as Error).message}`);
  }
  const data = buf.subarray(8 + headerLength);
  const out = new Map<string, NamedTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      continue;
    }
    const entry = raw as HeaderEntry;
    if (!(entry.dtype in BYTES)) {
      continue;
    }
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((p, d) => p * d, 1);
    if (end - begin !== count * BYTES[entry.dtype] || end > data.length) {
      throw new EngineError('io', `${file}: tensor ${name} has inconsistent offsets`);
    }
    out.set(name, { shape: entry.shape, values: decode(entry, data.subarray(begin, end), name) });
  }
  return out;
}
