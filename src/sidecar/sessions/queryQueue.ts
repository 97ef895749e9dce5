const enum RowState {
  Fresh = 0,
  Assigned = 1,
  Answered = 2
}

/**
 * Which pool row is asked next. Rows are taken in dataset order; rows handed
 * back (an undone answer, a question whose connection went away) go to the
 * front of the line. Each row is assigned to at most one question at a time.
 */
export class QueryQueue {
  private states: RowState[] = [];
  /** Next never-taken row in dataset order. */
  private cursor = 0;
  /** Rows handed back, asked before the cursor's; entries whose row is no longer fresh are skipped. */
  private returned: number[] = [];

  get size(): number {
    return this.states.length;
  }

  /** Makes `count` more rows askable (a chunk was appended). */
  grow(count: number): void {
    for (let i = 0; i < count; i++) {
      this.states.push(RowState.Fresh);
    }
  }

  /** Assigns and returns the next askable row, or undefined when none is left. */
  take(): number | undefined {
    while (this.returned.length > 0) {
      const row = this.returned.shift() as number;
      if (this.states[row] === RowState.Fresh) {
        this.states[row] = RowState.Assigned;
        return row;
      }
    }
    while (this.cursor < this.states.length) {
      const row = this.cursor++;
      if (this.states[row] === RowState.Fresh) {
        this.states[row] = RowState.Assigned;
        return row;
      }
    }
    return undefined;
  }

  /** Assigns the next handed-back row still fresh, if any. */
  takeReturned(): number | undefined {
    while (this.returned.length > 0) {
      const row = this.returned.shift() as number;
      if (this.states[row] === RowState.Fresh) {
        this.states[row] = RowState.Assigned;
        return row;
      }
    }
    return undefined;
  }

  /** Assigns `row` if it is fresh; false if it is assigned or answered. */
  takeRow(row: number): boolean {
    if (this.states[row] !== RowState.Fresh) {
      return false;
    }
    this.states[row] = RowState.Assigned;
    return true;
  }

  isFresh(row: number): boolean {
    return this.states[row] === RowState.Fresh;
  }

  /** Up to `count` distinct fresh rows below `limit`, drawn uniformly (rejection sampling, then a scan). */
  sampleFresh(count: number, limit: number, random: () => number): number[] {
    const picked = new Set<number>();
    const bound = Math.min(limit, this.states.length);
    for (let tries = 0; tries < count * 8 && picked.size < count; tries++) {
      const row = Math.floor(random() * bound);
      if (this.states[row] === RowState.Fresh) {
        picked.add(row);
      }
    }
    if (picked.size < count) {
      const start = Math.floor(random() * bound);
      for (let i = 0; i < bound && picked.size < count; i++) {
        const row = (start + i) % bound;
        if (this.states[row] === RowState.Fresh) {
          picked.add(row);
        }
      }
    }
    return [...picked];
  }

  markAnswered(row: number): void {
    this.states[row] = RowState.Answered;
  }

  /** Makes `row` askable again, after the rows already handed back (a prepared question was dropped). */
  putBack(row: number): void {
    this.states[row] = RowState.Fresh;
    this.returned.push(row);
  }

  /** Handed-back rows still fresh, in the order they will be asked. */
  returnedRows(): number[] {
    return this.returned.filter(row => this.states[row] === RowState.Fresh);
  }

  /** Makes `row` askable again, next in line. */
  giveBack(row: number): void {
    this.states[row] = RowState.Fresh;
    this.returned.unshift(row);
  }
}
