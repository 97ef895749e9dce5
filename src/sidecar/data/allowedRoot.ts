import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { invalidParams } from '../errors';

/**
 * The directory user-given paths (modelPath, model/save) must stay inside: the sidecar config's `rootDir`,
 * else the process cwd. Paths are resolved through symlinks (of the path itself and of its existing
 * ancestors), so a link inside the root pointing outside is refused too.
 */
export class AllowedRoot {
  readonly root: string;
  /** Directories pretrained models may also be read from (never written): the supervisor's `modelRoots`. */
  readonly modelRoots: string[];

  constructor(rootDir: string = process.cwd(), modelRoots: readonly string[] = []) {
    this.root = realpathSync(rootDir);
    this.modelRoots = modelRoots.flatMap(dir => {
      try {
        return [realpathSync(dir)];
      } catch {
        return []; // A model root that does not exist (no Hugging Face cache yet) allows nothing.
      }
    });
  }

  /**
   * A pretrained model directory to read: inside the root or one of the model roots. `anywhere` (a kernel
   * client: it holds the sidecar secret from a 0600 file, so it already reads the user's files) skips the
   * check; browser clients never do. InvalidParams at `field` otherwise.
   */
  resolveModelDir(path: string, field: string, anywhere = false): string {
    const absolute = isAbsolute(path) ? path : resolve(this.root, path);
    const real = realExisting(absolute);
    if (anywhere || [this.root, ...this.modelRoots].some(dir => inside(dir, real))) {
      return real;
    }
    throw invalidParams(
      field,
      `path outside the allowed root ${this.root}` +
        (this.modelRoots.length > 0 ? ` and the model roots ${this.modelRoots.join(', ')}` : '')
    );
  }

  /** The real absolute path of `path` (relative paths resolve against the root); InvalidParams at `field` if outside. */
  resolve(path: string, field: string): string {
    const absolute = isAbsolute(path) ? path : resolve(this.root, path);
    const real = realExisting(absolute);
    if (!inside(this.root, real)) {
      throw invalidParams(field, `path outside the allowed root ${this.root}`);
    }
    return real;
  }
}

function inside(dir: string, real: string): boolean {
  const rel = relative(dir, real);
  return !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/** realpath of the longest existing prefix, with the missing tail appended (for files about to be written). */
function realExisting(path: string): string {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    try {
      return resolve(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) {
        return resolve(path);
      }
      missing.push(basename(current));
      current = parent;
    }
  }
}
