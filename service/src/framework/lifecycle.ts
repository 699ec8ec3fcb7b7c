/**
 * The process's shutdown state, shared by the readiness probe, the HTTP server and the telemetry flushes.
 * One owner (serve.ts) drives it; everything else only reads `draining` or registers a hook.
 */
export interface ShutdownHook {
  name: string;
  run: () => Promise<void>;
  /** The longest this hook may take; it is cut shorter when the overall deadline comes first. */
  timeoutMs: number;
}

export interface HookOutcome {
  name: string;
  outcome: 'done' | 'failed' | 'timed out';
  ms: number;
  error?: unknown;
}

export class Lifecycle {
  #draining = false;
  readonly #hooks: ShutdownHook[] = [];

  get draining(): boolean {
    return this.#draining;
  }

  startDraining(): void {
    this.#draining = true;
  }

  /** Hooks run in registration order: register in the order things must flush. */
  onShutdown(hook: ShutdownHook): void {
    this.#hooks.push(hook);
  }

  /**
   * Runs every hook, each bounded by its timeout and by `deadline` (epoch ms); never throws. `finished` hears of
   * each hook as it ends, before the next one starts, so what it logs can still reach a later hook's flush.
   */
  async runShutdownHooks(deadline: number, finished: (outcome: HookOutcome) => void = () => undefined): Promise<HookOutcome[]> {
    const outcomes: HookOutcome[] = [];
    for (const hook of this.#hooks) {
      const started = Date.now();
      const budget = Math.max(0, Math.min(hook.timeoutMs, deadline - started));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timed out'>((resolve) => {
        timer = setTimeout(() => {
          resolve('timed out');
        }, budget);
      });
      try {
        const outcome = await Promise.race([hook.run().then(() => 'done' as const), timeout]);
        outcomes.push({ name: hook.name, outcome, ms: Date.now() - started });
      } catch (error) {
        outcomes.push({ name: hook.name, outcome: 'failed', ms: Date.now() - started, error });
      } finally {
        clearTimeout(timer);
      }
      finished(outcomes[outcomes.length - 1] as HookOutcome);
    }
    return outcomes;
  }
}
