import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const PYTHON = join(ROOT, '.venv', 'bin', 'python');
const SCRIPT = join(ROOT, 'tests', 'fixtures', 'bert_reference.py');

/**
 * Test helper: a tiny random BERT saved as a sentence-transformers directory at `dir` (hidden size 32), made
 * by tests/fixtures/bert_reference.py in the project's venv (`make install` builds it; missing is an error).
 */
export function makeTinyBert(dir: string): string {
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: run \`make install\` (the tiny BERT is made with sentence-transformers)`);
  }
  const run = spawnSync(PYTHON, [SCRIPT, 'tiny', dir], {
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1' }
  });
  if (run.status !== 0) {
    throw new Error(`bert_reference.py tiny failed (${run.status}):\n${run.stderr}`);
  }
  return dir;
}
