// Recorded mode: where the page cannot stream live (no RTCPeerConnection, a
// network that blocks WebRTC), it records each answer itself and uploads it
// while it records. MediaRecorder gives VP8/Opus WebM in one-second chunks;
// each goes at once into a tus upload whose length is told with its last part,
// so the answer leaves the page as it is spoken and a closed tab loses only the
// last seconds. Stop ends the recording and then the upload; the last PATCH is
// answered once the server has checked and stored the answer. The page keeps
// time alone. Also here: the recordings of the device check and the practice
// question in this mode, which stay on the device and are only played back.
// Timers, recorder and HTTP transport are passed in, so the rules run under a
// fake clock, a fake recorder and a fake server in tests.

import { Upload, type DetailedError, type HttpStack } from 'tus-js-client';
import type { UploadTake } from './api';
import {
  browserRecorder,
  LOCAL_COPY_SLICE_MS,
  LOCAL_COPY_STOP_MS,
  LOCAL_COPY_TYPE,
  LOCAL_COPY_VIDEO_BPS,
  startLocalCopy,
  type LocalCopy,
  type RecorderKind,
  type RecorderLike,
} from './localcopy';
import { browserTimers, TICK_MS, type Timers } from './take';
import { messageOf, RETRY_FIRST_MS, RETRY_MAX_MS, SERVER_RETRIES } from './uploads';

/**
 * The most a PATCH waits for while recording: under half a second of video at the recorder's bitrate. A quieter
 * picture gives fewer bytes a second, so a part waits for most of one second's chunk instead, and what is left of
 * that chunk goes right after it: the answer leaves the page as the recorder gives it, a second at a time.
 */
export const RECORDED_CHUNK_SIZE = 128 * 1024;
/** The least a part waits for; less than this (a few hundredths of a second) goes with the next chunk. */
export const RECORDED_MIN_CHUNK_SIZE = 16 * 1024;
/**
 * The largest PATCH. What the page holds already goes at once, in one part up to this size, so catching up after
 * a dropped connection or on a slow uplink is not held up by round trips.
 */
export const RECORDED_MAX_CHUNK_SIZE = 4 * 1024 * 1024;

/** What the components show of a recorded take. */
export interface RecordedView {
  /** Seconds left to answer. */
  remaining: number;
  /** Bytes the recorder has given. */
  recorded: number;
  /** Bytes sent to the server. */
  sent: number;
  /** The connection dropped: the upload tries again by itself, the recording goes on. */
  waiting: boolean;
  /** Whether the camera still records. */
  recording: boolean;
}

/** How a recorded take ended. */
export type RecordedEnd =
  /** The whole answer arrived; the server checked and stored it. */
  | { by: 'page' }
  /**
   * The server no longer has the upload: it ended the take itself (no part for a minute: kept as far as it arrived,
   * interrupted) or stored it already. The session view says how.
   */
  | { by: 'server' }
  /** The server refused the answer, with its reason ('' when it gave none): nothing of this take is kept. */
  | { by: 'refused'; message: string };

export interface RecordedEvents {
  /** The clock, the recording or the upload moved. */
  change(view: RecordedView): void;
  /** Recording is over (Stop, the time is up, or the camera went away): the page waits for the upload. */
  uploading(): void;
  /** The take has ended; no event follows. */
  ended(end: RecordedEnd): void;
}

export interface RecordedOptions {
  /** The candidate's link token: it creates the upload (Authorization: Bearer). */
  token: string;
  /** How recorders are made; the browser's MediaRecorder by default. */
  recorder?: RecorderKind | null;
  timers?: Timers;
  /** The HTTP transport of tus-js-client; its own (XMLHttpRequest) by default. */
  httpStack?: HttpStack;
  /** How long the recorder's last chunk may take after Stop; the upload ends without it after that. */
  stopWithin?: number;
}

type State = 'idle' | 'recording' | 'uploading' | 'ended';

