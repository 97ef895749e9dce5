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

  constructor(rootDir: string = process.cwd()) {
    this.root = realpathSync(rootDir);
  }

  /** The real absolute path of `path` (relative paths resolve against the root); InvalidParams at `field` if outside. */
  resolve(path: string, field: string): string {
    const absolute = isAbsolute(path) ? path : resolve(this.root, path);
    const real = realExisting(absolute);
    const rel = relative(this.root, real);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw invalidParams(field, `path outside the allowed root ${this.root}`);
    }
    return real;
  }
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
