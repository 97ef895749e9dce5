import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NamedTensor, readSafetensors, serializeSafetensors, writeSafetensors } from './index';

/**
 * The safetensors writer, checked against our reader and against the reference `safetensors` Python
 * package (a main dependency of tunelab, so always in the venv), which validates the header strictly.
 */

const ROOT = path.resolve(__dirname, '../../../../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = path.join(ROOT, 'tests', 'fixtures', 'st_export_reference.py');

interface PythonView {
  metadata: Record<string, string> | null;
  tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
}

function tensors(): Map<string, NamedTensor> {
  const ramp = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => (i - n / 2) * scale);
  return new Map<string, NamedTensor>([
    ['encoder.layer.0.attention.self.query.weight', { shape: [3, 5], values: ramp(15, 0.37) }],
    // Odd byte counts before later tensors: offsets must still be exact.
    ['odd', { shape: [3], values: Float32Array.of(1.5, -2.25, 3e-8) }],
    ['scalar', { shape: [], values: Float32Array.of(Math.PI) }],
    ['empty', { shape: [0, 4], values: new Float32Array(0) }],
    ['extremes', { shape: [4], values: Float32Array.of(3.4e38, -3.4e38, 1e-45, -0) }]
  ]);
}

describe('safetensors writer', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-st-writer-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes a header padded to 8 bytes with spaces, then the data', () => {
    const bytes = serializeSafetensors(tensors(), { session: 'abc' });
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const header = bytes.subarray(8, 8 + headerLength).toString('utf8');
    expect(header).toMatch(/^\{.*\} *$/);
    const parsed = JSON.parse(header) as Record<string, { data_offsets: number[] }>;
    expect(parsed.__metadata__).toEqual({ session: 'abc' });
    expect(parsed.odd).toEqual({ dtype: 'F32', shape: [3], data_offsets: [60, 72] });
    expect(bytes.length).toBe(8 + headerLength + (15 + 3 + 1 + 0 + 4) * 4);
  });

  it('round-trips through our reader', () => {
    const file = path.join(tmp, 'a.safetensors');
    writeSafetensors(file, tensors());
    const back = readSafetensors(file);
    expect([...back.keys()]).toEqual([...tensors().keys()]);
    for (const [name, t] of tensors()) {
      expect(back.get(name)?.shape).toEqual(t.shape);
      expect(Array.from(back.get(name)?.values ?? [])).toEqual(Array.from(t.values));
    }
  });

  it('is read by the Python safetensors package, values and metadata exact', () => {
    const file = path.join(tmp, 'b.safetensors');
    const out = path.join(tmp, 'b.json');
    writeSafetensors(file, tensors(), { session: 'sess-1', modelVersion: '7' });
    const r = spawnSync(PYTHON, [SCRIPT, 'safetensors', file, out], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(`st_export_reference.py safetensors failed (${r.status}):\n${r.stderr}`);
    }
    const view = JSON.parse(fs.readFileSync(out, 'utf8')) as PythonView;
    expect(view.metadata).toEqual({ session: 'sess-1', modelVersion: '7' });
    for (const [name, t] of tensors()) {
      const py = view.tensors[name];
      expect(py.dtype).toBe('float32');
      expect(py.shape).toEqual(t.shape);
      // float32 → float64 in Python is exact, so the values must match exactly (−0 included).
      expect(py.values).toEqual(Array.from(t.values));
    }
  });

  it('rejects tensors whose values do not fit their shape, and reserved names', () => {
    expect(() => serializeSafetensors(new Map([['w', { shape: [2, 3], values: new Float32Array(5) }]]))).toThrow(
      "tensor 'w' has 5 values, its shape [2, 3] needs 6"
    );
    expect(() =>
      serializeSafetensors(new Map([['__metadata__', { shape: [1], values: new Float32Array(1) }]]))
    ).toThrow('not a valid tensor name');
    expect(() => serializeSafetensors(new Map([['w', { shape: [-1], values: new Float32Array(1) }]]))).toThrow(
      'invalid shape'
    );
  });
});
