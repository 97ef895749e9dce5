import { resolveNative } from '../engine/backend/nativeBinding';
import { BackendDefaults, envBackend } from './backendDefaults';
import { ModelWorker } from './modelWorker';

const MODEL = { kind: 'residual-mlp' as const, inputDim: 8, outputDim: 4, seed: 1 };

function nativeBuilt(): boolean {
  try {
    resolveNative('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('which backend a session asks for', () => {
  it('the session wins, then the JupyterLab setting, then TUNELAB_BACKEND, then auto', () => {
    const defaults = new BackendDefaults();
    expect(defaults.resolve(undefined, {})).toBe('auto');
    expect(defaults.resolve(undefined, { TUNELAB_BACKEND: 'cpu' })).toBe('cpu');
    defaults.settings = 'wasm';
    expect(defaults.resolve(undefined, { TUNELAB_BACKEND: 'cpu' })).toBe('wasm');
    expect(defaults.resolve('tensorflow', { TUNELAB_BACKEND: 'cpu' })).toBe('tensorflow');
    // A session asking for auto means auto, whatever the defaults say.
    expect(defaults.resolve('auto', { TUNELAB_BACKEND: 'cpu' })).toBe('auto');
    defaults.settings = 'auto';
    expect(defaults.resolve(undefined, { TUNELAB_BACKEND: 'tensorflow-gpu' })).toBe('tensorflow-gpu');
  });

  it('a TUNELAB_BACKEND naming no backend is an error naming the choices', () => {
    expect(envBackend({ TUNELAB_BACKEND: '' })).toBe('auto');
    expect(() => envBackend({ TUNELAB_BACKEND: 'gpu' })).toThrow(
      "TUNELAB_BACKEND='gpu' names no backend; use one of auto, tensorflow-gpu, tensorflow, wasm, cpu"
    );
  });
});

describe('the backend reaches the trainer worker', () => {
  const started: ModelWorker[] = [];
  afterAll(async () => {
    await Promise.all(started.map(w => w.close()));
  });

  async function start(backend: Parameters<typeof ModelWorker.start>[0]['backend'], defaults = new BackendDefaults()) {
    const worker = await ModelWorker.start({ model: MODEL, backend }, defaults);
    started.push(worker);
    return worker;
  }

  it("the session's backend", async () => {
    const worker = await start('cpu');
    expect(worker.backendProgress()).toEqual({ backend: 'cpu' });
  }, 120_000);

  it('the JupyterLab setting when the session names none', async () => {
    const defaults = new BackendDefaults();
    defaults.settings = 'cpu';
    const worker = await start(undefined, defaults);
    expect(worker.info.backend.name).toBe('cpu');
  }, 120_000);

  it('auto: the best backend this machine has, with the reason it is not a faster one', async () => {
    const worker = await start('auto');
    const progress = worker.backendProgress();
    // No machine running the tests has a GPU binding, so auto always says why not tensorflow-gpu.
    expect(progress.backend).toBe(nativeBuilt() ? 'tensorflow' : 'wasm');
    expect(progress.backendFallbackReason).toMatch(/^tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
  }, 120_000);

  it('a named backend that cannot load fails the start with the reason', async () => {
    await expect(start('tensorflow-gpu')).rejects.toThrow(
      "backend 'tensorflow-gpu' is unavailable: @tensorflow/tfjs-node-gpu is not installed"
    );
  }, 120_000);
});
