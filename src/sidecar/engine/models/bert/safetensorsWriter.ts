import { EngineError } from '../../errors';
import { writeFileSynced } from './durableFiles';
import { NamedTensor } from './safetensors';

/**
 * Writer for the safetensors format, float32 only (what training produces): an 8-byte little-endian
 * header length, the JSON header `{name: {dtype: "F32", shape, data_offsets: [begin, end]}, __metadata__?}`
 * padded with spaces so the data starts 8-byte aligned (the reference implementation requires the
 * padding to be spaces and checks that the tensors tile the data with no gap), then the tensors' bytes.
 */

function checkTensor(name: string, t: NamedTensor): void {
  if (name.length === 0 || name === '__metadata__') {
    throw new EngineError('bad_input', `'${name}' is not a valid tensor name`);
  }
  if (!t.shape.every(d => Number.isInteger(d) && d >= 0)) {
    throw new EngineError('bad_input', `tensor '${name}' has an invalid shape [${t.shape.join(', ')}]`);
  }
  const count = t.shape.reduce((p, d) => p * d, 1);
  if (count !== t.values.length) {
    throw new EngineError(
      'shape_mismatch',
      `tensor '${name}' has ${t.values.length} values, its shape [${t.shape.join(', ')}] needs ${count}`,
      { expected: count, actual: t.values.length }
    );
  }
}

/** The bytes of a `.safetensors` file holding `tensors` (in map order) and optional string metadata. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata?: Readonly<Record<string, string>>
): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new EngineError('bad_input', `safetensors metadata '${k}' must be a string, got ${typeof v}`);
      }
    }
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const [name, t] of tensors) {
    checkTensor(name, t);
    const end = offset + t.values.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + headerLength + offset, 0x20);
  out.writeBigUInt64LE(BigInt(headerLength), 0);
  json.copy(out, 8);
  let at = 8 + headerLength;
  for (const t of tensors.values()) {
    // Float32Array bytes are little-endian on every platform Node runs on, as the format requires.
    const bytes = Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength);
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

/** Writes `tensors` as a safetensors file (fsynced: callers rename its directory into place afterwards). */
export function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, NamedTensor>,
  metadata?: Readonly<Record<string, string>>
): void {
  writeFileSynced(file, serializeSafetensors(tensors, metadata));
}
