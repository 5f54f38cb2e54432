// Collects what a MembersSource reports, so tests can wait for the next report instead of sleeping.

import type { MembersDocument } from '../../src/members/members-document.js';

export type MembersEvent = { readonly kind: 'update'; readonly doc: MembersDocument } | { readonly kind: 'error'; readonly error: Error };

export class MembersEvents {
  readonly seen: MembersEvent[] = [];
  private waiters: { resolve: (event: MembersEvent) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }[] = [];
  private consumed = 0;

  readonly onUpdate = (doc: MembersDocument): void => this.push({ kind: 'update', doc });
  readonly onError = (error: Error): void => this.push({ kind: 'error', error });

  /** The next report not yet taken, waiting at most `timeoutMs` for it. */
  next(timeoutMs: number): Promise<MembersEvent> {
    const ready = this.seen[this.consumed];
    if (ready !== undefined) {
      this.consumed++;
      return Promise.resolve(ready);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no members report within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** Reports not yet taken with next(). */
  pending(): number {
    return this.seen.length - this.consumed;
  }

  private push(event: MembersEvent): void {
    this.seen.push(event);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      clearTimeout(waiter.timer);
      this.consumed++;
      waiter.resolve(event);
    }
  }
}