/**
 * One answer in recorded mode, from its first chunk to the server's verdict. start() after the server started the
 * take; stop() when the candidate is done; destroy() when the page goes away. Every timer it sets is cleared when
 * the take ends or is destroyed.
 */
export class RecordedTake {
  private state: State = 'idle';
  private recorder: RecorderLike | null = null;
  private upload: Upload | null = null;
  private body: ReadableStreamDefaultController<Blob> | null = null;
  private closed = false; // the recorder's last chunk is in the upload's input
  private recorded = 0;
  private sent = 0;
  private accepted = 0; // bytes the server has confirmed
  private wanted = RECORDED_MIN_CHUNK_SIZE; // what a part waits for when the page holds nothing: most of a chunk
  private waiting = false;
  private networkRetries = 0;
  private serverRetries = 0;
  private readonly totalMs: number;
  private remainingMs: number;
  private startedAt = 0;
  private readonly timers: Timers;
  private tickTimer: unknown;
  private stopTimer: unknown;
  private retryTimer: unknown;

  constructor(
    private readonly stream: MediaStream,
    readonly take: UploadTake,
    maxSeconds: number,
    private readonly events: RecordedEvents,
    private readonly options: RecordedOptions,
  ) {
    this.timers = options.timers ?? browserTimers;
    this.totalMs = Math.max(0, maxSeconds * 1000);
    this.remainingMs = this.totalMs;
  }

  get view(): RecordedView {
    return {
      remaining: this.remainingMs / 1000,
      recorded: this.recorded,
      sent: this.sent,
      waiting: this.waiting,
      recording: this.state === 'recording',
    };
  }

  /** Starts recording and uploading; false when the recorder would not start (nothing records). */
  start(): boolean {
    if (this.state !== 'idle') return false;
    const kind = this.options.recorder === undefined ? browserRecorder() : this.options.recorder;
    if (!kind || !kind.isTypeSupported(LOCAL_COPY_TYPE)) return false;
    // the upload reads what the recorder gives, as it gives it; tus-js-client reads a stream through its reader
    const input = new ReadableStream<Blob>({ start: (c) => void (this.body = c) });
    let recorder: RecorderLike;
    try {
      recorder = kind.create(this.stream, { mimeType: LOCAL_COPY_TYPE, videoBitsPerSecond: LOCAL_COPY_VIDEO_BPS });
      recorder.addEventListener('dataavailable', (e) => this.chunk(e.data));
      // a failing encoder or a camera gone: what was recorded is the answer, and the upload ends with it
      recorder.addEventListener('error', () => this.stop());
      recorder.addEventListener('stop', () => this.recorderStopped());
      recorder.start(LOCAL_COPY_SLICE_MS);
    } catch {
      return false;
    }
    this.recorder = recorder;
    this.upload = new Upload(input.getReader(), {
      endpoint: this.take.upload_url,
      uploadLengthDeferred: true,
      chunkSize: this.wanted, // the first part goes with the first chunk; fitChunk() sets the size of each next one
      retryDelays: null, // this take tries again itself, on its own timers, for as long as the page is open
      metadata: { answer: this.take.id },
      headers: { Authorization: `Bearer ${this.options.token}` },
      storeFingerprintForResuming: false, // the recording lives in this page only: nothing to resume after a reload
      ...(this.options.httpStack ? { httpStack: this.options.httpStack } : {}),
      onUploadUrlAvailable: () => {
        // The upload exists: from now on it is only ever resumed. Without an endpoint tus-js-client reports an
        // upload the server no longer has, rather than creating a new one that would lack the start of the answer.
        if (this.upload) this.upload.options.endpoint = null;
        this.setWaiting(false);
      },
      onBeforeRequest: () => {
        if (this.state === 'ended') throw new Error('the take has ended');
      },
      onAfterResponse: (req, res) => {
        // resuming: the server may hold part of the PATCH that was cut, and the next part starts from there
        const offset = Number.parseInt(res.getHeader('Upload-Offset') ?? '', 10);
        if (req.getMethod() === 'HEAD' && res.getStatus() === 200 && offset >= 0 && this.state !== 'ended') {
          this.accepted = this.sent = offset;
          this.fitChunk();
        }
      },
      onProgress: (bytes) => {
        if (this.state === 'ended') return;
        this.sent = Math.max(this.accepted, bytes);
        this.changed();
      },
      onChunkComplete: (_size, accepted) => {
        if (this.state === 'ended') return;
        this.accepted = this.sent = accepted;
        this.networkRetries = this.serverRetries = 0; // it moves again: a later failure starts afresh
        this.fitChunk();
        this.setWaiting(false);
      },
      onSuccess: () => this.end({ by: 'page' }),
      onError: (err) => this.failed(err as DetailedError),
    });
    this.state = 'recording';
    this.startedAt = this.timers.now();
    this.tickTimer = this.timers.setInterval(() => this.tick(), TICK_MS);
    this.upload.start();
    this.changed();
    return true;
  }

