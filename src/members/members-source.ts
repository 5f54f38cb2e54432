// Where member data comes from (§3.3): a watched file or a polled bundle URL, behind one interface.

import type { MembersDocument } from './members-document.js';

/** What the last attempt to load member data did; `/readyz` details and logs show it. */
export type MembersOutcome =
  | 'pending' // nothing attempted yet
  | 'loaded' // a new version was accepted and handed to onUpdate
  | 'unchanged' // same content (hash) or HTTP 304: nothing to do
  | 'rejected' // the new version was invalid; the last good one keeps serving
  | 'unreachable'; // the file or URL could not be read; the last good one keeps serving

export interface MembersSourceStatus {
  readonly kind: 'file' | 'bundle';
  /** The file path or bundle URL. */
  readonly location: string;
  /** Content hash (file) or ETag/content hash (bundle) of the version serving now; null before one loads. */
  readonly revision: string | null;
  /** When the serving version was accepted (ms since the epoch), null before one loads. */
  readonly loadedAt: number | null;
  /** (principal, workspace) bindings in the serving version. */
  readonly bindings: number;
  readonly lastOutcome: MembersOutcome;
  readonly lastAttemptAt: number | null;
  /** Why the last attempt failed; cleared by the next success. */
  readonly lastError: string | null;
  readonly rejectedUpdates: number;
}

export interface MembersSource {
  /**
   * Loads once, then keeps watching. Resolves after the first attempt whatever its outcome: a first
   * failure goes to onError and the source keeps watching, so fixing the data later is enough.
   * onUpdate receives only complete, validated documents; a bad version never reaches it.
   */
  start(onUpdate: (doc: MembersDocument) => void, onError: (err: Error) => void): Promise<void>;
  /** Stops watching or polling and releases every handle; safe to call twice. */
  stop(): Promise<void>;
  status(): MembersSourceStatus;
}

/**
 * The status fields both sources keep, and the transitions they share: a source says what an
 * attempt did, and the counters and timestamps follow from it.
 */
export class MembersStatusTracker {
  private state: Omit<MembersSourceStatus, 'kind' | 'location'> = {
    revision: null,
    loadedAt: null,
    bindings: 0,
    lastOutcome: 'pending',
    lastAttemptAt: null,
    lastError: null,
    rejectedUpdates: 0,
  };

  snapshot(kind: MembersSourceStatus['kind'], location: string): MembersSourceStatus {
    return { kind, location, ...this.state };
  }

  get lastOutcome(): MembersOutcome {
    return this.state.lastOutcome;
  }

  get hasLoaded(): boolean {
    return this.state.loadedAt !== null;
  }

  /** An attempt that changed nothing worth reporting (a momentarily empty file). */
  attempted(attemptAt: number): void {
    this.state = { ...this.state, lastAttemptAt: attemptAt };
  }

  /** The same content again: a rejected version stays reported as rejected until it changes. */
  unchanged(attemptAt: number): MembersOutcome {
    const lastOutcome = this.state.lastOutcome === 'rejected' ? 'rejected' : 'unchanged';
    this.state = { ...this.state, lastOutcome, lastAttemptAt: attemptAt };
    return lastOutcome;
  }

  loaded(revision: string, attemptAt: number, bindings: number): void {
    this.state = { ...this.state, revision, loadedAt: attemptAt, bindings, lastOutcome: 'loaded', lastAttemptAt: attemptAt, lastError: null };
  }

  failed(outcome: Extract<MembersOutcome, 'rejected' | 'unreachable'>, attemptAt: number, message: string): void {
    this.state = {
      ...this.state,
      lastOutcome: outcome,
      lastAttemptAt: attemptAt,
      lastError: message,
      rejectedUpdates: this.state.rejectedUpdates + (outcome === 'rejected' ? 1 : 0),
    };
  }
}

/** Timer functions, injectable so tests drive polling without waiting. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending reload must not keep a shutting-down process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
