interface Waiter {
  done: () => boolean;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Promises that resolve true once a condition holds (checked at `settle()`), false after their timeout or
 * at `closeAll()`. `model/wait` of similarity (TrainingLoop) and classification sessions both wait this way.
 */
export class ConditionWaiters {
  private waiters: Waiter[] = [];

  wait(done: () => boolean, timeoutMs: number): Promise<boolean> {
    if (done()) {
      return Promise.resolve(true);
    }
    return new Promise(resolve => {
      const waiter: Waiter = {
        done,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter(w => w !== waiter);
          resolve(false);
        }, timeoutMs)
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves every waiter whose condition now holds. */
  settle(): void {
    this.waiters = this.waiters.filter(w => {
      if (!w.done()) {
        return true;
      }
      clearTimeout(w.timer);
      w.resolve(true);
      return false;
    });
  }

  /** Resolves every waiter false (the owner is closing). */
  closeAll(): void {
    this.waiters.forEach(w => {
      clearTimeout(w.timer);
      w.resolve(false);
    });
    this.waiters = [];
  }
}
