// The HTTP side of a fake tus server, for the tests of the modules that upload through tus-js-client (uploads.ts,
// recorded.ts): each test's server answers the requests its stack makes.
import type { HttpRequest, HttpResponse } from 'tus-js-client';

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
