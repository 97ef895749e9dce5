import type { ItemId } from '../../protocol/messages';
import { SidecarError } from '../errors';
import { idKey, showId } from './ids';

/** Field names as the file spells them, for messages. */
export interface AnswerFieldNames {
  candidates: string;
  relevant: string;
}

/**
 * The rules every imported answer obeys, whatever its format: candidates are distinct, relevant ids are
 * distinct candidates, and a skipped answer has none.
 */
export function checkAnswer(
  candidateIds: readonly ItemId[],
  relevantIds: readonly ItemId[],
  ignored: boolean,
  names: AnswerFieldNames,
  fail: (message: string) => SidecarError
): void {
  const candidates = new Set<string>();
  for (const id of candidateIds) {
    if (candidates.has(idKey(id))) {
      throw fail(`${names.candidates} lists ${showId(id)} more than once`);
    }
    candidates.add(idKey(id));
  }
  if (ignored && relevantIds.length > 0) {
    throw fail(`a skipped answer (ignored) must have no relevant ids, ${names.relevant} lists ${relevantIds.length}`);
  }
  const relevant = new Set<string>();
  for (const id of relevantIds) {
    if (!candidates.has(idKey(id))) {
      throw fail(`${names.relevant} must be a list of candidate ids: ${showId(id)} is not in ${names.candidates}`);
    }
    if (relevant.has(idKey(id))) {
      throw fail(`${names.relevant} lists ${showId(id)} more than once`);
    }
    relevant.add(idKey(id));
  }
}

/** Rejects an answer id seen before in the same file; the session skips ids it already stores, not repeats. */
export class AnswerIdRegistry {
  private readonly seen = new Map<string, string>();

  claim(answerId: string, where: string, fail: (message: string) => SidecarError): void {
    const first = this.seen.get(answerId);
    if (first !== undefined) {
      throw fail(`answer id ${JSON.stringify(answerId)} already appears at ${first}`);
    }
    this.seen.set(answerId, where);
  }
}
