import type { ItemId } from '../../protocol/messages';

/** One answer as label files carry it: the format-neutral shape every exporter reads and every importer returns. */
export interface LabelRecord {
  answerId: string;
  queryId: ItemId;
  candidateIds: ItemId[];
  /** Subset of candidateIds. */
  relevantIds: ItemId[];
  /** Skipped: relevantIds is empty. */
  ignored: boolean;
  annotator: string;
  /** ISO-8601. */
  time: string;
  modelVersion: number;
}

/** Content shown to the annotator, for formats that carry it (Label Studio tasks, HF rows); absent for vectors. */
export type ItemContent = (id: ItemId) => { text?: string } | undefined;

/** The numbers written for relevant and irrelevant candidates (session options positiveLabel/negativeLabel). */
export interface LabelValues {
  positive: number;
  negative: number;
}

export const DEFAULT_LABEL_VALUES: LabelValues = { positive: 1, negative: 0 };
