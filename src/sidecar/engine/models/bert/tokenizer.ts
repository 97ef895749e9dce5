import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';
import { assertPositiveInt, EngineError } from '../../errors';

/**
 * WordPiece (BERT-family) tokenization of a local Hugging Face model directory.
 *
 * Normalisation, pre-tokenisation, WordPiece and the [CLS]/[SEP] template come from
 * `@huggingface/tokenizers` (Hugging Face's own pure-JS port: no dependencies, no install script, so it
 * works offline). That library does not truncate or pad, so both are done here, the way the Python
 * `tokenizers` library does for sentence-transformers: truncate the content so that content + special
 * tokens fit in `maxLength`, then pad a batch to its longest row.
 */

/** A padded batch, row-major [batch, seqLength]. */
export interface TokenBatch {
  batch: number;
  seqLength: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
}

type JsonObject = Record<string, unknown>;

function readJson(file: string): JsonObject {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EngineError('io', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not a JSON object');
    }
    return parsed as JsonObject;
  } catch (e) {
    throw new EngineError('io', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads a JSON object file if it exists (undefined otherwise). */
export function readJsonIfExists(file: string): JsonObject | undefined {
  return fs.existsSync(file) ? readJson(file) : undefined;
}

/**
 * Builds the `tokenizer.json` equivalent of a legacy `vocab.txt` + `tokenizer_config.json` BERT tokenizer
 * (what `transformers`' BertTokenizerFast converter produces), so both layouts go through one code path.
 */
export function tokenizerJsonFromVocab(vocabText: string, config: JsonObject): JsonObject {
  const vocab: Record<string, number> = {};
  vocabText
    .split('\n')
    .map(line => line.replace(/\r$/, ''))
    .forEach((token, i) => {
      if (token.length > 0 || i === 0) {
        vocab[token] = i;
      }
    });
  const special = (key: string, fallback: string): string =>
    typeof config[key] === 'string' ? (config[key] as string) : fallback;
  const cls = special('cls_token', '[CLS]');
  const sep = special('sep_token', '[SEP]');
  const unk = special('unk_token', '[UNK]');
  const idOf = (token: string): number => {
    const id = vocab[token];
    if (id === undefined) {
      throw new EngineError('bad_config', `vocab.txt has no '${token}' token`);
    }
    return id;
  };
  const lowercase = config.do_lower_case !== false;
  const stripAccents = typeof config.strip_accents === 'boolean' ? config.strip_accents : null;
  const addedTokens = [special('pad_token', '[PAD]'), unk, cls, sep, special('mask_token', '[MASK]')]
    .filter(t => vocab[t] !== undefined)
    .map(t => ({
      id: vocab[t],
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true
    }));
  return {
    version: '1.0',
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars !== false,
      strip_accents: stripAccents,
      lowercase
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: [sep, idOf(sep)], cls: [cls, idOf(cls)] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab }
  };
}

export interface WordPieceTokenizerOptions {
  /** Longest sequence (special tokens included); default: from the model directory (see `resolveMaxLength`). */
  maxLength?: number;
}

/**
 * The longest sequence sentence-transformers feeds this model: `max_seq_length` of
 * `sentence_bert_config.json` (models saved before sentence-transformers 6), else the smaller of the
 * tokenizer's `model_max_length` and `max_position_embeddings` (unset `model_max_length` is a huge sentinel).
 */
export function resolveMaxLength(dir: string): number {
  const st = readJsonIfExists(path.join(dir, 'sentence_bert_config.json'));
  if (typeof st?.max_seq_length === 'number') {
    return st.max_seq_length;
  }
  const cfg = readJsonIfExists(path.join(dir, 'config.json'));
  const tok = readJsonIfExists(path.join(dir, 'tokenizer_config.json'));
  const positions = typeof cfg?.max_position_embeddings === 'number' ? cfg.max_position_embeddings : 512;
  return typeof tok?.model_max_length === 'number' ? Math.min(tok.model_max_length, positions) : positions;
}

export class WordPieceTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  /** How many special tokens the template puts before / after the content (BERT: 1 and 1). */
  private readonly specialsBefore: number;
  private readonly specialsAfter: number;

  constructor(
    private readonly tokenizer: Tokenizer,
    maxLength: number
  ) {
    assertPositiveInt(maxLength, 'maxLength');
    // Measure the template instead of assuming BERT's: encode a probe with and without special tokens.
    const withSpecials = tokenizer.encode('a').ids;
    const bare = tokenizer.encode('a', { add_special_tokens: false }).ids;
    const at = withSpecials.indexOf(bare[0]);
    if (bare.length !== 1 || at < 0) {
      throw new EngineError('bad_config', 'cannot locate the content inside the tokenizer template');
    }
    this.specialsBefore = at;
    this.specialsAfter = withSpecials.length - at - 1;
    if (maxLength <= this.specialsBefore + this.specialsAfter) {
      throw new EngineError('bad_config', `maxLength ${maxLength} leaves no room for text`);
    }
    this.maxLength = maxLength;
    this.padId = tokenizer.token_to_id('[PAD]') ?? 0;
  }

  /** Token ids of one text: template applied, content truncated to fit `maxLength`. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxLength) {
      return ids;
    }
    const keep = this.maxLength - this.specialsAfter;
    return [...ids.slice(0, keep), ...ids.slice(ids.length - this.specialsAfter)];
  }

  /** Tokens (strings) of one text, as `encode` would produce them. */
  tokens(text: string): string[] {
    return this.encode(text).map(id => this.tokenizer.id_to_token(id) ?? '');
  }

  /** Encodes texts and pads them to the longest row; attention mask 1 on tokens, 0 on padding. */
  encodeBatch(texts: readonly string[]): TokenBatch {
    return this.padBatch(
      texts.map((t, i) => {
        if (typeof t !== 'string') {
          throw new EngineError('bad_data', `text row ${i} is not a string`, { row: i });
        }
        return this.encode(t);
      })
    );
  }

  /** Pads already-encoded rows (from `encode`) to the longest one. */
  padBatch(rows: readonly number[][]): TokenBatch {
    const seqLength = rows.reduce((m, r) => Math.max(m, r.length), 0);
    const inputIds = new Int32Array(rows.length * seqLength).fill(this.padId);
    const attentionMask = new Int32Array(rows.length * seqLength);
    rows.forEach((r, i) => {
      inputIds.set(r, i * seqLength);
      attentionMask.fill(1, i * seqLength, i * seqLength + r.length);
    });
    return { batch: rows.length, seqLength, inputIds, attentionMask };
  }
}

