// Watches policy.source and the policy.data files and asks for a reload when their content
// changes (§3.3, live policy reload). The reload itself compiles off the main thread and swaps
// atomically; this class only decides when one is due.
import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export type PolicyWatchOutcome =
  | 'unchanged' // same content as the version last judged (a touch, an editor's swap file)
  | 'reloaded' // new content, accepted and serving
  | 'rejected'; // new content refused (compile error, bad data); the previous policy keeps serving

export interface PolicyWatcherOptions {
  /** policy.source: a directory of .rego, or a bundle / .wasm file. */
  readonly source: string;
  /** policy.data: static data files. */
  readonly dataFiles: readonly string[];
  /** Loads and swaps in the new version; false when it was refused. */
  readonly reload: () => Promise<boolean>;
  /** Editors and ConfigMap updates write in bursts; one reload follows the last event. */
  readonly debounceMs?: number;
  /** Re-hash this often even without events (network mounts lose them); 0 disables it. */
  readonly recheckIntervalMs?: number;
  /** A watch could not be set up; the periodic re-hash still notices changes. */
  readonly onWatchError?: (err: Error) => void;
}

const DEFAULT_DEBOUNCE_MS = 150;
const DEFAULT_RECHECK_MS = 10_000;

export class PolicyWatcher {
  private readonly source: string;
  private readonly dataFiles: readonly string[];
  private readonly watchers: FSWatcher[] = [];
  private debounceTimer: ReturnType<typeof setTimeout> | undefined;
  private recheckTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  /** Fingerprint of the content last judged, good or bad: the same bytes are never judged twice. */
  private lastFingerprint: string | undefined;
  private checking: Promise<PolicyWatchOutcome> = Promise.resolve('unchanged');

  constructor(private readonly options: PolicyWatcherOptions) {
    this.source = resolve(options.source);
    this.dataFiles = options.dataFiles.map((f) => resolve(f));
  }

  /** Fingerprints what is serving now (loaded at start) and starts watching. */
  async start(): Promise<void> {
    this.stopped = false;
    this.lastFingerprint = await this.fingerprint();
    if (this.stopped) return;
    const isDirectory = await stat(this.source).then((s) => s.isDirectory(), () => false);
    if (isDirectory) await this.watchTree(this.source);
    // Directories, not files: a save-by-rename or a ConfigMap `..data` symlink swap replaces the
    // file, and a watch on the old inode goes quiet. Any event in them is cheap: it costs a hash.
    const dirs = new Set(this.dataFiles.map((f) => dirname(f)));
    if (!isDirectory) dirs.add(dirname(this.source));
    for (const dir of dirs) this.watchPath(dir, false);
    this.scheduleRecheck();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers.splice(0)) w.close();
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    if (this.recheckTimer !== undefined) clearTimeout(this.recheckTimer);
    this.debounceTimer = undefined;
    this.recheckTimer = undefined;
    await this.checking;
  }

  /** Re-hashes now and reloads when the content changed; watch events land here after a quiet period. */
  check(): Promise<PolicyWatchOutcome> {
    const next = this.checking.then(() => this.checkNow());
    this.checking = next;
    return next;
  }

  private async checkNow(): Promise<PolicyWatchOutcome> {
    if (this.stopped) return 'unchanged';
    const fingerprint = await this.fingerprint();
    if (fingerprint === this.lastFingerprint) return 'unchanged';
    this.lastFingerprint = fingerprint;
    return (await this.options.reload()) ? 'reloaded' : 'rejected';
  }

  private async watchTree(dir: string): Promise<void> {
    try {
      this.watchers.push(this.attach(watch(dir, { recursive: true, persistent: false }, () => { this.scheduleCheck(); })));
      return;
    } catch (err: unknown) {
      // Recursive watches are missing on some platforms (and older Linux Node): one per directory.
      if (!(err instanceof Error && 'code' in err && err.code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM')) {
        this.options.onWatchError?.(err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
    for (const sub of await directoriesUnder(dir)) this.watchPath(sub, false);
  }

  private watchPath(dir: string, recursive: boolean): void {
    try {
      this.watchers.push(this.attach(watch(dir, { recursive, persistent: false }, () => { this.scheduleCheck(); })));
    } catch (err: unknown) {
      this.options.onWatchError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private attach(watcher: FSWatcher): FSWatcher {
    watcher.on('error', (err: Error) => { this.options.onWatchError?.(err); });
    return watcher;
  }

  private scheduleCheck(): void {
    if (this.stopped) return;
    if (this.debounceTimer !== undefined) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.check();
    }, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
    this.debounceTimer.unref();
  }

  private scheduleRecheck(): void {
    const interval = this.options.recheckIntervalMs ?? DEFAULT_RECHECK_MS;
    if (this.stopped || interval <= 0) return;
    this.recheckTimer = setTimeout(() => { void this.check().then(() => { this.scheduleRecheck(); }); }, interval);
    this.recheckTimer.unref();
  }

  /** Names and contents of every input of a policy build: the .rego files (or the bundle) and the data files. */
  private async fingerprint(): Promise<string> {
    const hash = createHash('sha256');
    const files = (await stat(this.source).then((s) => s.isDirectory(), () => false))
      ? await regoFilesUnder(this.source)
      : [this.source];
    for (const file of [...files, ...this.dataFiles]) {
      hash.update(file).update('\0');
      // An unreadable file is part of the state too: its return (same bytes) must count as a change.
      const content = await readFile(file).catch(() => null);
      hash.update(content === null ? '\u0001unreadable' : `${content.length}\0`);
      if (content !== null) hash.update(content);
      hash.update('\0');
    }
    return hash.digest('hex');
  }
}

async function directoriesUnder(dir: string): Promise<string[]> {
  const out = [dir];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isDirectory()) out.push(...(await directoriesUnder(join(dir, entry.name))));
  }
  return out;
}

/** The same selection the compiler reads (`*_test.rego` excluded), sorted for a stable hash. */
async function regoFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await regoFilesUnder(full)));
    else if (entry.isFile() && entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego')) out.push(full);
  }
  return out.sort();
}
