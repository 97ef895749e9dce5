import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../engine/errors';
import { readBertConfig } from '../engine/models/bert';
import { invalidParams } from '../errors';

/** Files a sentence-encoder directory needs, and the optional ones that change its embeddings. */
const WEIGHTS = 'model.safetensors';
const IDENTITY_FILES = [
  'config.json',
  WEIGHTS,
  'tokenizer.json',
  'vocab.txt',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'sentence_bert_config.json',
  'modules.json',
  '1_Pooling/config.json'
];

/**
 * Checks a Hugging Face / sentence-transformers directory before any worker loads it, so a wrong path or a
 * damaged download is an InvalidParams naming `field` at `session/create`: config.json readable and of a
 * supported architecture, model.safetensors present with a readable header, a tokenizer present.
 * Returns the embedding width (hidden size).
 */
export function checkSentenceEncoderDir(dir: string, field: string): { dim: number } {
  const problem = (why: string): never => {
    throw invalidParams(field, `${dir} is not a usable sentence-encoder directory: ${why}`);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problem('it does not exist or is not a directory');
  }
  let dim = 0;
  try {
    dim = readBertConfig(dir).hiddenSize;
  } catch (err) {
    problem(err instanceof EngineError ? err.message : String(err));
  }
  if (!existsSync(join(dir, 'tokenizer.json')) && !existsSync(join(dir, 'vocab.txt'))) {
    problem('it has neither tokenizer.json nor vocab.txt');
  }
  const weights = join(dir, WEIGHTS);
  if (!existsSync(weights)) {
    problem(`it has no ${WEIGHTS} (PyTorch .bin checkpoints are not read)`);
  }
  checkSafetensorsHeader(weights, problem);
  return { dim };
}

/** The 8-byte header length and the JSON header of a safetensors file (a truncated download fails here). */
function checkSafetensorsHeader(file: string, problem: (why: string) => never): void {
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const prefix = Buffer.alloc(8);
    if (readSync(fd, prefix, 0, 8, 0) < 8) {
      problem(`${WEIGHTS} is truncated`);
    }
    const headerLength = Number(prefix.readBigUInt64LE(0));
    if (headerLength <= 0 || headerLength > Math.min(size - 8, 100 * 1024 * 1024)) {
      problem(`${WEIGHTS} is not a safetensors file (bad header length)`);
    }
    const header = Buffer.alloc(headerLength);
    readSync(fd, header, 0, headerLength, 8);
    try {
      JSON.parse(header.toString('utf8'));
    } catch {
      problem(`${WEIGHTS} has a corrupt header`);
    }
  } finally {
    closeSync(fd);
  }
}

const identities = new Map<string, Promise<string>>();

/**
 * The model's identity for the embedding cache: SHA-256 over the files that decide its embeddings (weights,
 * config, tokenizer, pooling), so the same model found in two places shares its cache and a changed file
 * never reuses stale vectors. Hashed as a stream (the event loop keeps running); memoised per file state.
 */
export function modelIdentity(dir: string): Promise<string> {
  const present = IDENTITY_FILES.filter(name => existsSync(join(dir, name)));
  const state = present.map(name => {
    const stat = statSync(join(dir, name));
    return `${name}:${stat.size}:${stat.mtimeMs}`;
  });
  const key = `${dir}\n${state.join('\n')}`;
  let identity = identities.get(key);
  if (identity === undefined) {
    identity = hashFiles(dir, present);
    identities.set(key, identity);
    identity.catch(() => identities.delete(key));
  }
  return identity;
}

async function hashFiles(dir: string, names: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const name of names) {
    hash.update(`${name}\0`);
    for await (const chunk of createReadStream(join(dir, name))) {
      hash.update(chunk as Buffer);
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
