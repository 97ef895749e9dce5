import type { LabelFormat } from '../../protocol';

/** A label file format as the menus show it. */
export interface ILabelFormatInfo {
  readonly format: LabelFormat;
  readonly title: string;
  /** The file name ending the sidecar gives it. */
  readonly extension: string;
  readonly description: string;
}

/** The formats of `labels/export` and `labels/import`, in menu order. */
export const LABEL_FORMATS: readonly ILabelFormatInfo[] = [
  {
    format: 'jsonl',
    title: 'Tunelab JSON Lines',
    extension: '.jsonl',
    description: 'One answer per line with every field; imports back without loss'
  },
  {
    format: 'csv',
    title: 'CSV',
    extension: '.csv',
    description: 'One row per answer and candidate, with a label column (positiveLabel / negativeLabel)'
  },
  {
    format: 'label-studio',
    title: 'Label Studio JSON',
    extension: '.json',
    description: 'Label Studio tasks with their annotations'
  },
  {
    format: 'hf-jsonl',
    title: 'Hugging Face JSON Lines',
    extension: '.jsonl',
    description: 'One row per answer with its texts, for Hugging Face datasets (load_dataset("json"))'
  }
];

/** The file picker's filter: every extension a label file may have. */
export const LABEL_FILE_ACCEPT = '.jsonl,.csv,.json';

export function labelFormatInfo(format: LabelFormat): ILabelFormatInfo {
  return LABEL_FORMATS.find(info => info.format === format) ?? LABEL_FORMATS[0];
}

export function isLabelFormat(value: unknown): value is LabelFormat {
  return LABEL_FORMATS.some(info => info.format === value);
}

/**
 * The formats a file may be in, by its extension: one for `.csv` and `.json`, two for `.jsonl`
 * (Tunelab's or Hugging Face's lines; Hugging Face's first for the `.hf.jsonl` Tunelab exports),
 * every format when the extension says nothing.
 */
export function formatsForFile(fileName: string): readonly LabelFormat[] {
  const name = fileName.toLowerCase();
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) {
    return name.endsWith('.hf.jsonl') ? ['hf-jsonl', 'jsonl'] : ['jsonl', 'hf-jsonl'];
  }
  if (name.endsWith('.csv')) {
    return ['csv'];
  }
  if (name.endsWith('.json')) {
    return ['label-studio'];
  }
  return LABEL_FORMATS.map(info => info.format);
}
