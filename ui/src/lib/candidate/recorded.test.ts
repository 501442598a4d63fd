import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest, HttpStack } from 'tus-js-client';
import { FakeRequest, FakeResponse, fakeRecorders, type TusHandler } from './fakes.test-support';
import type { UploadTake } from './api';
import { LOCAL_COPY_SLICE_MS, LOCAL_COPY_STOP_MS, LOCAL_COPY_TYPE } from './localcopy';
import {
  LocalRecording,
  RECORDED_CHUNK_SIZE,
  RECORDED_MAX_CHUNK_SIZE,
  RECORDED_MIN_CHUNK_SIZE,
  RecordedTake,
  uploadPercent,
  type RecordedEnd,
  type RecordedView,
} from './recorded';
import { RETRY_FIRST_MS, SERVER_RETRIES } from './uploads';

const ENDPOINT = 'https://takeone.test/api/takeone/uploads/';
const KiB = 1024;

/** network: no answer; cut: the connection drops after that many bytes of the body reached the server. */
type Fault = 'network' | { cut: number } | { status: number; body: string };

interface StoredUpload {
  length: number | null; // null: told with the last part
  parts: Blob[];
  offset: number;
  metadata: string;
}

/** A tus 1.0.0 server in memory that takes uploads of a deferred length, as the server's upload routes do. */
class FakeTusServer implements HttpStack, TusHandler {
  readonly uploads = new Map<string, StoredUpload>();
  readonly log: string[] = [];
  readonly headers: Record<string, string>[] = [];
  readonly faults: Record<string, Fault[]> = {};
  /** The answer to the last PATCH, once the server has checked the answer (204 when unset). */
  verdict: 'network' | { status: number; body: string } | null = null;
  /** What the server stored: the whole answer, once its last part came and it was accepted. */
  stored: Blob | null = null;
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

  /** The sizes of the PATCHes sent so far. */
  readonly patchSizes: number[] = [];

  async handle(req: FakeRequest, body: unknown): Promise<FakeResponse> {
    const method = req.getMethod();
    const id = req.getURL().startsWith(ENDPOINT) ? req.getURL().slice(ENDPOINT.length) : '';
    const length = req.getHeader('Upload-Length');
    this.log.push(
      method === 'PATCH' ? `PATCH ${id} @${req.getHeader('Upload-Offset')}${length ? ` length ${length}` : ''}` : `${method} ${id}`.trim(),
    );
    this.headers.push({ ...req.headers });
    const fault = this.faults[method]?.shift();
    if (fault === 'network') throw new Error('network down');
    if (fault && 'cut' in fault) {
      const u = this.uploads.get(id);
      if (u && body instanceof Blob) {
        u.parts.push(body.slice(0, fault.cut));
        u.offset += fault.cut;
      }
      throw new Error('connection reset');
    }
    if (fault) return new FakeResponse(fault.status, {}, fault.body);
    switch (method) {
      case 'POST': {
        const upload = `u${++this.n}`;
        const deferred = req.getHeader('Upload-Defer-Length') === '1';
        this.uploads.set(upload, {
          length: deferred ? null : Number(req.getHeader('Upload-Length')),
          parts: [],
          offset: 0,
          metadata: req.getHeader('Upload-Metadata') ?? '',
        });
        return new FakeResponse(201, { Location: `/api/takeone/uploads/${upload}` });
      }
      case 'HEAD': {
        const u = this.uploads.get(id);
        if (!u) return new FakeResponse(404, {});
        const headers: Record<string, string> = { 'Upload-Offset': String(u.offset) };
        if (u.length === null) headers['Upload-Defer-Length'] = '1';
        else headers['Upload-Length'] = String(u.length);
        return new FakeResponse(200, headers);
      }
      case 'PATCH': {
        const u = this.uploads.get(id);
        if (!u) return new FakeResponse(404, {});
        if (Number(req.getHeader('Upload-Offset')) !== u.offset) return new FakeResponse(409, {}, 'offset mismatch');
        if (length !== undefined) u.length = Number(length);
        const part = body instanceof Blob ? body : new Blob([]);
        this.patchSizes.push(part.size);
        req.progress?.(part.size);
        u.parts.push(part);
        u.offset += part.size;
        if (u.length === null || u.offset < u.length) return new FakeResponse(204, { 'Upload-Offset': String(u.offset) });
        this.uploads.delete(id); // checked, and stored or refused
        const v = this.verdict ?? { status: 204, body: '' };
        if (v === 'network') throw new Error('network down');
        if (v.status === 204) this.stored = new Blob(u.parts);
        return new FakeResponse(v.status, { 'Upload-Offset': String(u.offset) }, v.body);
      }
    }
    return new FakeResponse(405, {});
  }

