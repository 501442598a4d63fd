import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest, HttpStack } from 'tus-js-client';
import { FakeRequest, FakeResponse, type TusHandler } from './fakes.test-support';
import { CHUNK_SIZE, handOver, messageOf, RETRY_FIRST_MS, SERVER_RETRIES, UploadQueue, type UploadsView } from './uploads';

const ENDPOINT = 'https://takeone.test/api/takeone/uploads/';
const MiB = 1024 * 1024;

type Fault = 'network' | { status: number; body: string };

interface StoredUpload {
  length: number;
  offset: number;
  metadata: string;
}

/** A tus 1.0.0 server in memory, answering tus-js-client's requests as the server's upload routes do. */
class FakeTusServer implements HttpStack, TusHandler {
  readonly uploads = new Map<string, StoredUpload>();
  readonly log: string[] = [];
  readonly headers: Record<string, string>[] = [];
  /** Answers of the next requests of a method, in order, instead of the usual ones. */
  readonly faults: Record<string, Fault[]> = {};
  /** What the last PATCHes of the next copies are answered with once the server has checked them (204 after). */
  readonly verdicts: Fault[] = [];
  /** PATCHes wait for release() (or their abort, when `landed` bytes have reached the server). */
  stall = false;
  landed = 3 * MiB;
  private waiting: { release(): void } | null = null;
  private n = 0;

  getName(): string {
    return 'fake';
  }

  createRequest(method: string, url: string): HttpRequest {
    return new FakeRequest(this, method, url);
  }

  fail(method: string, ...faults: Fault[]): void {
    (this.faults[method] ??= []).push(...faults);
  }

  /** Whether a PATCH is waiting; release() answers it. */
  get stalled(): boolean {
    return this.waiting !== null;
  }

  release(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.release();
  }

  /** Bytes the server holds of all uploads it still keeps, and of the copies it took. */
  received = 0;

  async handle(req: FakeRequest, body: unknown): Promise<FakeResponse> {
    const method = req.getMethod();
    const id = req.getURL().startsWith(ENDPOINT) ? req.getURL().slice(ENDPOINT.length) : '';
    this.log.push(method === 'PATCH' ? `PATCH ${id} @${req.getHeader('Upload-Offset')}` : `${method} ${id}`.trim());
    this.headers.push({ ...req.headers });
    const fault = this.faults[method]?.shift();
    if (fault === 'network') throw new Error('network down');
    if (fault) return new FakeResponse(fault.status, {}, fault.body);
    switch (method) {
      case 'POST': {
        const upload = `u${++this.n}`;
        this.uploads.set(upload, {
          length: Number(req.getHeader('Upload-Length')),
          offset: 0,
          metadata: req.getHeader('Upload-Metadata') ?? '',
        });
        return new FakeResponse(201, { Location: `/api/takeone/uploads/${upload}` });
      }
      case 'HEAD': {
        const u = this.uploads.get(id);
        if (!u) return new FakeResponse(404, {});
        return new FakeResponse(200, { 'Upload-Offset': String(u.offset), 'Upload-Length': String(u.length) });
      }
      case 'PATCH': {
        const u = this.uploads.get(id);
        if (!u) return new FakeResponse(404, {});
        if (Number(req.getHeader('Upload-Offset')) !== u.offset) return new FakeResponse(409, {}, 'offset mismatch');
        const size = (body as Blob).size;
        if (this.stall) {
          req.progress?.(Math.min(this.landed, size));
          const delivered = await new Promise<boolean>((resolve) => {
            this.waiting = { release: () => resolve(true) };
            req.onAbort = () => {
              this.waiting = null;
              resolve(false);
            };
          });
          if (!delivered) {
            // the connection dropped with part of the chunk on the server, which keeps it
            u.offset += Math.min(this.landed, size);
            this.received += Math.min(this.landed, size);
            throw new Error('aborted');
          }
        }
        req.progress?.(size);
        u.offset += size;
        this.received += size;
        if (u.offset < u.length) return new FakeResponse(204, { 'Upload-Offset': String(u.offset) });
        this.uploads.delete(id); // checked, and stored or refused
        const v = this.verdicts.shift() ?? { status: 204, body: '' };
        if (v === 'network') throw new Error('network down');
        return new FakeResponse(v.status, { 'Upload-Offset': String(u.offset) }, v.body);
      }
      case 'DELETE':
        this.uploads.delete(id);
        return new FakeResponse(204, {});
    }
    return new FakeResponse(405, {});
  }
}

function copyOf(bytes: number): Blob {
  return new Blob([new Uint8Array(bytes)], { type: 'video/webm' });
}

