/**
 * What every benchmark shares: its command-line options, the machine it ran on, and where its JSON goes.
 * `--smoke` shrinks the run to seconds (make bench-smoke, inside make test) so the suite cannot rot;
 * `--out <file>` sends the JSON elsewhere (default bench/results/<name>.json), which
 * bench/report/render_benchmarks.py turns into docs/benchmarks.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);

/** The value after `--name`, else `fallback`. */
export function option(name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

export function numberOption(name: string, fallback: number): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isFinite(value)) {
    throw new Error(`--${name} must be a number`);
  }
  return value;
}

export function flag(name: string): boolean {
  return args.includes(`--${name}`);
}

/** A small run that checks the benchmark still works; its figures are not reported. */
export const SMOKE = flag('smoke');

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`
  };
}

/** Resident memory of a process in MiB (Linux /proc), undefined where it cannot be read. */
export function residentMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? +(Number(match[1]) / 1024).toFixed(1) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes `{ benchmark, smoke, machine, time, loadAverage1m, ...result }` as JSON to `--out` or
 * bench/results/<name>.json. The load average says how busy the machine was: other work skews every figure.
 */
export function writeResult(name: string, result: object): string {
  const file = option('out', join(__dirname, '..', 'results', `${name}.json`));
  const text = JSON.stringify(
    {
      benchmark: name,
      smoke: SMOKE,
      machine: machineInfo(),
      time: new Date().toISOString(),
      loadAverage1m: +loadavg()[0].toFixed(2),
      ...result
    },
    null,
    2
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${text}\n`);
  console.log(`${name}: wrote ${file}`);
  return file;
}