  /** Bytes the server holds of an upload in progress. */
  offsetOf(id: string): number {
    return this.uploads.get(id)?.offset ?? -1;
  }
}

/** A chunk of the given size, filled with one byte value, so that the order of what arrived can be checked. */
function bytes(size: number, fill: number): Blob {
  return new Blob([new Uint8Array(size).fill(fill)]);
}

function recorders(supported = true) {
  return fakeRecorders(supported, bytes(10 * KiB, 255));
}

const stream = {} as MediaStream;
const TAKE: UploadTake = { id: 'ans1', transport: 'upload', max_seconds: 60, upload_url: ENDPOINT };

function setup(maxSeconds = 60, supported = true) {
  const server = new FakeTusServer();
  const { kind, made } = recorders(supported);
  const views: RecordedView[] = [];
  const ends: RecordedEnd[] = [];
  let uploading = 0;
  const take = new RecordedTake(
    stream,
    TAKE,
    maxSeconds,
    {
      change: (v) => views.push(v),
      uploading: () => uploading++,
      ended: (e) => ends.push(e),
    },
    { token: 'tok123', recorder: kind, httpStack: server },
  );
  return {
    server,
    take,
    views,
    ends,
    uploading: () => uploading,
    rec: () => made[0],
    last: () => views[views.length - 1],
  };
}

/** Lets the take and tus-js-client run their promises (no time passes). */
async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 50; i++) await Promise.resolve();
  }
}

