import type { LabelFormat } from '../../protocol/messages';
import { invalidParams } from '../errors';
import { readCsv, writeCsv } from './formats/csv';
import { readHfJsonl, writeHfJsonl } from './formats/hfJsonl';
import { readJsonl, writeJsonl } from './formats/jsonl';
import { readLabelStudio, writeLabelStudio } from './formats/labelStudio';
import { decodeLabelFile, encodeLabelFile } from './labelFileText';
import { DEFAULT_LABEL_VALUES, ItemContent, LabelRecord, LabelValues } from './labelRecord';

export type { ItemContent, LabelRecord } from './labelRecord';
export { MAX_LABEL_FILE_BYTES } from './labelFileText';

/** The session facts a file needs; label values default to 1 (relevant) and 0. */
export interface ExportMeta {
  datasetName: string;
  positiveLabel?: number;
  negativeLabel?: number;
}

export interface ExportedLabelFile {
  bytes: Uint8Array;
  fileName: string;
  mediaType: string;
}

/** Only the csv format needs these (its `label` column is all it has); the others carry relevance explicitly. */
export interface ImportOptions {
  positiveLabel?: number;
  negativeLabel?: number;
}

interface FormatSpec {
  suffix: string;
  mediaType: string;
  write(records: readonly LabelRecord[], content: ItemContent, labels: LabelValues): string;
  read(text: string, labels: LabelValues): LabelRecord[];
}

const FORMATS: Record<LabelFormat, FormatSpec> = {
  jsonl: { suffix: '.labels.jsonl', mediaType: 'application/x-ndjson', write: writeJsonl, read: readJsonl },
  csv: { suffix: '.labels.csv', mediaType: 'text/csv', write: writeCsv, read: readCsv },
  'label-studio': {
    suffix: '.label-studio.json',
    mediaType: 'application/json',
    write: writeLabelStudio,
    read: readLabelStudio
  },
  'hf-jsonl': { suffix: '.hf.jsonl', mediaType: 'application/x-ndjson', write: writeHfJsonl, read: readHfJsonl }
};

/** A label file of `records` (docs/label-files.md). */
export function exportLabels(
  records: LabelRecord[],
  format: LabelFormat,
  content: ItemContent,
  meta: ExportMeta
): ExportedLabelFile {
  const spec = FORMATS[format];
  const text = spec.write(records, content, labelValues(meta));
  return {
    bytes: encodeLabelFile(text),
    fileName: fileStem(meta.datasetName) + spec.suffix,
    mediaType: spec.mediaType
  };
}

/** The answers of a label file; a malformed file throws BadData naming the line, row or task and the field. */
export function importLabels(bytes: Uint8Array, format: LabelFormat, options: ImportOptions = {}): LabelRecord[] {
  const spec = FORMATS[format];
  return spec.read(decodeLabelFile(bytes), labelValues(options));
}

function labelValues(meta: ImportOptions): LabelValues {
  const positive = meta.positiveLabel ?? DEFAULT_LABEL_VALUES.positive;
  const negative = meta.negativeLabel ?? DEFAULT_LABEL_VALUES.negative;
  if (!Number.isFinite(positive) || !Number.isFinite(negative)) {
    throw invalidParams('positiveLabel', 'positiveLabel and negativeLabel must be finite numbers');
  }
  if (positive === negative) {
    // The csv label column would then not tell relevant from irrelevant.
    throw invalidParams('negativeLabel', `must differ from positiveLabel (both are ${positive})`);
  }
  return { positive, negative };
}

/** A file name users can keep: the dataset name with anything a file system or shell dislikes replaced. */
function fileStem(datasetName: string): string {
  const stem = datasetName
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+|_+$/g, '')
    .slice(0, 100);
  return stem === '' ? 'tunelab' : stem;
}
