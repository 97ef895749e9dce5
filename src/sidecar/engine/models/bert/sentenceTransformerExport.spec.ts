import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../backend';
import { EngineError } from '../../errors';
import {
  BertModel,
  DenseLayerWeights,
  loadSentenceEncoder,
  NamedTensor,
  readBertConfig,
  SentenceEncoder,
  SentenceTransformerExport,
  writeSentenceTransformerDir
} from './index';

/**
 * The export is what a user takes away from Tunelab: the directory must load in stock
 * sentence-transformers (`SentenceTransformer(path)`, no trust_remote_code) and in tunelab's numpy
 * encoder, and both must embed like the sidecar did. The tiny random BERT comes from
 * tests/fixtures/bert_reference.py (as in bert.spec.ts); tests/fixtures/st_export_reference.py loads the
 * export in Python. A venv without sentence-transformers skips the Python checks with a message; a
 * missing venv is an error, as in bert.spec.ts.
 */

const ROOT = path.resolve(__dirname, '../../../../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const FIXTURES = path.join(ROOT, 'tests', 'fixtures');

function run(script: string, ...args: string[]): string {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run \`make install\` (the export tests need the project's venv)`);
  }
  const r = spawnSync(PYTHON, [path.join(FIXTURES, script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1' }
  });
  if (r.status !== 0) {
    throw new Error(`${script} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  }
  return r.stdout.trim();
}

const HAS_ST =
  fs.existsSync(PYTHON) && spawnSync(PYTHON, [path.join(FIXTURES, 'st_export_reference.py'), 'has-st']).status === 0;
if (!HAS_ST) {
  process.stderr.write(
    'sentenceTransformerExport.spec: SKIPPED — the venv has no sentence-transformers (install the test extra: make install)\n'
  );
}
const describeWithSt = HAS_ST ? describe : describe.skip;

const TEXTS = [
  'How can I close my account?',
  'my card payment was declined at the supermarket',
  'why is there a fee for the exchange rate',
  'top up',
  '',
  'Café naïve résumé',
  '我的卡 日本',
  'refund refund refund refund refund refund refund refund refund refund refund refund refund refund refund ' +
    'refund refund refund refund refund refund refund refund refund refund refund refund refund refund refund ' +
    'refund refund refund refund refund refund refund refund refund refund refund refund refund refund refund',
  'I need help with a transfer to my bank account, it was not there when I checked it today?!'
];

interface PythonEmbeddings {
  modules: string[];
  warnings: string[];
  sentence_transformers: number[][];
  numpy: number[][];
  numpy_dim: number;
}

/** A seeded PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function denseLayer(
  inFeatures: number,
  outFeatures: number,
  opts: { seed: number; bias: boolean; activation: DenseLayerWeights['activation']; identity?: boolean }
): DenseLayerWeights {
  const rnd = random(opts.seed);
  const weight = Float32Array.from({ length: inFeatures * outFeatures }, (_, k) => {
    const onDiagonal = opts.identity && Math.floor(k / inFeatures) === k % inFeatures;
    return (onDiagonal ? 1 : 0) + rnd() * (opts.identity ? 0.2 : 0.8);
  });
  const bias = opts.bias ? Float32Array.from({ length: outFeatures }, () => rnd() * 0.5) : null;
  return { inFeatures, outFeatures, weight, bias, activation: opts.activation };
}

/** What the sidecar computes: encoder output (pooled, normalised as its pipeline says), head, normalisation. */
async function embedInTs(
  encoder: SentenceEncoder,
  dense: DenseLayerWeights[],
  normalize: boolean
): Promise<number[][]> {
  const flat = await encoder.encode(TEXTS);
  const dim = encoder.dim;
  return TEXTS.map((_, i) => {
    let x = Array.from(flat.subarray(i * dim, (i + 1) * dim));
    const l2 = (v: number[]) => {
      const n = Math.max(Math.hypot(...v), 1e-12);
      return v.map(e => e / n);
    };
    for (const d of dense) {
      x = Array.from({ length: d.outFeatures }, (_, o) => {
        let s = d.bias ? d.bias[o] : 0;
        for (let k = 0; k < d.inFeatures; k++) {
          s += d.weight[o * d.inFeatures + k] * x[k];
        }
        return d.activation === 'tanh' ? Math.tanh(s) : s;
      });
    }
    return normalize ? l2(x) : x;
  });
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((v, i) => {
    dot += v * b[i];
    na += v * v;
    nb += b[i] * b[i];
  });
  return dot / Math.sqrt(na * nb);
}

/** Smallest per-text cosine, and largest relative difference of the norms (catches a missing/extra Normalize). */
function agreement(ours: number[][], theirs: number[][]): { minCos: number; maxNormError: number } {
  expect(theirs.length).toBe(ours.length);
  const cos = ours.map((o, i) => cosine(o, theirs[i]));
  const normError = ours.map((o, i) => Math.abs(Math.hypot(...o) - Math.hypot(...theirs[i])) / Math.hypot(...o));
  return { minCos: Math.min(...cos), maxNormError: Math.max(...normError) };
}

function listDir(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter(f => fs.statSync(path.join(dir, f)).isFile())
    .map(f => f.split(path.sep).join('/'))
    .sort();
}

describe('sentence-transformers export', () => {
  let tmp: string;
  let source: string;
  let encoder: SentenceEncoder;
  const texts = () => {
    const file = path.join(tmp, 'texts.json');
    fs.writeFileSync(file, JSON.stringify(TEXTS));
    return file;
  };
  const inPython = (dir: string): PythonEmbeddings => {
    const out = `${dir}.embeddings.json`;
    run('st_export_reference.py', 'encode', dir, texts(), out);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as PythonEmbeddings;
  };

  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-st-export-'));
    source = path.join(tmp, 'tiny');
    if (HAS_ST) {
      run('bert_reference.py', 'tiny', source);
      encoder = loadSentenceEncoder(source);
    }
  }, 240_000);
  afterAll(() => {
    encoder?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  describeWithSt('loads in sentence-transformers and in the numpy encoder, embedding as the sidecar did', () => {
    it('frozen encoder + identity-initialised adapter without bias', async () => {
      const out = path.join(tmp, 'adapter');
      const dense = [denseLayer(32, 32, { seed: 1, bias: false, activation: 'identity', identity: true })];
      const files = writeSentenceTransformerDir(out, { sourceDir: source, dense, normalize: true });
      expect(files).toEqual(listDir(out));
      expect(files).toEqual(
        expect.arrayContaining([
          'modules.json',
          'config.json',
          'model.safetensors',
          'tokenizer.json',
          'tokenizer_config.json',
          'sentence_bert_config.json',
          'config_sentence_transformers.json',
          '1_Pooling/config.json',
          '2_Normalize/config.json',
          '3_Dense/config.json',
          '3_Dense/model.safetensors',
          '4_Normalize/config.json',
          'tunelab.json'
        ])
      );
      // A frozen encoder is the source checkpoint, byte for byte.
      expect(fs.readFileSync(path.join(out, 'model.safetensors'))).toEqual(
        fs.readFileSync(path.join(source, 'model.safetensors'))
      );
      expect(JSON.parse(fs.readFileSync(path.join(out, '3_Dense', 'config.json'), 'utf8'))).toEqual({
        in_features: 32,
        out_features: 32,
        bias: false,
        activation_function: 'torch.nn.modules.linear.Identity'
      });

      const ours = await embedInTs(encoder, dense, true);
      const py = inPython(out);
      expect(py.modules).toEqual(['Transformer', 'Pooling', 'Normalize', 'Dense', 'Normalize']);
      expect(py.warnings).toEqual([]);
      for (const theirs of [py.sentence_transformers, py.numpy]) {
        const { minCos, maxNormError } = agreement(ours, theirs);
        expect(minCos).toBeGreaterThanOrEqual(0.9999);
        expect(maxNormError).toBeLessThan(1e-3);
      }
    }, 300_000);

    it('frozen encoder + tanh layer with bias + narrowing layer, unnormalised output', async () => {
      const out = path.join(tmp, 'two-layers');
      const dense = [
        denseLayer(32, 24, { seed: 2, bias: true, activation: 'tanh' }),
        denseLayer(24, 16, { seed: 3, bias: true, activation: 'identity' })
      ];
      writeSentenceTransformerDir(out, { sourceDir: source, dense, normalize: false });
      const ours = await embedInTs(encoder, dense, false);
      const py = inPython(out);
      expect(py.modules).toEqual(['Transformer', 'Pooling', 'Normalize', 'Dense', 'Dense']);
      expect(py.numpy_dim).toBe(16);
      expect(py.warnings).toEqual([]);
      for (const theirs of [py.sentence_transformers, py.numpy]) {
        const { minCos, maxNormError } = agreement(ours, theirs);
        expect(minCos).toBeGreaterThanOrEqual(0.9999);
        expect(maxNormError).toBeLessThan(1e-3);
      }
    }, 300_000);

    it('trained encoder weights: Python sees the changed encoder, metadata included', async () => {
      const out = path.join(tmp, 'trained');
      const tensors = encoder.bert.hfTensors();
      const rnd = random(4);
      const perturb = (name: string, scale: number) => {
        const t = tensors.get(name) as NamedTensor;
        tensors.set(name, { shape: t.shape, values: t.values.map(v => v + rnd() * scale) });
      };
      perturb('encoder.layer.1.output.dense.weight', 0.5);
      perturb('encoder.layer.0.attention.self.query.weight', 0.5);
      perturb('embeddings.word_embeddings.weight', 0.2);
      const tuned = new SentenceEncoder(
        encoder.tokenizer,
        BertModel.fromTensors(readBertConfig(source), tensors),
        encoder.pipeline
      );
      try {
        const dense = [denseLayer(32, 32, { seed: 5, bias: true, activation: 'identity', identity: true })];
        writeSentenceTransformerDir(out, {
          sourceDir: source,
          encoderTensors: tensors,
          dense,
          normalize: true,
          metadata: { session: 'test-session', modelVersion: '3' }
        });
        const ours = await embedInTs(tuned, dense, true);
        const before = await embedInTs(encoder, dense, true);
        const py = inPython(out);
        expect(py.warnings).toEqual([]);
        for (const theirs of [py.sentence_transformers, py.numpy]) {
          expect(agreement(ours, theirs).minCos).toBeGreaterThanOrEqual(0.9999);
          // The perturbation must matter, or this test would pass with the source weights.
          expect(agreement(before, theirs).minCos).toBeLessThan(0.99);
        }
        const stored = path.join(tmp, 'trained-tensors.json');
        run('st_export_reference.py', 'safetensors', path.join(out, 'model.safetensors'), stored);
        const view = JSON.parse(fs.readFileSync(stored, 'utf8')) as { metadata: Record<string, string> };
        expect(view.metadata).toEqual({ session: 'test-session', modelVersion: '3', format: 'pt' });
        const info = JSON.parse(fs.readFileSync(path.join(out, 'tunelab.json'), 'utf8')) as Record<string, unknown>;
        expect(info).toMatchObject({ encoder: 'trained', outputDim: 32, metadata: { modelVersion: '3' } });
      } finally {
        tuned.dispose();
      }
    }, 300_000);

    it('no head, no final normalisation: the pooled output as the source pipeline gives it', async () => {
      const out = path.join(tmp, 'plain');
      writeSentenceTransformerDir(out, { sourceDir: source, dense: [], normalize: false });
      const py = inPython(out);
      expect(py.modules).toEqual(['Transformer', 'Pooling', 'Normalize']);
      const ours = await embedInTs(encoder, [], false);
      expect(agreement(ours, py.sentence_transformers).minCos).toBeGreaterThanOrEqual(0.9999);
      expect(agreement(ours, py.numpy).minCos).toBeGreaterThanOrEqual(0.9999);
    }, 300_000);
  });

  describeWithSt('writes atomically and checks its input', () => {
    const head = () => [denseLayer(32, 32, { seed: 6, bias: true, activation: 'identity', identity: true })];

    it('replaces an earlier export completely (no files of the old one left)', () => {
      const out = path.join(tmp, 'replace');
      const twoLayers = [
        denseLayer(32, 24, { seed: 7, bias: true, activation: 'tanh' }),
        denseLayer(24, 16, { seed: 8, bias: false, activation: 'identity' })
      ];
      writeSentenceTransformerDir(out, { sourceDir: source, dense: twoLayers, normalize: true });
      expect(fs.existsSync(path.join(out, '4_Dense', 'model.safetensors'))).toBe(true);
      const files = writeSentenceTransformerDir(out, { sourceDir: source, dense: head(), normalize: true });
      expect(listDir(out)).toEqual(files);
      expect(fs.existsSync(path.join(out, '4_Dense'))).toBe(false);
      expect(fs.readdirSync(tmp).filter(f => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    });

    it('a failed export leaves the previous one intact and no temporary directory', () => {
      const out = path.join(tmp, 'keep');
      const files = writeSentenceTransformerDir(out, { sourceDir: source, dense: head(), normalize: true });
      const modules = fs.readFileSync(path.join(out, 'modules.json'));
      const wrongWidth = [denseLayer(31, 8, { seed: 9, bias: false, activation: 'identity' })];
      expect(() => writeSentenceTransformerDir(out, { sourceDir: source, dense: wrongWidth, normalize: true })).toThrow(
        'dense layer 0 takes 31 features but receives 32 (the pooled embedding)'
      );
      const badTensors = new Map([
        ['encoder.layer.0.output.dense.weight', { shape: [2, 2], values: new Float32Array(4) }]
      ]);
      expect(() =>
        writeSentenceTransformerDir(out, { sourceDir: source, encoderTensors: badTensors, dense: [], normalize: true })
      ).toThrow("encoder tensor 'encoder.layer.0.output.dense.weight' has shape [2, 2], the source's is [32, 64]");
      const unknown = new Map([['encoder.layer.9.output.dense.bias', { shape: [32], values: new Float32Array(32) }]]);
      expect(() =>
        writeSentenceTransformerDir(out, { sourceDir: source, encoderTensors: unknown, dense: [], normalize: true })
      ).toThrow("encoder tensor 'encoder.layer.9.output.dense.bias' is not in");
      expect(listDir(out)).toEqual(files);
      expect(fs.readFileSync(path.join(out, 'modules.json'))).toEqual(modules);
      expect(fs.readdirSync(tmp).filter(f => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    });

    it('refuses to replace a directory that is not a model, leaving it untouched', () => {
      const notes = path.join(tmp, 'notes');
      fs.mkdirSync(notes);
      fs.writeFileSync(path.join(notes, 'todo.txt'), 'keep me');
      const model: SentenceTransformerExport = { sourceDir: source, dense: [], normalize: true };
      expect(() => writeSentenceTransformerDir(notes, model)).toThrow(EngineError);
      expect(() => writeSentenceTransformerDir(notes, model)).toThrow('not a model directory');
      expect(fs.readdirSync(notes)).toEqual(['todo.txt']);
      expect(() => writeSentenceTransformerDir(source, model)).toThrow('cannot export over the source model directory');
    });

    it('rejects non-finite head weights', () => {
      const bad = head();
      bad[0].weight[5] = NaN;
      expect(() =>
        writeSentenceTransformerDir(path.join(tmp, 'nan'), { sourceDir: source, dense: bad, normalize: true })
      ).toThrow('dense layer 0: weight[5] is NaN');
      expect(fs.existsSync(path.join(tmp, 'nan'))).toBe(false);
    });
  });
});
