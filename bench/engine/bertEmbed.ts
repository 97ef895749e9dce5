/**
 * Pool-embedding throughput of all-MiniLM-L6-v2 against sentence-transformers (PyTorch CPU, batch 32, 1 thread
 * and default threads) on the same Banking77 texts and machine, in one run:
 *  - the engine alone, in this process (batch 32, 320 texts): wasm with Tunelab's patched matmul kernels and
 *    with the stock ones, native `tensorflow` when `make native` has built it;
 *  - the sidecar's pool path (PoolEncoder: encoder processes per streamPlan, slices, the embedding cache) on a
 *    2,560-text pool, on native `tensorflow` and on wasm: what a session's pool actually gets, and the figure
 *    the "native ≥ 1.0× PyTorch" target is about.
 * Usage: node bench/run.cjs bench/engine/bertEmbed.ts [--texts 320] [--pool-texts 2560] [--smoke] [--out file]
 * Needs the venv of `make install` (for the model path and the PyTorch side).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { streamPlan } from '../../src/sidecar/encoder/encoderStreams';
import { PoolEncoder } from '../../src/sidecar/encoder/poolEncoder';
import { initBackend, patchWasmMatMul, unpatchWasmMatMul } from '../../src/sidecar/engine/backend';
import { loadSentenceEncoder, SentenceEncoder } from '../../src/sidecar/engine/models/bert';
import { openEmbeddingCache } from '../../src/sidecar/store/embeddingCache';
import { waitFor } from '../../src/sidecar/testing/waitFor';
import { SMOKE, numberOption, writeResult } from '../common/benchRun';
import { tryNativeBackend } from '../common/nativeBackend';
import { loadBanking77 } from '../common/textDatasets';

const ROOT = path.resolve(__dirname, '../..');
const PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const N = numberOption('texts', SMOKE ? 32 : 320);
const POOL_N = numberOption('pool-texts', SMOKE ? 200 : 2560);

/** sentence-transformers' texts/s on the texts in the JSON file argv[1], 1 thread and default threads. */
const PY_BENCH = `
import json, sys, time, torch
sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'tests', 'fixtures'))})
from bert_reference import minilm_path
from sentence_transformers import SentenceTransformer
texts = json.load(open(sys.argv[1], encoding="utf-8"))
out = {"model": str(minilm_path())}
model = SentenceTransformer(str(minilm_path()), device="cpu")
for threads in (1, torch.get_num_threads()):
    torch.set_num_threads(threads)
    model.encode(texts[:64], batch_size=32)
    best = 0.0
    for _ in range(${SMOKE ? 1 : 2}):
        t0 = time.perf_counter()
        model.encode(texts, batch_size=32)
        best = max(best, len(texts) / (time.perf_counter() - t0))
    out[f"torch_threads_{threads}"] = best
print(json.dumps(out))
`;

/** Banking77 train texts spread over the file (every k-th), the same for both sides. */
function bankingTexts(n: number): string[] {
  const all = loadBanking77().train.texts;
  const step = Math.max(1, Math.floor(all.length / n));
  return Array.from({ length: Math.min(n, all.length) }, (_, i) => all[i * step]);
}

function torchRates(texts: string[]): Record<string, number | string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-bert-embed-'));
  try {
    const file = path.join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(texts));
    const py = spawnSync(PYTHON, ['-c', PY_BENCH, file], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1' }
    });
    if (py.status !== 0) {
      throw new Error(`PyTorch side failed:\n${py.stderr}`);
    }
    return JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number | string>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Memory of a process, from /proc (Linux; undefined elsewhere): its proportional set size, so the TensorFlow
 * library pages the encoder processes share are split between them rather than counted in each.
 */
function proportionalMiB(pid: number): number | undefined {
  try {
    const kb = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Texts/s of the sidecar's pool path on `backend`: a fresh PoolEncoder and embedding cache, warmed up on other
 * texts until every stream has run, then timed over `texts` (all cache misses), best of `rounds`.
 */
async function poolTextsPerSecond(
  model: string,
  texts: string[],
  backend: 'tensorflow' | 'wasm',
  rounds: number
): Promise<{ rate: number; memoryMiB: number[] }> {
  let best = 0;
  let memory: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-bert-embed-cache-'));
    const cache = openEmbeddingCache(dir);
    const pool = new PoolEncoder(model, 384, cache, backend);
    try {
      const warm = texts.slice(0, 300).map(t => `${t} (warm-up ${round})`);
      await pool.embed(warm.slice(0, 8), async () => undefined);
      await waitFor(() => pool.encoderProcessIds().length === streamPlan().streams, 120_000, 'the encoder streams');
      await pool.embed(warm.slice(8), async () => undefined);
      const t0 = performance.now();
      let rows = 0;
      await pool.embed(texts, async vectors => void (rows += vectors.length / 384));
      best = Math.max(best, rows / ((performance.now() - t0) / 1000));
      memory = pool.encoderProcessIds().flatMap(pid => proportionalMiB(pid) ?? []);
    } finally {
      pool.close();
      cache.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`sidecar pool on ${backend}: ${best.toFixed(1)} texts/s (${JSON.stringify(streamPlan())})`);
  return { rate: best, memoryMiB: memory };
}

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
  const texts = bankingTexts(N);
  const torch = torchRates(texts);
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
  encoder.dispose();

  const poolTexts = bankingTexts(POOL_N);
  const poolTorch = torchRates(poolTexts);
  const rounds = SMOKE ? 1 : 2;
  const poolNative = native.available
    ? await poolTextsPerSecond(String(torch.model), poolTexts, 'tensorflow', rounds)
    : undefined;
  const poolWasm = await poolTextsPerSecond(String(torch.model), poolTexts, 'wasm', 1);
  const { model: _model, ...poolTorchRates } = poolTorch;
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
    sidecarPool: {
      what: "the sidecar's pool path: PoolEncoder over encoder processes, slices delivered in order, embedding cache",
      texts: poolTexts.length,
      plan: streamPlan(),
      textsPerSecondByBackend: {
        ...(poolNative !== undefined ? { tensorflow: poolNative.rate } : {}),
        wasm: poolWasm.rate
      },
      encoderMemoryMiB: {
        ...(poolNative !== undefined ? { tensorflow: poolNative.memoryMiB } : {}),
        wasm: poolWasm.memoryMiB
      },
      ...poolTorchRates
    },
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
