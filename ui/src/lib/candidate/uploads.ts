// The queue of local copies on their way to the server (tus, resumable). One
// copy is sent at a time, and none while a take records: a live take has the
// uplink to itself. A copy resumes from the server's offset after a dropped
// connection or a pause. A copy the server refuses is reported and dropped (the
// live recording stays the answer); a copy that arrived is dropped from memory.
// Timers and the HTTP transport are passed in, so the rules run under a fake
// clock and a fake server in tests.

import { Upload, type DetailedError, type HttpStack } from 'tus-js-client';
import { browserTimers, type TakeEnd, type Timers } from './take';

/** Where the server takes copies (tus 1.0.0). */
export const UPLOAD_ENDPOINT = '/api/takeone/uploads/';
/** Bytes per PATCH: a lost connection costs at most one chunk. */
export const CHUNK_SIZE = 8 * 1024 * 1024;
/** The first wait before trying again; each further try waits twice as long, up to RETRY_MAX_MS. */
export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 30_000;
/**
 * How many times an answer of the server that may change (5xx, 409, 423, 429) is tried again before the copy is
 * given up. A lost connection is tried again for as long as the page is open: the copy resumes where it stopped.
 */
export const SERVER_RETRIES = 5;

type UploadOptions = NonNullable<ConstructorParameters<typeof Upload>[1]>;
type UrlStorage = NonNullable<UploadOptions['urlStorage']>;
type PreviousUpload = Awaited<ReturnType<UrlStorage['findAllUploads']>>[number];

/** A copy on its way: bytes the server has (or is receiving) of its size. */
export interface PendingUpload {
  answer: string;
  sent: number;
  total: number;
}

/** A copy the server refused, with its reason: the live recording of that answer stays. */
export interface RefusedUpload {
  answer: string;
  message: string;
}

/** What the components show. */
export interface UploadsView {
  /** Copies still to send, the one being sent first. */
  pending: PendingUpload[];
  /** Bytes sent and to send, over every pending copy. */
  sent: number;
  total: number;
  /** A take records: nothing is sent until it has ended. */
  held: boolean;
  refused: RefusedUpload[];
}

export interface UploadQueueOptions {
  /** The candidate's link token: it creates uploads (Authorization: Bearer). */
  token: string;
  endpoint?: string;
  timers?: Timers;
  /** The HTTP transport of tus-js-client; its own (XMLHttpRequest) by default. */
  httpStack?: HttpStack;
  chunkSize?: number;
}

interface Item extends PendingUpload {
  copy: Blob;
  upload: Upload | null; // the latest attempt (its url is the copy's on the server)
  attempt: number; // each start of the copy has its own number: answers of an earlier one are ignored
  serverRetries: number;
  networkRetries: number;
  offsetAtError: number; // how far the copy had got at the last lost connection
}

/** Upload URLs of the copies this page sends, by fingerprint: kept in memory, like the copies themselves. */
class MemoryUrlStorage implements UrlStorage {
  private readonly entries = new Map<string, { fingerprint: string; upload: PreviousUpload }>();
  private next = 0;

  async findAllUploads(): Promise<PreviousUpload[]> {
    return [...this.entries.values()].map((e) => e.upload);
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    return [...this.entries.values()].filter((e) => e.fingerprint === fingerprint).map((e) => e.upload);
  }

  async removeUpload(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    const key = `takeone-upload-${this.next++}`;
    this.entries.set(key, { fingerprint, upload: { ...upload, urlStorageKey: key } });
    return key;
  }
}

export class UploadQueue {
  private readonly items: Item[] = [];
  private readonly refused: RefusedUpload[] = [];
  private readonly listeners = new Set<(view: UploadsView) => void>();
  private readonly storage = new MemoryUrlStorage();
  private readonly timers: Timers;
  private readonly endpoint: string;
  private held = false;
  private active: Item | null = null;
  private retryTimer: unknown;
  private attempts = 0;
  private destroyed = false;

  constructor(private readonly options: UploadQueueOptions) {
    this.timers = options.timers ?? browserTimers;
    // tus-js-client resolves the server's Location against the endpoint, which must be absolute
    this.endpoint = options.endpoint ?? new URL(UPLOAD_ENDPOINT, globalThis.location?.href).href;
  }

  /** Queues the copy of an answer; it is sent when no take records and the copies before it have gone. */
  add(answer: string, copy: Blob): void {
    if (this.destroyed || copy.size === 0 || this.items.some((i) => i.answer === answer)) return;
    this.items.push({
      answer,
      copy,
      sent: 0,
      total: copy.size,
      upload: null,
      attempt: 0,
      serverRetries: 0,
      networkRetries: 0,
      offsetAtError: 0,
    });
    this.changed();
    this.next();
  }

  /** Drops the copy of an answer that is no longer wanted (a retake replaced it); the server's part is removed. */
  drop(answer: string): void {
    const item = this.items.find((i) => i.answer === answer);
    if (!item) return;
    const url = item.upload?.url;
    this.stopActive(item);
    this.remove(item);
    if (url) {
      // the server removes what it has of the copy (tus termination); it removes it after a day anyway
      const http = this.options.httpStack ? { httpStack: this.options.httpStack } : {};
      void Upload.terminate(url, { ...http, retryDelays: null }).catch(() => {});
    }
    this.changed();
    this.next();
  }

  /** A take starts recording: the copy being sent stops (it resumes later), none starts. */
  hold(): void {
    if (this.held) return;
    this.held = true;
    const item = this.active;
    // a copy wholly sent waits for the server's verdict: it uses no uplink, and stopping it would lose the verdict
    if (item && item.sent < item.total) this.stopActive(item);
    this.changed();
  }

