/**
 * Lets tests wait for something a stand-in records instead of sleeping:
 * every pending wait re-checks its condition whenever the stand-in records.
 */
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Call after recording anything. */
  notify(): void {
    for (const check of [...this.pending]) check();
  }

  /**
   * Resolves with the first defined result of `probe`, or rejects after
   * `timeoutMs` with `describe()` in the message so a failing test says what it saw.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    const ready = probe();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        finish();
        resolve(value);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.pending.delete(check);
      };
      this.pending.add(check);
    });
  }
}

/** "The next N requests (optionally: of this kind) fail like this", in the order they were planned. */
export class FailurePlan<F, K extends string = string> {
  private entries: { remaining: number; failure: F; only: K | undefined }[] = [];

  add(count: number, failure: F, only?: K): void {
    if (!(count > 0)) throw new RangeError(`count must be positive, got ${count}`);
    this.entries.push({ remaining: count, failure, only });
  }

  /** The failure planned for a request of kind `key`, consuming one use of it. */
  take(key?: K): F | undefined {
    const entry = this.entries.find((e) => e.only === undefined || e.only === key);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.failure;
  }

  clear(): void {
    this.entries = [];
  }
}

/** Resolves matches once at least `count` items satisfy `predicate`. */
export function atLeast<T>(items: readonly T[], predicate: (item: T) => boolean, count: number): T[] | undefined {
  const matches = items.filter(predicate);
  return matches.length >= count ? matches : undefined;
}
