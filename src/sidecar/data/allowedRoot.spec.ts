import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SidecarError } from '../errors';
import { AllowedRoot } from './allowedRoot';

describe('AllowedRoot', () => {
  let base: string;
  let root: AllowedRoot;
  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'tunelab-root-')));
    mkdirSync(join(base, 'root', 'models'), { recursive: true });
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'model.json'), '{}');
    symlinkSync(join(base, 'outside'), join(base, 'root', 'escape'));
    symlinkSync(join(base, 'root', 'models'), join(base, 'root', 'inner-link'));
    root = new AllowedRoot(join(base, 'root'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  function refusal(path: string): SidecarError {
    try {
      root.resolve(path, '/modelPath');
    } catch (err) {
      return err as SidecarError;
    }
    throw new Error(`${path} was accepted`);
  }

  it('accepts paths inside the root, relative ones, links staying inside and files not yet written', () => {
    expect(root.resolve(join(base, 'root', 'models', 'model.json'), '/modelPath')).toBe(
      join(base, 'root', 'models', 'model.json')
    );
    expect(root.resolve('models/new/dir', '/path')).toBe(join(base, 'root', 'models', 'new', 'dir'));
    expect(root.resolve('inner-link/model.json', '/path')).toBe(join(base, 'root', 'models', 'model.json'));
  });

  it('refuses paths outside the root, via .. or through a symlink, naming the root', () => {
    for (const path of [
      join(base, 'outside', 'model.json'),
      '../outside/model.json',
      'escape/model.json',
      'escape/new'
    ]) {
      const error = refusal(path);
      expect(error.data).toEqual({ kind: 'invalid_params', path: '/modelPath' });
      expect(error.message).toBe(`/modelPath: path outside the allowed root ${join(base, 'root')}`);
    }
  });
});