/** The recording as the recorder gave it, for comparing with what the server stored. */
async function same(a: Blob | null, parts: Blob[]): Promise<boolean> {
  if (!a) return false;
  const want = new Uint8Array(await new Blob(parts).arrayBuffer());
  const got = new Uint8Array(await a.arrayBuffer());
  return want.length === got.length && want.every((b, i) => b === got[i]);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RecordedTake', () => {
  it('records VP8/Opus WebM in one-second chunks and sends them while it records', async () => {
    const t = setup();
    expect(t.take.start()).toBe(true);
    const rec = t.rec();
    expect(rec.options).toEqual({ mimeType: LOCAL_COPY_TYPE, videoBitsPerSecond: 2_500_000 });
    expect(rec.timeslice).toBe(LOCAL_COPY_SLICE_MS);
    await settle();
    // the upload is made at once, its length left open, with the link token and the answer
    expect(t.server.log).toEqual(['POST']);
    const create = t.server.headers[0];
    expect(create['Upload-Defer-Length']).toBe('1');
    expect(create['Upload-Length']).toBeUndefined();
    expect(create['Authorization']).toBe('Bearer tok123');
    expect(create['Upload-Metadata']).toBe(`answer ${btoa('ans1')}`);
    // each second's chunk goes out as it comes: a part waits for most of it, and the rest follows at once
    rec.chunk(bytes(100 * KiB, 1));
    await settle();
    expect(t.server.offsetOf('u1')).toBe(100 * KiB);
    expect(t.server.patchSizes).toEqual([RECORDED_MIN_CHUNK_SIZE, 100 * KiB - RECORDED_MIN_CHUNK_SIZE]);
    rec.chunk(bytes(100 * KiB, 2));
    await settle();
    expect(t.server.offsetOf('u1')).toBe(200 * KiB);
    expect(t.server.patchSizes.slice(-2)).toEqual([75 * KiB, 25 * KiB]);
    rec.chunk(bytes(100 * KiB, 3));
    await settle();
    expect(t.server.offsetOf('u1')).toBe(300 * KiB);
    expect(t.last()).toMatchObject({ recording: true, recorded: 300 * KiB, sent: 300 * KiB, waiting: false });
    // a part waits for 128 KiB at most (about half a second at the recorder's bitrate), then the rest goes
    rec.chunk(bytes(400 * KiB, 4));
    await settle();
    rec.chunk(bytes(200 * KiB, 5));
    await settle();
    expect(t.server.patchSizes.slice(-2)).toEqual([RECORDED_CHUNK_SIZE, 200 * KiB - RECORDED_CHUNK_SIZE]);
    expect(t.server.offsetOf('u1')).toBe(900 * KiB);
    t.take.destroy();
  });

  it('ends the upload with the last chunk on Stop: its last part tells the length, and the server stores it', async () => {
    const t = setup();
    t.take.start();
    await settle();
    const rec = t.rec();
    const parts = [bytes(100 * KiB, 1), bytes(100 * KiB, 2), bytes(100 * KiB, 3)];
    for (const p of parts) rec.chunk(p);
    await settle();
    t.take.stop();
    expect(t.uploading()).toBe(1);
    expect(t.last().recording).toBe(false);
    expect(rec.stopCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    const total = 310 * KiB;
    // the last chunk goes as it comes; tus-js-client learns that the stream has ended after that part, and an empty
    // last part tells the length
    expect(t.server.log.slice(-2)).toEqual([`PATCH u1 @${300 * KiB}`, `PATCH u1 @${total} length ${total}`]);
    expect(t.server.log.filter((l) => l.includes('length'))).toHaveLength(1);
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(await same(t.server.stored, [...parts, rec.last])).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps time alone and stops at the limit', async () => {
    const t = setup(3);
    t.take.start();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.last().remaining).toBeCloseTo(2, 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.rec().stopCalls).toBe(1);
    expect(t.uploading()).toBe(1);
    expect(t.last()).toMatchObject({ remaining: 0, recording: false });
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes on recording while the connection is down, and sends everything once it is back', async () => {
    const t = setup();
    t.take.start();
    await settle();
    const rec = t.rec();
    const parts: Blob[] = [];
    const give = async (fill: number) => {
      const p = bytes(100 * KiB, fill);
      parts.push(p);
      rec.chunk(p);
      await settle();
    };
    await give(1);
    expect(t.server.offsetOf('u1')).toBe(100 * KiB);
    t.server.fail('PATCH', 'network');
    t.server.fail('HEAD', 'network', 'network');
    await give(2); // the first part fails
    expect(t.last().waiting).toBe(true);
    await give(3);
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS); // HEAD fails
    await settle();
    await give(4);
    await vi.advanceTimersByTimeAsync(2 * RETRY_FIRST_MS); // HEAD fails again
    await settle();
    expect(t.last()).toMatchObject({ waiting: true, recording: true, recorded: 400 * KiB });
    expect(t.server.offsetOf('u1')).toBe(100 * KiB);
    await give(5);
    await vi.advanceTimersByTimeAsync(4 * RETRY_FIRST_MS); // back
    await settle();
    expect(t.last().waiting).toBe(false);
    // what waited went in one part
    expect(t.server.offsetOf('u1')).toBe(500 * KiB);
    expect(t.server.patchSizes.at(-1)).toBe(400 * KiB);
    t.take.stop();
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(await same(t.server.stored, [...parts, rec.last])).toBe(true); // nothing lost, nothing twice
    expect(vi.getTimerCount()).toBe(0);
  });

  it('goes on from where a cut part stopped on the server', async () => {
    const t = setup();
    t.take.start();
    await settle();
    const rec = t.rec();
    const parts = [bytes(100 * KiB, 1), bytes(100 * KiB, 2), bytes(100 * KiB, 3)];
    rec.chunk(parts[0]);
    await settle();
    t.server.fail('PATCH', { cut: 30 * KiB });
    rec.chunk(parts[1]); // 30 KiB of its first part arrive
    await settle();
    rec.chunk(parts[2]);
    await settle();
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS);
    await settle();
    // the rest of what the page holds goes at once, from the server's offset
    expect(t.server.log.slice(-2)).toEqual(['HEAD u1', `PATCH u1 @${130 * KiB}`]);
    expect(t.server.offsetOf('u1')).toBe(300 * KiB);
    t.take.stop();
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(await same(t.server.stored, [...parts, rec.last])).toBe(true);
  });

  it('sends a long backlog in parts of at most 4 MiB', async () => {
    const t = setup();
    t.take.start();
    await settle();
    const rec = t.rec();
    t.server.fail('PATCH', 'network');
    rec.chunk(bytes(200 * KiB, 1));
    await settle();
    for (let i = 0; i < 20; i++) rec.chunk(bytes(300 * KiB, i + 2)); // 20 seconds without a connection
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS);
    await settle();
    // 6200 KiB waited: 4 MiB, then the rest
    expect(t.server.patchSizes).toEqual([RECORDED_MAX_CHUNK_SIZE, 6200 * KiB - RECORDED_MAX_CHUNK_SIZE]);
    expect(t.server.offsetOf('u1')).toBe(6200 * KiB);
    t.take.destroy();
  });

  it('waits for the upload after Stop for as long as the connection is down', async () => {
    const t = setup();
    t.take.start();
    await settle();
    const rec = t.rec();
    rec.chunk(bytes(300 * KiB, 1));
    await settle();
    t.server.fail('PATCH', ...Array.from({ length: 12 }, () => 'network' as const));
    t.take.stop();
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    for (let i = 0; i < 12; i++) {
      await vi.advanceTimersByTimeAsync(30_000);
      await settle();
    }
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(t.server.stored?.size).toBe(310 * KiB);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("shows the server's refusal", async () => {
    const t = setup();
    t.server.verdict = {
      status: 422,
      body: 'ERR_TAKEONE_UPLOAD: The recording is not a VP8/Opus WebM video with picture, or it is damaged.\n',
    };
    t.take.start();
    await settle();
    t.rec().chunk(bytes(50 * KiB, 1));
    t.take.stop();
    await vi.advanceTimersByTimeAsync(10);
    await settle();
    expect(t.ends).toEqual([{ by: 'refused', message: 'The recording is not a VP8/Opus WebM video with picture, or it is damaged.' }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends at once when the server refuses the upload while it records, and stops the camera', async () => {
    const t = setup();
    t.take.start();
    await settle();
    t.server.fail('PATCH', { status: 413, body: 'ERR_TAKEONE_UPLOAD: This answer is larger than an answer of its length can be.' });
    t.rec().chunk(bytes(200 * KiB, 1));
    await settle();
    expect(t.ends).toEqual([{ by: 'refused', message: 'This answer is larger than an answer of its length can be.' }]);
    expect(t.rec().state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(10); // the recorder's last chunk, which goes nowhere
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a server error up after a few tries', async () => {
    const t = setup();
    const busy = { status: 500, body: 'ERR_TAKEONE_UPLOAD: The recording could not be stored.' };
    t.server.fail('POST', ...Array.from({ length: SERVER_RETRIES + 1 }, () => busy));
    t.take.start();
    await settle();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    await settle();
    expect(t.server.log).toEqual(Array.from({ length: SERVER_RETRIES + 1 }, () => 'POST'));
    expect(t.ends).toEqual([{ by: 'refused', message: 'The recording could not be stored.' }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says the server ended the take when its upload is gone, and never makes a new one', async () => {
    const t = setup();
    t.take.start();
    await settle();
    t.rec().chunk(bytes(200 * KiB, 1));
    await settle();
    t.server.fail('PATCH', 'network');
    t.rec().chunk(bytes(200 * KiB, 2));
    await settle();
    t.server.uploads.clear(); // a minute without a part: the server kept what arrived
    await vi.advanceTimersByTimeAsync(RETRY_FIRST_MS);
    await settle();
    expect(t.server.log).toEqual(['POST', 'PATCH u1 @0', `PATCH u1 @${RECORDED_MIN_CHUNK_SIZE}`, `PATCH u1 @${200 * KiB}`, 'HEAD u1']);
    expect(t.ends).toEqual([{ by: 'server' }]);
    expect(t.rec().state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends the upload when the recorder stops by itself (the camera went away)', async () => {
    const t = setup();
    t.take.start();
    await settle();
    t.rec().chunk(bytes(50 * KiB, 1));
    t.rec().state = 'inactive';
    t.rec().emit('stop');
    await settle();
    expect(t.uploading()).toBe(1);
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(t.server.stored?.size).toBe(50 * KiB);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends the upload without the last chunk when the recorder does not finish', async () => {
    const t = setup();
    t.take.start();
    await settle();
    t.rec().answersStop = false;
    t.rec().chunk(bytes(50 * KiB, 1));
    t.take.stop();
    await vi.advanceTimersByTimeAsync(LOCAL_COPY_STOP_MS - 1);
    await settle();
    expect(t.ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(t.ends).toEqual([{ by: 'page' }]);
    expect(t.server.stored?.size).toBe(50 * KiB);
    // a chunk after that changes nothing
    t.rec().chunk(bytes(10, 1));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops recording and sending when the page goes away, and leaves the upload open for the server', async () => {
    const t = setup();
    t.take.start();
    await settle();
    t.rec().chunk(bytes(200 * KiB, 1));
    await settle();
    t.server.fail('PATCH', 'network');
    t.rec().chunk(bytes(200 * KiB, 1));
    await settle();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    const sent = t.server.log.length;
    t.take.destroy();
    expect(t.rec().stopCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(10); // the recorder's last chunk, which goes nowhere
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(t.server.log.some((l) => l.includes('length'))).toBe(false); // never told its length: not stored as whole
    expect(t.server.log).toHaveLength(sent);
    expect(t.ends).toEqual([]);
  });

  it('records nothing where the browser cannot record VP8/Opus WebM', () => {
    const t = setup(60, false);
    expect(t.take.start()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('uploadPercent', () => {
  it('counts what was sent of what was recorded, and says 100 only at the end', () => {
    expect(uploadPercent({ recorded: 0, sent: 0 })).toBe(0);
    expect(uploadPercent({ recorded: 1000, sent: 425 })).toBe(42);
    expect(uploadPercent({ recorded: 1000, sent: 1000 })).toBe(99);
  });
});

describe('LocalRecording', () => {
  it('records for its seconds and gives the recording to play back', async () => {
    const { kind, made } = recorders();
    const ticks: number[] = [];
    const done: (Blob | null)[] = [];
    const r = new LocalRecording(stream, 2, { tick: (s) => ticks.push(s), done: (v) => done.push(v) }, kind);
    expect(r.start()).toBe(true);
    made[0].chunk(new Blob(['one ']));
    await vi.advanceTimersByTimeAsync(2000);
    expect(made[0].stopCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(ticks[0]).toBe(2);
    expect(ticks[ticks.length - 1]).toBe(0);
    expect(done).toHaveLength(1);
    expect(done[0]?.size).toBe(4 + 10 * KiB);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops early on request, and drops the recording when the page goes away', async () => {
    const { kind, made } = recorders();
    const done: (Blob | null)[] = [];
    const r = new LocalRecording(stream, 30, { tick: () => {}, done: (v) => done.push(v) }, kind);
    r.start();
    void r.stop();
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toHaveLength(1);
    const again = new LocalRecording(stream, 30, { tick: () => {}, done: (v) => done.push(v) }, kind);
    again.start();
    again.destroy();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(made[1].stopCalls).toBe(1);
    expect(done).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cannot start without a recorder for VP8/Opus WebM', () => {
    const r = new LocalRecording(stream, 5, { tick: () => {}, done: () => {} }, recorders(false).kind);
    expect(r.start()).toBe(false);
  });
});