  /** Stop (or the time is up): the recorder gives its last chunk, and the upload ends with it. */
  stop(): void {
    if (this.state !== 'recording') return;
    this.recordingOver();
    // a recorder that never says it stopped still ends the upload, with what it gave
    this.stopTimer = this.timers.setTimeout(() => this.close(), this.options.stopWithin ?? LOCAL_COPY_STOP_MS);
    this.halt();
  }

  /**
   * The page goes away: recording and upload stop, timers are cleared. The upload is not ended: the server keeps
   * what arrived as an interrupted take once no part has come for a while.
   */
  destroy(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.clear();
    this.halt();
    if (this.upload) void Promise.resolve(this.upload.abort(false)).catch(() => {});
  }

  private chunk(data: Blob | undefined): void {
    if (this.closed || this.state === 'ended' || !data || data.size === 0) return;
    this.body?.enqueue(data);
    this.recorded += data.size;
    // most of a chunk: the next one is likely as large, so a part waiting for this much goes as it comes
    this.wanted = Math.min(RECORDED_CHUNK_SIZE, Math.max(RECORDED_MIN_CHUNK_SIZE, Math.floor((data.size * 3) / 4)));
    this.fitChunk();
    this.changed();
  }

  private recorderStopped(): void {
    if (this.state === 'ended') return;
    if (this.state === 'recording') this.recordingOver(); // stopped by itself: the camera went away
    this.close();
  }

  private recordingOver(): void {
    this.state = 'uploading';
    this.timers.clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.events.uploading();
    this.changed();
  }

