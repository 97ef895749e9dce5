import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from '../../errors';

/**
 * Crash-safe directory writes: files are written and fsynced inside a temporary sibling directory, which
 * is then renamed over the target. A reader (or a user after a crash) sees the old directory or the new
 * one, never a half-written model. The temporary directory is a sibling so the rename stays on one
 * filesystem, where it is atomic.
 */

/** Writes `data` to `file` and fsyncs it. */
export function writeFileSynced(file: string, data: string | Uint8Array): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'w');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let done = 0;
    while (done < bytes.length) {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    }
    fs.fsyncSync(fd);
  } catch (e) {
    throw new EngineError('io', `cannot write ${file}: ${(e as Error).message}`);
  } finally {
    if (fd !== undefined) {
      fs.closeSync(fd);
    }
  }
}

/** Copies `from` to `to` and fsyncs the copy. */
export function copyFileSynced(from: string, to: string): void {
  try {
    fs.copyFileSync(from, to);
    const fd = fs.openSync(to, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new EngineError('io', `cannot copy ${from} to ${to}: ${(e as Error).message}`);
  }
}

function fsyncDir(dir: string): void {
  // Makes renames and new entries durable; some platforms cannot open a directory for fsync, which only
  // weakens durability on power loss, never atomicity.
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/**
 * Builds a directory at `target` atomically: `fill(tmp)` writes into a fresh temporary sibling, which then
 * replaces `target`. An existing `target` is replaced only if `mayReplace(target)` allows it (so a typo
 * cannot wipe an unrelated directory). On any error the temporary directory is removed and `target` is
 * left as it was.
 */
export function writeDirectoryAtomically(
  target: string,
  fill: (tmp: string) => void,
  mayReplace: (existing: string) => boolean
): void {
  const abs = path.resolve(target);
  const parent = path.dirname(abs);
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory()) {
      throw new EngineError('io', `${abs} exists and is not a directory`);
    }
    if (fs.readdirSync(abs).length > 0 && !mayReplace(abs)) {
      throw new EngineError('io', `${abs} is a non-empty directory that is not a model directory; not replacing it`);
    }
  }
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw new EngineError('io', `cannot create ${parent}: ${(e as Error).message}`);
  }
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(parent, `.${path.basename(abs)}.tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(abs)}.old-${tag}`);
  fs.mkdirSync(tmp);
  try {
    fill(tmp);
    fsyncDir(tmp);
    // rename() cannot replace a non-empty directory: move the old one aside first, then drop it.
    const hadOld = fs.existsSync(abs);
    if (hadOld) {
      fs.renameSync(abs, old);
    }
    try {
      fs.renameSync(tmp, abs);
    } catch (e) {
      if (hadOld) {
        fs.renameSync(old, abs);
      }
      throw e;
    }
    fsyncDir(parent);
    if (hadOld) {
      fs.rmSync(old, { recursive: true, force: true });
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e instanceof EngineError ? e : new EngineError('io', `cannot write ${abs}: ${(e as Error).message}`);
  }
}
