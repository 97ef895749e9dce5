import { expect } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The sidecar of the Jupyter server under test, seen from the test's side: the server's
 * `SidecarSupervisor` (tunelab/sidecar.py) writes `tunelab-sidecar-<server pid>.json` (0600, with
 * `pid` and `owner_pid`) in the Jupyter runtime directory and rewrites it after each restart.
 */
export interface ISidecarProcess {
  /** The connection file. */
  file: string;
  /** The sidecar's process id. */
  pid: number;
  /** The Jupyter server that supervises it. */
  ownerPid: number;
}

/** The venv's `jupyter`, as playwright.config.js starts the server with. */
const JUPYTER = process.env.TUNELAB_JUPYTER || path.resolve(__dirname, '..', '..', '.venv', 'bin', 'jupyter');

let runtimeDir: string | null = null;

/** `jupyter --runtime-dir` in the test's environment, which the server inherited (cached). */
export function jupyterRuntimeDir(): string {
  runtimeDir ??= execFileSync(JUPYTER, ['--runtime-dir'], { encoding: 'utf-8' }).trim();
  return runtimeDir;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    return null; // gone, or (never for the atomic connection file) half written
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is still a Jupyter server: a killed server leaves its jpserver-<pid>.json behind, and on a
 * busy machine that pid soon belongs to some other process (CI once found two "live" servers on 8888).
 */
function isJupyterServer(pid: number): boolean {
  if (!isAlive(pid)) {
    return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('jupyter');
  } catch {
    return true; // no /proc to ask: trust the liveness check
  }
}

/** Pid of the live Jupyter server listening on `port`, from its `jpserver-<pid>.json`. */
export function jupyterServerPid(port: number): number {
  const dir = jupyterRuntimeDir();
  const pids = fs
    .readdirSync(dir)
    .filter(name => /^jpserver-\d+\.json$/.test(name))
    .map(name => readJson(path.join(dir, name)))
    .filter(info => info !== null && Number(info.port) === port && isJupyterServer(Number(info.pid)))
    .map(info => Number(info?.pid));
  if (pids.length !== 1) {
    throw new Error(`expected one Jupyter server on port ${port} in ${dir}, found ${pids.length}`);
  }
  return pids[0];
}

/** The sidecar supervised by the Jupyter server on `port`, or `null` while it has no connection file. */
export function sidecarOf(port: number): ISidecarProcess | null {
  const dir = jupyterRuntimeDir();
  const ownerPid = jupyterServerPid(port);
  for (const name of fs.readdirSync(dir).filter(n => /^tunelab-sidecar-[\d-]+\.json$/.test(n))) {
    const file = path.join(dir, name);
    const info = readJson(file);
    if (info !== null && Number(info.owner_pid) === ownerPid) {
      return { file, pid: Number(info.pid), ownerPid };
    }
  }
  return null;
}

/**
 * Kills the sidecar of the server on `port` with SIGKILL (no chance to clean up) and waits until
 * its supervisor has started a new one and published it.
 */
export async function killSidecar(port: number): Promise<{ killed: ISidecarProcess; restarted: ISidecarProcess }> {
  const old = sidecarOf(port);
  if (old === null || !isAlive(old.pid)) {
    throw new Error(`no live Tunelab sidecar for the Jupyter server on port ${port}`);
  }
  process.kill(old.pid, 'SIGKILL');
  await expect.poll(() => isAlive(old.pid), { message: `sidecar pid ${old.pid} still alive` }).toBe(false);
  let restarted: ISidecarProcess | null = null;
  await expect
    .poll(
      () => {
        restarted = sidecarOf(port);
        return restarted !== null && restarted.pid !== old.pid && isAlive(restarted.pid);
      },
      { message: 'the supervisor did not restart the sidecar', timeout: 30 * 1000 }
    )
    .toBe(true);
  return { killed: old, restarted: restarted as unknown as ISidecarProcess };
}
