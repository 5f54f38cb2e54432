import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BundleMembersSource } from '../../src/members/bundle-members-source.js';
import { countBindings, MembersError } from '../../src/members/members-document.js';
import type { Timers } from '../../src/members/members-source.js';
import { writeTarGz } from '../../src/shared/tar.js';
import { MembersEvents } from './members-events.js';

const knownRoles = new Set(['Viewer', 'Editor', 'Admin']);
const enc = new TextEncoder();

function bundle(data: unknown, extra: { path: string; data: Uint8Array }[] = []): Uint8Array {
  return writeTarGz([{ path: 'data.json', data: enc.encode(JSON.stringify(data)) }, ...extra]);
}

const membersOf = (principal: string): unknown => ({ workspaces: { team: { members: [{ principal, roles: ['Editor'] }] } } });

interface Served {
  status: number;
  body: Uint8Array;
  etag: string | undefined;
  /** Send no content-length, so only the streaming limit can catch a large body. */
  chunked: boolean;
}

/** A bundle server on loopback that honours If-None-Match like an OPA bundle server does. */
class BundleServer {
  readonly requests: IncomingHttpHeaders[] = [];
  served: Served = { status: 200, body: new Uint8Array(), etag: undefined, chunked: false };
  private readonly server: Server = createServer((req, res) => {
    this.requests.push(req.headers);
    const { status, body, etag, chunked } = this.served;
    if (status === 200 && etag !== undefined && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/gzip' };
    if (etag !== undefined) headers['etag'] = etag;
    if (!chunked) headers['content-length'] = String(body.byteLength);
    res.writeHead(status, headers);
    if (chunked) {
      const half = Math.floor(body.byteLength / 2);
      res.write(body.subarray(0, half));
      res.end(body.subarray(half));
    } else {
      res.end(body);
    }
  });

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/bundles/members.tar.gz`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Timers whose callbacks run only when the test says so. */
class ManualTimers implements Timers {
  private nextId = 0;
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.pending.delete(handle);
  }
  /** Runs the pending timers scheduled for exactly `ms`. */
  fire(ms: number): number {
    let fired = 0;
    for (const [id, timer] of [...this.pending]) {
      if (timer.ms !== ms) continue;
      this.pending.delete(id);
      timer.callback();
      fired++;
    }
    return fired;
  }
}

describe('BundleMembersSource', () => {
  let server: BundleServer;
  let url: string;
  let source: BundleMembersSource | undefined;
  let events: MembersEvents;

  beforeEach(async () => {
    server = new BundleServer();
    url = await server.listen();
    events = new MembersEvents();
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await server.close();
  });

  function create(options: { maxBytes?: number; timers?: Timers; pollIntervalMs?: number } = {}): BundleMembersSource {
    source = new BundleMembersSource({ url, pollIntervalMs: options.pollIntervalMs ?? 60_000, knownRoles, timers: options.timers ?? new ManualTimers(), ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) });
    return source;
  }

  async function startWith(served: Partial<Served>, options: Parameters<typeof create>[0] = {}): Promise<BundleMembersSource> {
    server.served = { ...server.served, ...served };
    const created = create(options);
    await created.start(events.onUpdate, events.onError);
    return created;
  }

  it('loads /data.json from the bundle at start and reports the ETag as revision', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    const event = await events.next(0);
    assert.equal(event.kind === 'update' && countBindings(event.doc), 1);
    assert.equal(s.status().revision, '"v1"');
    assert.equal(s.status().lastOutcome, 'loaded');
  });

  it('sends If-None-Match and treats 304 as unchanged', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    await events.next(0);
    assert.equal(await s.pollOnce(), 'unchanged');
    assert.equal(server.requests[1]?.['if-none-match'], '"v1"');
    assert.equal(events.pending(), 0);
    assert.equal(s.status().revision, '"v1"');
  });

  it('applies a new bundle when the ETag changes', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    await events.next(0);
    server.served = { ...server.served, body: bundle(membersOf('bob@example.com')), etag: '"v2"' };
    assert.equal(await s.pollOnce(), 'loaded');
    const event = await events.next(0);
    assert.deepEqual(event.kind === 'update' && event.doc.workspaces.get('team'), [{ principal: 'bob@example.com', roles: ['Editor'] }]);
    assert.equal(s.status().revision, '"v2"');
  });

  it('skips an identical body from a server without ETags', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')) });
    await events.next(0);
    assert.equal(await s.pollOnce(), 'unchanged');
    assert.equal(server.requests[1]?.['if-none-match'], undefined);
    assert.equal(events.pending(), 0);
  });

  it('reads the §8.1 principals shape an NMP deployment serves', async () => {
    await startWith({ body: bundle({ authz: { principals: { 'alice@example.com': { workspaces: { team: ['Admin'] } } } } }) });
    const event = await events.next(0);
    assert.deepEqual(event.kind === 'update' && event.doc.workspaces.get('team'), [{ principal: 'alice@example.com', roles: ['Admin'] }]);
  });

  it('refuses an invalid bundle whole, keeps the last good data and judges it only once', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    await events.next(0);
    server.served = { ...server.served, body: bundle({ workspaces: { team: { members: [{ principal: 'eve', roles: ['Owner'] }] } } }), etag: '"v2"' };
    assert.equal(await s.pollOnce(), 'rejected');
    const event = await events.next(0);
    assert.ok(event.kind === 'error' && event.error instanceof MembersError);
    assert.deepEqual(event.error.problems.map((p) => [p.code, p.path]), [['unknown_role', 'workspaces.team.members[0].roles[0]']]);
    assert.equal(s.status().revision, '"v1"');
    assert.equal(s.status().rejectedUpdates, 1);
    // The bad bundle's ETag goes back to the server, which answers 304: no second report.
    assert.equal(await s.pollOnce(), 'rejected');
    assert.equal(server.requests[2]?.['if-none-match'], '"v2"');
    assert.equal(events.pending(), 0);
  });

  it('refuses a bundle without /data.json', async () => {
    const s = await startWith({ body: writeTarGz([{ path: 'other.json', data: enc.encode('{}') }]) });
    assert.equal((await events.next(0)).kind, 'error');
    assert.equal(s.status().lastOutcome, 'rejected');
    assert.equal(s.status().revision, null);
  });

  it('refuses a body that is not a gzipped tar', async () => {
    const s = await startWith({ body: enc.encode('{"workspaces": {}}') });
    const event = await events.next(0);
    assert.equal(event.kind === 'error' && event.error instanceof MembersError && event.error.code, 'members_invalid');
    assert.equal(s.status().lastOutcome, 'rejected');
  });

  it('refuses a data.json that is not JSON', async () => {
    await startWith({ body: writeTarGz([{ path: 'data.json', data: enc.encode('workspaces: {}') }]) });
    assert.equal((await events.next(0)).kind, 'error');
  });

  it('refuses a response larger than the limit, by declared length', async () => {
    const s = await startWith({ body: new Uint8Array(4096) }, { maxBytes: 1024 });
    assert.equal((await events.next(0)).kind, 'error');
    assert.equal(s.status().lastOutcome, 'rejected');
  });

  it('refuses a response larger than the limit while streaming it', async () => {
    const s = await startWith({ body: new Uint8Array(4096), chunked: true }, { maxBytes: 1024 });
    assert.equal((await events.next(0)).kind, 'error');
    assert.equal(s.status().lastOutcome, 'rejected');
  });

  it('keeps the last good data when the server answers an error status', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    await events.next(0);
    server.served = { ...server.served, status: 503 };
    assert.equal(await s.pollOnce(), 'unreachable');
    const event = await events.next(0);
    assert.equal(event.kind === 'error' && event.error instanceof MembersError && event.error.code, 'members_fetch_failed');
    assert.equal(s.status().revision, '"v1"');
  });

  it('keeps the last good data when the bundle URL is unreachable, and recovers', async () => {
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' });
    await events.next(0);
    await server.close();
    assert.equal(await s.pollOnce(), 'unreachable');
    assert.equal((await events.next(0)).kind, 'error');
    assert.equal(s.status().revision, '"v1"');
    assert.ok(s.status().lastError !== null);
    // A fresh server on the same port brings the URL back.
    server = new BundleServer();
    await server.listen(Number(new URL(url).port));
    server.served = { status: 200, body: bundle(membersOf('bob@example.com')), etag: '"v2"', chunked: false };
    assert.equal(await s.pollOnce(), 'loaded');
    assert.equal(s.status().lastError, null);
  });

  it('polls again after the interval and stops polling on stop', async () => {
    const timers = new ManualTimers();
    const s = await startWith({ body: bundle(membersOf('alice@example.com')), etag: '"v1"' }, { timers, pollIntervalMs: 30_000 });
    await events.next(0);
    assert.equal(server.requests.length, 1);
    server.served = { ...server.served, body: bundle(membersOf('bob@example.com')), etag: '"v2"' };
    assert.equal(timers.fire(30_000), 1);
    assert.equal((await events.next(5_000)).kind, 'update');
    assert.equal(server.requests.length, 2);
    await s.stop();
    assert.equal(timers.fire(30_000), 0);
  });
});
