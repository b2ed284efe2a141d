/**
 * Runs a task on demand, never twice at once: a request that arrives while it runs schedules exactly one
 * more run afterwards, so a burst of commits costs one or two relay runs, not one per commit.
 */
export class CoalescedTask {
  private readonly task: () => Promise<unknown>;
  private readonly onError: (error: Error) => void;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(task: () => Promise<unknown>, onError: (error: Error) => void) {
    this.task = task;
    this.onError = onError;
  }

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no run is in progress or pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.task();
      } catch (error) {
        this.onError(error as Error);
      }
    } while (this.again);
  }
}
