import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WeightsResult } from '../engine/training';
import { LINEAR_ADAPTER_LAYER } from '../engine/models/adapters';
import { makeTinyBert } from '../testing/tinyBert';
import { exportSentenceEncoderVersion, KEPT_EXPORTS } from './sentenceEncoderExport';

jest.setTimeout(120_000);

/** A linear adapter's weights as the trainer worker returns them: kernel [in, out] = scale · I, zero bias. */
function adapterWeights(dim: number, scale: number): WeightsResult {
  const kernel = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    kernel[i * dim + i] = scale;
  }
  const data = new Float32Array(dim * dim + dim);
  data.set(kernel);
  return {
    modelTopology: {},
    weightSpecs: [
      { name: `${LINEAR_ADAPTER_LAYER}/kernel`, shape: [dim, dim], dtype: 'float32' },
      { name: `${LINEAR_ADAPTER_LAYER}/bias`, shape: [dim], dtype: 'float32' }
    ],
    weightData: data.buffer
  };
}

describe("a sentence encoder's model versions in the sidecar's export directory", () => {
  let tmp: string;
  let modelDir: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tunelab-exports-'));
    modelDir = makeTinyBert(join(tmp, 'tiny'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const exportVersion = (version: number, scale = 1) =>
    exportSentenceEncoderVersion(join(tmp, 'exports'), 'dataset-1', {
      modelDir,
      weights: adapterWeights(32, scale),
      modelVersion: version,
      dataset: 'banking'
    });

  it('writes a version once as a sentence-transformers directory and reuses it after', () => {
    const first = exportVersion(1, 0.5);
    expect(first.directory).toBe(join(tmp, 'exports', 'dataset-1', 'v1'));
    expect(first.files).toEqual(expect.arrayContaining(['modules.json', 'model.safetensors']));
    const modules = JSON.parse(readFileSync(join(first.directory, 'modules.json'), 'utf8')) as { type: string }[];
    expect(modules.map(m => m.type.split('.').pop())).toEqual([
      'Transformer',
      'Pooling',
      'Normalize',
      'Dense',
      'Normalize'
    ]);
    const info = JSON.parse(readFileSync(join(first.directory, 'tunelab.json'), 'utf8')) as {
      metadata: Record<string, string>;
    };
    expect(info.metadata).toMatchObject({ modelVersion: '1', tunelabDataset: 'banking' });
    // Asked again for the same version (a notebook reading session.model twice): nothing is written.
    expect(exportVersion(1, 0.5).files).toEqual([]);
  });

  it(`keeps the newest ${KEPT_EXPORTS} versions of a dataset`, () => {
    for (let version = 2; version <= 5; version++) {
      exportVersion(version);
    }
    const kept = readdirSync(join(tmp, 'exports', 'dataset-1')).filter(name => !name.startsWith('.'));
    expect(kept.sort()).toEqual(['v3', 'v4', 'v5']);
    expect(existsSync(join(tmp, 'exports', 'dataset-1', 'v1'))).toBe(false);
  });
});