  /** The recorder's last chunk is in: the upload learns its length and sends its last part. */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    try {
      this.body?.close();
    } catch {
      // closed already
    }
  }

  private halt(): void {
    try {
      if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    } catch {
      // stopped already
    }
  }

  private tick(): void {
    if (this.state !== 'recording') return;
    this.remainingMs = Math.max(0, this.totalMs - (this.timers.now() - this.startedAt));
    this.changed();
    if (this.remainingMs <= 0) this.stop();
  }

  /**
   * The size of the next part. tus-js-client reads it as the part starts, and a part waits until the recorder has
   * given that much (or has stopped): what the page holds goes at once (up to the largest part); when it holds
   * (almost) nothing, the part waits for most of the next chunk, and the rest of that chunk follows at once.
   */
  private fitChunk(): void {
    if (!this.upload) return;
    const held = this.recorded - this.accepted;
    this.upload.options.chunkSize = Math.min(RECORDED_MAX_CHUNK_SIZE, held >= RECORDED_MIN_CHUNK_SIZE ? held : held + this.wanted);
  }

  private setWaiting(waiting: boolean): void {
    if (this.waiting === waiting) return;
    this.waiting = waiting;
    this.changed();
  }

  /** An attempt failed: try again later, or end the take. */
  private failed(err: DetailedError): void {
    if (this.state === 'ended') return;
    const req = err.originalRequest as DetailedError['originalRequest'] | undefined;
    const res = err.originalResponse as DetailedError['originalResponse'] | undefined;
    const status = res?.getStatus() ?? 0;
    let wait: number;
    if (!req) {
      // not the network nor the server: the recording cannot be read on from where the server is
      this.end({ by: 'refused', message: '' });
      return;
    } else if (status === 0) {
      // no answer: the connection dropped; what reached the server stays there, the rest waits here
      wait = backoff(this.networkRetries++);
      this.setWaiting(true);
    } else if (status >= 500 || status === 409 || status === 423 || status === 429 || status < 400) {
      if (this.serverRetries >= SERVER_RETRIES) {
        this.end({ by: 'refused', message: messageOf(res?.getBody() ?? '') });
        return;
      }
      wait = backoff(this.serverRetries++);
    } else if (req.getMethod() === 'HEAD' || (status === 404 && req.getMethod() !== 'POST')) {
      // the server has no such upload any more: it kept the take as far as it arrived, or stored it
      this.end({ by: 'server' });
      return;
    } else {
      this.end({ by: 'refused', message: messageOf(res?.getBody() ?? '') });
      return;
    }
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state !== 'ended') this.upload?.start(); // resumes from the server's offset (HEAD)
    }, wait);
  }

  private end(end: RecordedEnd): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.clear();
    this.halt(); // refused or gone while recording: nothing more is wanted
    this.events.ended(end);
  }

  private clear(): void {
    this.timers.clearInterval(this.tickTimer);
    this.timers.clearTimeout(this.stopTimer);
    this.timers.clearTimeout(this.retryTimer);
    this.tickTimer = this.stopTimer = this.retryTimer = undefined;
  }

  private changed(): void {
    if (this.state !== 'ended') this.events.change(this.view);
  }
}

function backoff(tries: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** tries);
}

/** The percent of a recorded take's answer the server has, for the wait after Stop (never 100 before the end). */
export function uploadPercent(view: Pick<RecordedView, 'recorded' | 'sent'>): number {
  if (view.recorded <= 0) return 0;
  return Math.min(99, Math.floor((view.sent / view.recorded) * 100));
}

export interface LocalEvents {
  /** Seconds left. */
  tick(remaining: number): void;
  /** The recording, or null when there is none (the recorder failed); no event follows. */
  done(video: Blob | null): void;
}

/**
 * A recording that stays on this device, to be played back: the device check's test and the practice question in
 * recorded mode. It stops by itself after its seconds.
 */
export class LocalRecording {
  private copy: LocalCopy | null = null;
  private state: 'idle' | 'recording' | 'stopping' | 'ended' = 'idle';
  private startedAt = 0;
  private timer: unknown;
  private readonly totalMs: number;

  constructor(
    private readonly stream: MediaStream,
    seconds: number,
    private readonly events: LocalEvents,
    private readonly kind: RecorderKind | null = browserRecorder(),
    private readonly timers: Timers = browserTimers,
  ) {
    this.totalMs = Math.max(0, seconds * 1000);
  }

  /** Starts recording; false when this browser's recorder would not start. */
  start(): boolean {
    if (this.state !== 'idle') return false;
    this.copy = startLocalCopy(this.stream, this.kind);
    if (!this.copy) return false;
    this.state = 'recording';
    this.startedAt = this.timers.now();
    this.timer = this.timers.setInterval(() => {
      const left = Math.max(0, this.totalMs - (this.timers.now() - this.startedAt));
      this.events.tick(left / 1000);
      if (left <= 0) void this.stop();
    }, TICK_MS);
    this.events.tick(this.totalMs / 1000);
    return true;
  }

  /** Stops recording; done() follows with the recording. */
  async stop(): Promise<void> {
    if (this.state !== 'recording' || !this.copy) return;
    this.state = 'stopping';
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
    const video = await this.copy.stop();
    if (this.state !== 'stopping') return; // destroyed meanwhile
    this.state = 'ended';
    this.events.done(video);
  }

  /** The page goes away: the recording is dropped. */
  destroy(): void {
    this.state = 'ended';
    this.timers.clearInterval(this.timer);
    this.timer = undefined;
    this.copy?.discard();
  }
}
