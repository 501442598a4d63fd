// Fakes shared by the candidate page's tests: a MediaRecorder (localcopy.ts, recorded.ts), and the HTTP side of a
// tus server for the modules that upload through tus-js-client (uploads.ts, recorded.ts), whose requests each
// test's own server answers.
import type { HttpRequest, HttpResponse } from 'tus-js-client';
import { LOCAL_COPY_TYPE, type RecorderKind, type RecorderLike } from './localcopy';

/** A MediaRecorder that gives the chunks a test hands it, then its last chunk and 'stop' a moment after stop(). */
export class FakeRecorder implements RecorderLike {
  state: RecorderLike['state'] = 'inactive';
  timeslice: number | undefined;
  stopCalls = 0;
  answersStop = true;
  private readonly listeners: Record<string, ((e: { data: Blob }) => void)[]> = {};

  constructor(
    readonly options: MediaRecorderOptions,
    readonly last: Blob = new Blob(['last']),
  ) {}

  addEventListener(type: string, fn: (e: { data: Blob }) => void): void {
    (this.listeners[type] ??= []).push(fn);
  }

  emit(type: string, data?: Blob): void {
    for (const fn of this.listeners[type] ?? []) fn({ data: data ?? new Blob() });
  }

  start(timeslice?: number): void {
    this.state = 'recording';
    this.timeslice = timeslice;
  }

  stop(): void {
    this.stopCalls++;
    if (this.state === 'inactive') return;
    this.state = 'inactive';
    if (!this.answersStop) return;
    setTimeout(() => {
      this.emit('dataavailable', this.last);
      this.emit('stop');
    }, 10);
  }

  chunk(data: Blob | string): void {
    this.emit('dataavailable', typeof data === 'string' ? new Blob([data]) : data);
  }
}

/** A recorder kind that can record the page's WebM (when supported) and keeps every recorder it made. */
export function fakeRecorders(supported = true, last?: Blob): { kind: RecorderKind; made: FakeRecorder[] } {
  const made: FakeRecorder[] = [];
  const kind: RecorderKind = {
    isTypeSupported: (type) => supported && type === LOCAL_COPY_TYPE,
    create: (_stream, options) => {
      const r = new FakeRecorder(options, last);
      made.push(r);
      return r;
    },
  };
  return { kind, made };
}

/** What answers a fake request: the test's tus server. */
export interface TusHandler {
  handle(req: FakeRequest, body: unknown): Promise<HttpResponse>;
}

export class FakeRequest implements HttpRequest {
  readonly headers: Record<string, string> = {};
  progress: ((sent: number) => void) | undefined;
  onAbort: (() => void) | undefined;

  constructor(
    private readonly server: TusHandler,
    private readonly method: string,
    private readonly url: string,
  ) {}

  getMethod(): string {
    return this.method;
  }
  getURL(): string {
    return this.url;
  }
  setHeader(header: string, value: string): void {
    this.headers[header] = value;
  }
  getHeader(header: string): string | undefined {
    return this.headers[header];
  }
  setProgressHandler(handler: (bytesSent: number) => void): void {
    this.progress = handler;
  }
  send(body: unknown): Promise<HttpResponse> {
    return this.server.handle(this, body);
  }
  async abort(): Promise<void> {
    this.onAbort?.();
  }
  getUnderlyingObject(): unknown {
    return null;
  }
}

export class FakeResponse implements HttpResponse {
  constructor(
    private readonly status: number,
    private readonly headers: Record<string, string>,
    private readonly body = '',
  ) {}
  getStatus(): number {
    return this.status;
  }
  getHeader(header: string): string | undefined {
    return this.headers[header];
  }
  getBody(): string {
    return this.body;
  }
  getUnderlyingObject(): unknown {
    return null;
  }
}
