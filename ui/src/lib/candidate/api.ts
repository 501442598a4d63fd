// The candidate routes of the server (see docs/API.md). The candidate page uses
// plain fetch: it has no account, and its personal token is its only key.

import type { AnswerStatus } from '../enums';

export type LinkState = 'open' | 'completed' | 'expired' | 'withdrawn' | 'closed';

export interface TakeView {
  id: string;
  take: number;
  status: AnswerStatus;
  duration_ms: number;
  submitted: boolean;
  video_url: string;
}

export interface QuestionView {
  id: string;
  prompt: string;
  video_url: string;
  answer_seconds: number;
  think_seconds: number;
  retakes: number;
  takes_left: number;
  submitted: boolean;
  takes: TakeView[];
}

export interface SessionView {
  state: LinkState;
  message?: string;
  interview: {
    title: string;
    description: string;
    welcome_text: string;
    closing_text: string;
    brand_color: string;
    logo_url: string;
    welcome_video_url: string;
  };
  candidate: {
    name: string;
    deadline: string;
    extra_time_percent: number;
    consented: boolean;
  };
  questions: QuestionView[];
  practice: { answer_seconds: number };
  retention_days: number;
  live?: { id: string; practice: boolean };
}

/** A take the server started: where to publish it and for how long at most. */
export interface StartedTake {
  id: string;
  whip_url: string;
  whip_token: string;
  max_seconds: number;
}

/**
 * A take the page records itself and uploads while it records (recorded mode: no WebRTC): the answer's id, its
 * limit, and the tus endpoint that takes it.
 */
export interface UploadTake {
  id: string;
  transport: 'upload';
  max_seconds: number;
  upload_url: string;
}

/** The camera's picture as the take starts (the video track's settings): the server judges the live copy by it. */
export interface CameraSettings {
  width: number;
  height: number;
  frame_rate: number;
}

/** An error answer of the server, with its status and its message for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** status 0: the server could not be reached at all. */
export const OFFLINE = 0;

export class SessionApi {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly practiceVideo: (takeId: string) => string;

  /** The candidate's routes, keyed by their link's token. */
  constructor(token: string);
  /** The same routes elsewhere: the team's preview, with the member's sign-in. */
  constructor(token: string, base: string, headers: Record<string, string>, practiceVideo: (takeId: string) => string);
  constructor(token: string, base?: string, headers?: Record<string, string>, practiceVideo?: (takeId: string) => string) {
    this.base = base ?? `/api/takeone/session/${encodeURIComponent(token)}`;
    this.headers = headers ?? {};
    this.practiceVideo = practiceVideo ?? ((id) => `${this.base}/practice/${encodeURIComponent(id)}/video`);
  }

  /** The preview of an interview for a team member: the real page, nothing stored. */
  static preview(interviewId: string, authToken: string): SessionApi {
    return new SessionApi(
      '',
      `/api/takeone/interviews/${encodeURIComponent(interviewId)}/preview`,
      { Authorization: authToken },
      (id) => `/api/takeone/preview/takes/${encodeURIComponent(id)}/video`,
    );
  }

  view(): Promise<SessionView> {
    return this.call('GET', '');
  }

  consent(): Promise<void> {
    return this.call('POST', '/consent');
  }

  claim(tab: string): Promise<void> {
    return this.call('POST', '/claim', { tab });
  }

  endLiveTake(): Promise<void> {
    return this.call('DELETE', '/live');
  }

  /** Starts a take; camera (when known) tells the server what a whole live copy looks like. */
  startTake(questionId: string, camera?: CameraSettings): Promise<StartedTake> {
    return this.call('POST', `/questions/${encodeURIComponent(questionId)}/takes`, camera ? { camera } : undefined);
  }

  /** Starts a take that the page records and uploads itself (no WebRTC); camera as for startTake. */
  async startUpload(questionId: string, camera?: CameraSettings): Promise<UploadTake> {
    const started = await this.call<Partial<UploadTake>>(
      'POST',
      `/questions/${encodeURIComponent(questionId)}/takes`,
      camera ? { transport: 'upload', camera } : { transport: 'upload' },
    );
    if (started.transport !== 'upload' || !started.id || !started.upload_url) {
      // a server that does not know this transport started a live take: end it, nothing records
      await this.endLiveTake().catch(() => {});
      throw new ApiError(501, '');
    }
    return started as UploadTake;
  }

  startPractice(): Promise<StartedTake> {
    return this.call('POST', '/practice');
  }

  submit(answerId: string): Promise<{ completed: boolean }> {
    return this.call('POST', `/answers/${encodeURIComponent(answerId)}/submit`);
  }

  practiceVideoURL(takeId: string): string {
    return this.practiceVideo(takeId);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(OFFLINE, '');
    }
    if (!res.ok) {
      throw new ApiError(res.status, await messageOf(res));
    }
    if (res.status === 204) {
      return undefined as T;
    }
    return (await res.json()) as T;
  }
}

/** The message of a PocketBase-style error body ({"message": ...}), or "". */
export async function messageOf(res: Response): Promise<string> {
  try {
    const body: unknown = await res.json();
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') {
      return body.message;
    }
  } catch {
    // not JSON
  }
  return '';
}