  /** The take has ended: sending goes on. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.changed();
    this.next();
  }

  /** Whether copies are still to send. */
  get busy(): boolean {
    return this.items.length > 0;
  }

  get view(): UploadsView {
    const pending = this.items.map(({ answer, sent, total }) => ({ answer, sent, total }));
    return {
      pending,
      sent: pending.reduce((n, p) => n + p.sent, 0),
      total: pending.reduce((n, p) => n + p.total, 0),
      held: this.held,
      refused: [...this.refused],
    };
  }

  /** Calls fn with the view now and at each change; returns the function that stops it. */
  subscribe(fn: (view: UploadsView) => void): () => void {
    this.listeners.add(fn);
    fn(this.view);
    return () => this.listeners.delete(fn);
  }

  /** The page goes away: the copy being sent stops, timers are cleared, copies are dropped. */
  destroy(): void {
    this.destroyed = true;
    if (this.active) this.stopActive(this.active);
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.items.length = 0;
    this.listeners.clear();
  }

  private changed(): void {
    if (this.destroyed) return;
    const view = this.view;
    for (const fn of this.listeners) fn(view);
  }

  private remove(item: Item): void {
    const i = this.items.indexOf(item);
    if (i >= 0) this.items.splice(i, 1);
    if (this.active === item) this.active = null;
  }

  /** Stops the copy being sent; what the server has of it stays, to resume from. */
  private stopActive(item: Item): void {
    if (this.active !== item) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    item.attempt = ++this.attempts; // whatever the stopped attempt still says is ignored
    this.active = null;
    if (item.upload) void Promise.resolve(item.upload.abort(false)).catch(() => {});
  }

  /** Starts the first copy, if none is being sent and no take records. */
  private next(): void {
    if (this.destroyed || this.held || this.active || this.retryTimer !== undefined) return;
    const item = this.items[0];
    if (!item) return;
    this.active = item;
    void this.send(item);
  }

  private async send(item: Item): Promise<void> {
    const attempt = (item.attempt = ++this.attempts);
    const current = () => !this.destroyed && this.active === item && item.attempt === attempt;
    const upload = new Upload(item.copy, {
      endpoint: this.endpoint,
      chunkSize: this.options.chunkSize ?? CHUNK_SIZE,
      retryDelays: null, // this queue tries again itself, on its own timers
      metadata: { answer: item.answer },
      headers: { Authorization: `Bearer ${this.options.token}` },
      fingerprint: async () => `takeone-answer-${item.answer}-${item.copy.size}`,
      urlStorage: this.storage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      ...(this.options.httpStack ? { httpStack: this.options.httpStack } : {}),
      onProgress: (sent, total) => {
        if (!current()) return;
        item.sent = sent;
        item.total = total;
        this.changed();
      },
      onSuccess: () => {
        if (!current()) return;
        this.remove(item); // the answer holds the copy now; the page needs it no more
        this.changed();
        this.next();
      },
      onError: (err) => {
        if (current()) this.failed(item, err as DetailedError);
      },
    });
    item.upload = upload;
    try {
      // the server's URL of this copy, from an earlier attempt: the copy goes on from the server's offset
      const [previous] = await upload.findPreviousUploads();
      if (previous) upload.resumeFromPreviousUpload(previous);
    } catch {
      // nothing to resume: a new upload
    }
    if (!current()) return;
    upload.start();
  }

  /** An attempt failed: try again later, or give the copy up. */
  private failed(item: Item, err: DetailedError): void {
    const status = err.originalResponse?.getStatus() ?? 0;
    const message = messageOf(err.originalResponse?.getBody() ?? '');
    let wait: number | undefined;
    if (!err.originalRequest) {
      wait = undefined; // not the network nor the server: the copy cannot be read, trying again changes nothing
    } else if (status === 0) {
      // no answer: the connection dropped; what reached the server stays there
      if (item.sent > item.offsetAtError) item.networkRetries = 0;
      item.offsetAtError = item.sent;
      wait = backoff(item.networkRetries++);
    } else if (status >= 500 || status === 409 || status === 423 || status === 429 || status < 400) {
      wait = item.serverRetries < SERVER_RETRIES ? backoff(item.serverRetries++) : undefined;
    }
    if (wait === undefined) {
      this.remove(item);
      this.refused.push({ answer: item.answer, message: message || err.message });
      this.changed();
      this.next();
      return;
    }
    this.active = null;
    this.changed();
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.next();
    }, wait);
  }
}

/**
 * After a take: queues its local copy unless the server said its live copy is whole (then the copy is dropped, and
 * nothing is uploaded: a candidate on a phone plan pays for every megabyte). A server that does not say, or a take
 * the server ended itself, is taken as not whole.
 */
export async function handOver(queue: UploadQueue, answer: string, copy: Promise<Blob | null>, end: TakeEnd): Promise<void> {
  const blob = await copy;
  // a take saved as failed has nothing to improve: the server has no answer for it
  if (blob && !(end.by === 'page' && (end.whole || end.status === 'failed'))) queue.add(answer, blob);
}

function backoff(tries: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** tries);
}

/** The server's reason in a tus error body ("ERR_TAKEONE_UPLOAD: The copy is …"), or "". */
export function messageOf(body: string): string {
  const text = body.trim();
  const m = /^ERR_[A-Z_]+:\s*(.*)$/s.exec(text);
  return (m ? m[1] : text.length <= 300 && !text.startsWith('<') ? text : '').trim();
}
