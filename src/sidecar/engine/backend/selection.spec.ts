import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors';
import { nativeAddonPath } from './nativeBinding';
import {
  NATIVE_PACKAGES,
  NativeRequire,
  initBackend,
  isWasmMatMulPatched,
  nativeSearchDirs,
  resolveNative
} from './index';

/**
 * A stand-in for the native packages this machine may lack: the named packages "load" and register a
 * `tensorflow` backend (a fresh cpu backend instance), the others fail as a missing module does.
 */
function nativeLoader(installed: string[]): { require: NativeRequire; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    require: name => {
      asked.push(name);
      if (!installed.includes(name)) {
        throw new Error(`${name} is not installed (looked in /nowhere/node_modules)`);
      }
      if (!tf.findBackend('tensorflow')) {
        const Cpu = tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend;
        tf.registerBackend('tensorflow', () => new Cpu());
      }
      return {};
    }
  };
}

describe('backend selection', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
    if (tf.findBackend('tensorflow')) {
      tf.removeBackend('tensorflow');
    }
  });

  it('auto prefers tensorflow-gpu when @tensorflow/tfjs-node-gpu loads', async () => {
    const loader = nativeLoader([NATIVE_PACKAGES['tensorflow-gpu'], NATIVE_PACKAGES.tensorflow]);
    const info = await initBackend({ requireNative: loader.require });
    expect(info).toEqual({ name: 'tensorflow-gpu' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(loader.asked).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('auto takes tensorflow next and says why not the GPU', async () => {
    const loader = nativeLoader([NATIVE_PACKAGES.tensorflow]);
    const info = await initBackend({ requireNative: loader.require });
    expect(info.name).toBe('tensorflow');
    expect(info.fallbackReason).toMatch(/^tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
    expect(loader.asked).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  });

  it('auto falls back to patched wasm when no native binding loads, naming both', async () => {
    const info = await initBackend({ requireNative: nativeLoader([]).require });
    expect(info.name).toBe('wasm');
    expect(info.matMulPatched).toBe(true);
    expect(isWasmMatMulPatched()).toBe(true);
    expect(info.fallbackReason).toContain('tensorflow-gpu: @tensorflow/tfjs-node-gpu is not installed');
    expect(info.fallbackReason).toContain('tensorflow: @tensorflow/tfjs-node is not installed');
  });

  it('a binding that loads but registers no backend is reported, not trusted', async () => {
    const info = await initBackend({ requireNative: () => ({}) });
    expect(info.name).toBe('wasm');
    expect(info.fallbackReason).toContain("@tensorflow/tfjs-node loaded but registered no 'tensorflow' backend");
  });

  it('a named backend that cannot load fails with the reason instead of falling back', async () => {
    const attempt = initBackend({ preferred: 'tensorflow', requireNative: nativeLoader([]).require });
    await expect(attempt).rejects.toThrow(EngineError);
    await expect(initBackend({ preferred: 'tensorflow', requireNative: nativeLoader([]).require })).rejects.toThrow(
      "backend 'tensorflow' is unavailable: @tensorflow/tfjs-node is not installed"
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a named backend is used even when a faster one is available', async () => {
    const loader = nativeLoader([NATIVE_PACKAGES['tensorflow-gpu'], NATIVE_PACKAGES.tensorflow]);
    expect(await initBackend({ preferred: 'wasm', requireNative: loader.require })).toMatchObject({ name: 'wasm' });
    expect(await initBackend({ preferred: 'cpu', requireNative: loader.require })).toEqual({ name: 'cpu' });
    expect(loader.asked).toEqual([]);
  });

  it('only one native binding can live in a thread', async () => {
    const loader = nativeLoader([NATIVE_PACKAGES['tensorflow-gpu'], NATIVE_PACKAGES.tensorflow]);
    expect(await initBackend({ preferred: 'tensorflow', requireNative: loader.require })).toEqual({
      name: 'tensorflow'
    });
    await expect(initBackend({ preferred: 'tensorflow-gpu', requireNative: loader.require })).rejects.toThrow(
      '@tensorflow/tfjs-node is already loaded in this thread'
    );
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend({ preferred: 'webgpu' as 'cpu' })).rejects.toThrow(/unknown backend 'webgpu'/);
  });
});

describe('native binding lookup', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-native-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakePackage(root: string, name: string): string {
    const pkg = path.join(root, 'node_modules', ...name.split('/'));
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name, main: 'index.js' }));
    fs.writeFileSync(path.join(pkg, 'index.js'), 'module.exports = {};');
    return path.join(pkg, 'index.js');
  }

  it('finds a binding in TUNELAB_NATIVE_DIR first', () => {
    const entry = fakePackage(dir, '@tensorflow/tfjs-node-gpu');
    expect(resolveNative('@tensorflow/tfjs-node-gpu', { TUNELAB_NATIVE_DIR: dir }, dir)).toBe(entry);
  });

  it('finds the native/ directory `make native` fills by walking up from the code', () => {
    const native = path.join(dir, 'native');
    fakePackage(native, '@tensorflow/tfjs-node');
    const deep = path.join(dir, 'tunelab', 'sidecar_dist');
    fs.mkdirSync(deep, { recursive: true });
    expect(nativeSearchDirs({}, deep)).toEqual([native]);
    expect(nativeSearchDirs({ TUNELAB_NATIVE_DIR: '/opt/tf' }, deep)).toEqual(['/opt/tf', native]);
  });

  it("finds a binding's compiled addon, whatever N-API version it was built for", () => {
    const entry = fakePackage(dir, '@tensorflow/tfjs-node');
    const addon = path.join(path.dirname(entry), 'lib', 'napi-v9', 'tfjs_binding.node');
    fs.mkdirSync(path.dirname(addon), { recursive: true });
    fs.writeFileSync(addon, '');
    expect(nativeAddonPath('@tensorflow/tfjs-node', { TUNELAB_NATIVE_DIR: dir })).toBe(addon);
    expect(nativeAddonPath('@tensorflow/tfjs-node-gpu', { TUNELAB_NATIVE_DIR: dir })).toBeUndefined();
  });

  it('says where it looked and how to build the binding when it is missing', () => {
    // Looked up from the temporary directory, so a `make native` build of this checkout is not found.
    expect(() => resolveNative('@tensorflow/tfjs-node-gpu', { TUNELAB_NATIVE_DIR: dir }, dir)).toThrow(
      `@tensorflow/tfjs-node-gpu is not installed (looked in ${path.join(dir, 'node_modules')}`
    );
    expect(() => resolveNative('@tensorflow/tfjs-node', {}, dir)).toThrow(/`make native` builds it/);
  });
});
