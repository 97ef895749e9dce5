/** Candidate selection of one question, as positions in its candidate list. */
export type Selection = ReadonlySet<number>;

/** The selection with the candidate at `index` added or removed; out-of-range indexes change nothing. */
export function toggleCandidate(selection: Selection, index: number, candidateCount: number): Selection {
  if (!Number.isInteger(index) || index < 0 || index >= candidateCount) {
    return selection;
  }
  const next = new Set(selection);
  if (!next.delete(index)) {
    next.add(index);
  }
  return next;
}

/** Every candidate not selected, and none of those that were. */
export function invertSelection(selection: Selection, candidateCount: number): Selection {
  const next = new Set<number>();
  for (let index = 0; index < candidateCount; index++) {
    if (!selection.has(index)) {
      next.add(index);
    }
  }
  return next;
}

/** Key label shown beside the candidate at `index` (0-based), or '' past the tenth. */
export function digitForCandidate(index: number): string {
  if (index < 9) {
    return String(index + 1);
  }
  return index === 9 ? '0' : '';
}
