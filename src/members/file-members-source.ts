// Member data from a YAML or JSON file, watched and reloaded (§3.3 `members.file`).

import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { type Clock, systemClock } from '../shared/clock.js';
import { countBindings, type MembersDocument, MembersError, type MembersValidationOptions, parseMembersText } from './members-document.js';
import { type MembersOutcome, type MembersSource, type MembersSourceStatus, MembersStatusTracker, systemTimers, type Timers } from './members-source.js';

export interface FileMembersSourceOptions extends MembersValidationOptions {
  readonly path: string;
  /** Editors and ConfigMap updates produce bursts of events; one reload follows the last of them. */
  readonly debounceMs?: number;
  /**
   * Re-read this often even without a watch event, for filesystems where events are lost (network
   * mounts, some container overlays); an unchanged hash makes it cheap. 0 disables it.
   */
  readonly recheckIntervalMs?: number;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_RECHECK_MS = 10_000;

export class FileMembersSource implements MembersSource {
  private readonly path: string;
  private readonly format: 'json' | 'yaml';
  private readonly options: FileMembersSourceOptions;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private watcher: FSWatcher | undefined;
  private debounceTimer: unknown;
  private recheckTimer: unknown;
  private stopped = false;
  /** Hash of the last content read, good or bad: the same bytes are never judged twice. */
  private lastSeenHash: string | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private onUpdate: (doc: MembersDocument) => void = () => undefined;
  private onError: (err: Error) => void = () => undefined;
  private readonly tracker = new MembersStatusTracker();

  constructor(options: FileMembersSourceOptions) {
    this.options = options;
    this.path = resolve(options.path);
    this.format = extname(this.path).toLowerCase() === '.json' ? 'json' : 'yaml';
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
  }

  async start(onUpdate: (doc: MembersDocument) => void, onError: (err: Error) => void): Promise<void> {
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.stopped = false;
    // Watch the directory, not the file: an editor's save-by-rename or a Kubernetes ConfigMap
    // update (a `..data` symlink swap) replaces the file, and a watch on the old inode goes quiet.
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.scheduleReload());
      this.watcher.on('error', (error: Error) => this.onError(new MembersError('members_unreadable', `watching ${this.path}: ${error.message}`)));
    } catch (error: unknown) {
      // A directory that does not exist yet (a volume not mounted) cannot be watched; the periodic
      // re-read still picks the file up once it appears.
      const detail = error instanceof Error ? error.message : String(error);
      this.onError(new MembersError('members_unreadable', `cannot watch ${dirname(this.path)}: ${detail}`));
    }
    await this.reload();
    this.scheduleRecheck();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.debounceTimer !== undefined) this.timers.clearTimeout(this.debounceTimer);
    if (this.recheckTimer !== undefined) this.timers.clearTimeout(this.recheckTimer);
    this.debounceTimer = undefined;
    this.recheckTimer = undefined;
    await this.reloading;
  }

  status(): MembersSourceStatus {
    return this.tracker.snapshot('file', this.path);
  }

  /** Reads the file now; the watcher calls it after a quiet period, tests may call it directly. */
  reload(): Promise<void> {
    // Serialised, so a slow read cannot land after a newer one and roll the data back.
    this.reloading = this.reloading
      .then(() => this.readAndApply())
      .catch((error: unknown) => {
        // Only onUpdate can throw here; the chain must survive it or every later reload is lost.
        this.onError(error instanceof Error ? error : new Error(String(error)));
      });
    return this.reloading;
  }

  private scheduleReload(): void {
    if (this.stopped) return;
    if (this.debounceTimer !== undefined) this.timers.clearTimeout(this.debounceTimer);
    this.debounceTimer = this.timers.setTimeout(() => {
      this.debounceTimer = undefined;
      void this.reload();
    }, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  }

  private scheduleRecheck(): void {
    const interval = this.options.recheckIntervalMs ?? DEFAULT_RECHECK_MS;
    if (this.stopped || interval <= 0) return;
    this.recheckTimer = this.timers.setTimeout(() => {
      void this.reload().then(() => this.scheduleRecheck());
    }, interval);
  }

  private async readAndApply(): Promise<void> {
    if (this.stopped) return;
    const attemptAt = this.clock();
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error: unknown) {
      const detail = error instanceof Error ? error.message : String(error);
      // Forget the hash so that the same content reappearing (a file restored) is applied again.
      this.lastSeenHash = undefined;
      this.fail('unreachable', attemptAt, new MembersError('members_unreadable', `${this.path}: cannot be read: ${detail}`));
      return;
    }
    if (text.trim() === '' && this.tracker.hasLoaded) {
      // A writer that truncates before writing shows an empty file for a moment; its next event
      // brings the content. Removing every binding is written `workspaces: {}`, not an empty file.
      this.tracker.attempted(attemptAt);
      return;
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.lastSeenHash) {
      this.tracker.unchanged(attemptAt);
      return;
    }
    this.lastSeenHash = hash;
    const parsed = parseMembersText(text, this.format, this.options);
    if (!parsed.ok) {
      const message = `${this.path}: rejected, the previous member data keeps serving:\n  ${parsed.problems.map((p) => p.message).join('\n  ')}`;
      this.fail('rejected', attemptAt, new MembersError('members_invalid', message, parsed.problems));
      return;
    }
    this.tracker.loaded(`sha256:${hash.slice(0, 16)}`, attemptAt, countBindings(parsed.document));
    if (!this.stopped) this.onUpdate(parsed.document);
  }

  private fail(outcome: Extract<MembersOutcome, 'rejected' | 'unreachable'>, attemptAt: number, error: MembersError): void {
    this.tracker.failed(outcome, attemptAt, error.message);
    if (!this.stopped) this.onError(error);
  }
}
