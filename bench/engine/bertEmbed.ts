/**
 * Pool-embedding throughput of all-MiniLM-L6-v2: the sidecar's TF.js encoder (batch 32) on every backend
 * available — wasm with Tunelab's patched matmul kernels and with the stock ones, native `tensorflow` when
 * `make native` has built it — against sentence-transformers (PyTorch CPU, batch 32, 1 thread and default
 * threads) on the same Banking77 texts, in one run. Usage: node bench/run.cjs bench/engine/bertEmbed.ts [--texts 320] [--smoke] [--out file]
 * Needs the venv of `make install` (for the model path and the PyTorch side).
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { initBackend, patchWasmMatMul, unpatchWasmMatMul } from '../../src/sidecar/engine/backend';
import { loadSentenceEncoder, SentenceEncoder } from '../../src/sidecar/engine/models/bert';
import { SMOKE, numberOption, writeResult } from '../common/benchRun';
import { tryNativeBackend } from '../common/nativeBackend';

const ROOT = path.resolve(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const N = numberOption('texts', SMOKE ? 32 : 320);

const PY_BENCH = `
import json, sys, time, torch
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'tests', 'fixtures'))})
from bert_reference import banking_texts, minilm_path
from sentence_transformers import SentenceTransformer
texts = banking_texts(${N})
out = {"model": str(minilm_path())}
model = SentenceTransformer(str(minilm_path()), device="cpu")
for threads in (1, torch.get_num_threads()):
    torch.set_num_threads(threads)
    model.encode(texts[:64], batch_size=32)
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32)
    out[f"torch_threads_{threads}"] = len(texts) / (time.perf_counter() - t0)
print(json.dumps(out))
`;

/** Texts per second of one pass over `texts` after a warm-up, on the active backend. */
async function textsPerSecond(encoder: SentenceEncoder, texts: string[], label: string): Promise<number> {
  await encoder.encode(texts.slice(0, 64), { batchSize: 32 }); // warm-up
  const t0 = performance.now();
  await encoder.encode(texts, { batchSize: 32 });
  const rate = texts.length / ((performance.now() - t0) / 1000);
  console.log(`${label}: ${rate.toFixed(1)} texts/s`);
  return rate;
}

async function main(): Promise<void> {
  const py = spawnSync(PYTHON, ['-c', PY_BENCH], { encoding: 'utf8', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
  if (py.status !== 0) {
    throw new Error(`PyTorch side failed:\n${py.stderr}`);
  }
  const torch = JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
  const texts = JSON.parse(
    spawnSync(
      PYTHON,
      [
        '-c',
        `import json,sys; sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'tests', 'fixtures'))}); from bert_reference import banking_texts; print(json.dumps(banking_texts(${N})))`
      ],
      { encoding: 'utf8' }
    ).stdout
  ) as string[];
  const backend = await initBackend({ preferred: 'wasm' });
  const encoder = loadSentenceEncoder(String(torch.model));
  const tfjs = await textsPerSecond(encoder, texts, 'wasm patched');
  unpatchWasmMatMul();
  const unpatched = await textsPerSecond(encoder, texts, 'wasm unpatched');
  patchWasmMatMul();
  const native = await tryNativeBackend();
  const tensorflow = native.available ? await textsPerSecond(encoder, texts, 'tensorflow') : undefined;
  if (!native.available) {
    console.log(`native tensorflow not measured: ${native.reason}`);
  }
  const result = {
    what: 'all-MiniLM-L6-v2 pool embedding, texts/s, batch 32, Banking77 texts',
    texts: texts.length,
    batchSize: 32,
    backend: backend.name,
    /** wasm with the patched kernels (the sidecar's default without native TensorFlow). */
    tfjsTextsPerSecond: tfjs,
    textsPerSecondByBackend: {
      'wasm (patched)': tfjs,
      'wasm (stock kernels)': unpatched,
      ...(tensorflow !== undefined ? { tensorflow } : {})
    },
    native,
    ...torch,
    ratioVsTorch1Thread: tfjs / Number(torch.torch_threads_1),
    // Other work on the machine skews both sides; record it with the numbers.
    loadAverage1m: os.loadavg()[0]
  };
  console.log(JSON.stringify(result, null, 2));
  writeResult('bert-embed', result);
}

main().catch(err => {
  console.error(err);
  process.exit(1);
});