function setup() {
  const server = new FakeTusServer();
  const queue = new UploadQueue({ token: 'tok123', endpoint: ENDPOINT, httpStack: server });
  const views: UploadsView[] = [];
  queue.subscribe((v) => views.push(v));
  return { server, queue, views, last: () => views[views.length - 1] };
}

/** Lets the queue and tus-js-client run their promises (no time passes). */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('UploadQueue', () => {
  it('creates the upload with the link token, the answer and the size, and sends the copy in 8 MiB chunks', async () => {
    const t = setup();
    t.queue.add('ans1', copyOf(20 * MiB));
    await settle();
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', `PATCH u1 @${CHUNK_SIZE}`, `PATCH u1 @${2 * CHUNK_SIZE}`]);
    const create = t.server.headers[0];
    expect(create['Authorization']).toBe('Bearer tok123');
    expect(create['Upload-Length']).toBe(String(20 * MiB));
    expect(create['Upload-Metadata']).toBe(`answer ${btoa('ans1')}`);
    expect(t.server.received).toBe(20 * MiB);
    // progress was seen, then the copy was dropped once it had arrived
    expect(t.views.some((v) => v.pending[0]?.sent === CHUNK_SIZE && v.pending[0]?.total === 20 * MiB)).toBe(true);
    expect(t.last()).toMatchObject({ pending: [], sent: 0, total: 0, refused: [] });
    expect(t.queue.busy).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends nothing while a take records, and everything after', async () => {
    const t = setup();
    t.queue.hold();
    t.queue.add('ans1', copyOf(MiB));
    t.queue.add('ans2', copyOf(MiB));
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.server.log).toEqual([]);
    expect(t.last()).toMatchObject({ held: true, sent: 0, total: 2 * MiB });
    expect(t.last().pending.map((p) => p.answer)).toEqual(['ans1', 'ans2']);
    t.queue.release();
    await settle();
    // one at a time, in order
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', 'POST', 'PATCH u2 @0']);
    expect(t.last()).toMatchObject({ held: false, pending: [] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the copy being sent when a take starts, and resumes from the offset the server has', async () => {
    const t = setup();
    t.server.stall = true;
    t.queue.add('ans1', copyOf(20 * MiB));
    await settle();
    expect(t.server.stalled).toBe(true);
    expect(t.last().pending[0].sent).toBe(3 * MiB);
    t.queue.hold(); // the connection of the PATCH is closed, 3 MiB reached the server
    await settle();
    expect(t.server.stalled).toBe(false);
    expect(t.server.uploads.get('u1')?.offset).toBe(3 * MiB);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0']);
    t.server.stall = false;
    t.queue.release();
    await settle();
    expect(t.server.log).toEqual([
      'POST',
      'PATCH u1 @0',
      'HEAD u1',
      `PATCH u1 @${3 * MiB}`,
      `PATCH u1 @${3 * MiB + CHUNK_SIZE}`,
      `PATCH u1 @${3 * MiB + 2 * CHUNK_SIZE}`,
    ]);
    expect(t.server.received).toBe(20 * MiB); // nothing was sent twice
    expect(t.last().pending).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a copy wholly sent wait for the verdict while a take starts', async () => {
    const t = setup();
    t.queue.add('ans1', copyOf(MiB));
    t.server.stall = true;
    t.server.landed = MiB; // every byte is out: the server checks the copy
    await settle();
    t.queue.hold();
    await settle();
    expect(t.server.stalled).toBe(true);
    t.server.release();
    await settle();
    expect(t.last()).toMatchObject({ pending: [], refused: [], held: true });
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0']);
  });

  it('tries again after a lost connection, from where the copy stopped', async () => {
    const t = setup();
    t.server.fail('PATCH', 'network', 'network');
    t.queue.add('ans1', copyOf(10 * MiB));
    await settle();
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0']);
    expect(t.queue.busy).toBe(true);
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS - 1);
    expect(t.server.log).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    // second failure: twice as long
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', 'HEAD u1', 'PATCH u1 @0']);
    await vi.advanceTimersByTimeAsync(2 * RETRY_FIRST_MS);
    await settle();
    expect(t.server.log).toEqual([
      'POST',
      'PATCH u1 @0',
      'HEAD u1',
      'PATCH u1 @0',
      'HEAD u1',
      'PATCH u1 @0',
      `PATCH u1 @${CHUNK_SIZE}`,
    ]);
    expect(t.last()).toMatchObject({ pending: [], refused: [] });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tries again after a server error, and a new upload when the server lost the old one', async () => {
    const t = setup();
    t.server.fail('POST', { status: 503, body: 'busy' });
    t.queue.add('ans1', copyOf(MiB));
    await settle();
    expect(t.server.log).toEqual(['POST']);
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS);
    await settle();
    expect(t.server.log).toEqual(['POST', 'POST', 'PATCH u1 @0']);
    expect(t.last().pending).toEqual([]);
  });

  it('drops a copy the server refuses, with its reason, and goes on with the next', async () => {
    const t = setup();
    t.server.verdicts.push({
      status: 422,
      body: 'ERR_TAKEONE_UPLOAD: The copy is not a VP8/Opus WebM video with picture, or it is damaged. The recording on the server is kept.\n',
    });
    t.queue.add('ans1', copyOf(MiB));
    t.queue.add('ans2', copyOf(MiB));
    await settle();
    expect(t.last().refused).toEqual([
      {
        answer: 'ans1',
        message: 'The copy is not a VP8/Opus WebM video with picture, or it is damaged. The recording on the server is kept.',
      },
    ]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', 'POST', 'PATCH u2 @0']); // never again
    expect(t.last().pending).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses at once on creation (413), and gives up a conflict after a few tries', async () => {
    const t = setup();
    t.server.fail('POST', { status: 413, body: 'ERR_TAKEONE_UPLOAD: The copy is 90 MB, more than an answer of this length can be (77 MB).' });
    const conflict = { status: 409, body: 'ERR_TAKEONE_UPLOAD: This take is still recording: upload its copy after Stop.' };
    t.server.fail('POST', ...Array.from({ length: SERVER_RETRIES + 1 }, () => conflict));
    t.queue.add('ans1', copyOf(MiB));
    t.queue.add('ans2', copyOf(MiB));
    await settle();
    expect(t.last().refused.map((r) => r.answer)).toEqual(['ans1']);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await settle();
    expect(t.server.log).toEqual(Array.from({ length: SERVER_RETRIES + 2 }, () => 'POST'));
    expect(t.last().refused).toEqual([
      { answer: 'ans1', message: 'The copy is 90 MB, more than an answer of this length can be (77 MB).' },
      { answer: 'ans2', message: 'This take is still recording: upload its copy after Stop.' },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops the copy of a take a retake replaced, and removes its part on the server', async () => {
    const t = setup();
    t.server.stall = true;
    t.queue.add('ans1', copyOf(20 * MiB));
    await settle();
    t.queue.drop('ans1');
    await settle();
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', 'DELETE u1']);
    expect(t.server.uploads.size).toBe(0);
    expect(t.last().pending).toEqual([]);
  });

  it('clears its timers and stops sending when the page goes away', async () => {
    const t = setup();
    t.server.fail('PATCH', 'network');
    t.queue.add('ans1', copyOf(MiB));
    await settle();
    expect(vi.getTimerCount()).toBe(1);
    t.queue.destroy();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0']);
  });
});

describe('handOver', () => {
  const whole = { by: 'page', status: 'complete', whole: true } as const;

  it('uploads nothing when the server says its live copy is whole', async () => {
    const t = setup();
    await handOver(t.queue, 'ans1', Promise.resolve(copyOf(MiB)), whole);
    await settle();
    expect(t.server.log).toEqual([]);
    expect(t.queue.busy).toBe(false);
  });

  it('uploads the copy when the live one is not whole, or the server did not say', async () => {
    const ends = [
      { by: 'page', status: 'complete', whole: false },
      { by: 'server' },
      { by: 'unknown' },
    ] as const;
    for (const [i, end] of ends.entries()) {
      const t = setup();
      t.queue.hold();
      await handOver(t.queue, `ans${i}`, Promise.resolve(copyOf(MiB)), end);
      expect(t.last().pending.map((p) => p.answer)).toEqual([`ans${i}`]);
      t.queue.destroy();
    }
  });

  it('uploads nothing for a take the server saved as failed', async () => {
    const t = setup();
    await handOver(t.queue, 'ans1', Promise.resolve(copyOf(MiB)), { by: 'page', status: 'failed', whole: false });
    expect(t.queue.busy).toBe(false);
  });

  it('has nothing to upload without a copy', async () => {
    const t = setup();
    await handOver(t.queue, 'ans1', Promise.resolve(null), { by: 'server' });
    expect(t.queue.busy).toBe(false);
  });
});

describe('messageOf', () => {
  it("reads the server's reason out of a tus error body", () => {
    expect(messageOf('ERR_TAKEONE_UPLOAD: This answer already holds your copy.\n')).toBe('This answer already holds your copy.');
    expect(messageOf('offset mismatch')).toBe('offset mismatch');
    expect(messageOf('<html><body>Bad gateway</body></html>')).toBe('');
    expect(messageOf('')).toBe('');
  });
});