/**
 * Loads the tokenizer of a local model directory: `tokenizer.json` (+ `tokenizer_config.json`), or
 * `vocab.txt` + `tokenizer_config.json`. Reads only local files.
 */
export function loadWordPieceTokenizer(dir: string, opts: WordPieceTokenizerOptions = {}): WordPieceTokenizer {
  const config = readJsonIfExists(path.join(dir, 'tokenizer_config.json')) ?? {};
  const jsonFile = path.join(dir, 'tokenizer.json');
  const vocabFile = path.join(dir, 'vocab.txt');
  let tokenizerJson: JsonObject;
  if (fs.existsSync(jsonFile)) {
    tokenizerJson = readJson(jsonFile);
  } else if (fs.existsSync(vocabFile)) {
    tokenizerJson = tokenizerJsonFromVocab(fs.readFileSync(vocabFile, 'utf8'), config);
  } else {
    throw new EngineError('io', `${dir} has neither tokenizer.json nor vocab.txt`);
  }
  const model = tokenizerJson.model as JsonObject | undefined;
  if (model?.type !== 'WordPiece') {
    throw new EngineError(
      'bad_config',
      `only WordPiece (BERT-family) tokenizers are supported; ${dir} has ${String(model?.type)}`
    );
  }
  // Truncation and padding settings stored in tokenizer.json are ignored on purpose: sentence-transformers
  // overrides them with max_seq_length, and we apply that ourselves.
  const tokenizer = new Tokenizer({ ...tokenizerJson, truncation: null, padding: null }, config);
  return new WordPieceTokenizer(tokenizer, opts.maxLength ?? resolveMaxLength(dir));
}
