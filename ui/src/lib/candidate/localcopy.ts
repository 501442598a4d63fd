// The page's own copy of a take: the same stream the WHIP sender sends,
// recorded with MediaRecorder at the camera's full quality while the take
// records. A poor network thins the live copy (smaller picture, lost frames);
// this one it cannot touch. After Stop it is uploaded unless the server says
// its live copy is whole. Anything going wrong here only costs the copy: the
// live recording is the answer.

/** What the server accepts: WebM with VP8 video and Opus sound. */
export const LOCAL_COPY_TYPE = 'video/webm;codecs=vp8,opus';
/** About the browsers' own default for 720p; the server's cap allows four times as much. */
export const LOCAL_COPY_VIDEO_BPS = 2_500_000;
/** Chunks arrive every second while recording, so a long take does not sit in the encoder until Stop. */
export const LOCAL_COPY_SLICE_MS = 1000;
/** How long the last chunk may take after Stop; a recorder that does not finish by then gives no copy. */
export const LOCAL_COPY_STOP_MS = 5000;

/** The members of MediaRecorder this module uses. */
export interface RecorderLike {
  readonly state: 'inactive' | 'recording' | 'paused';
  start(timeslice?: number): void;
  stop(): void;
  addEventListener(type: 'dataavailable', fn: (e: { data: Blob }) => void): void;
  addEventListener(type: 'error' | 'stop', fn: () => void): void;
}

/** How a recorder is made: the browser's MediaRecorder, or a test's. */
export interface RecorderKind {
  isTypeSupported(type: string): boolean;
  create(stream: MediaStream, options: MediaRecorderOptions): RecorderLike;
}

/** The browser's MediaRecorder, when it has one. */
export function browserRecorder(): RecorderKind | null {
  if (typeof MediaRecorder === 'undefined' || typeof MediaRecorder.isTypeSupported !== 'function') return null;
  return {
    isTypeSupported: (type) => MediaRecorder.isTypeSupported(type),
    create: (stream, options) => new MediaRecorder(stream, options) as unknown as RecorderLike,
  };
}

/** A local copy while it records. */
export interface LocalCopy {
  /** Stops recording; the copy, or null when there is none (the recorder failed or did not finish). */
  stop(): Promise<Blob | null>;
  /** Stops recording and drops what was recorded. */
  discard(): void;
}

/**
 * Starts recording a copy of the stream; null when this browser cannot record what the server accepts, or the
 * recorder would not start.
 */
export function startLocalCopy(
  stream: MediaStream,
  kind: RecorderKind | null = browserRecorder(),
  stopWithin = LOCAL_COPY_STOP_MS,
): LocalCopy | null {
  if (!kind || !kind.isTypeSupported(LOCAL_COPY_TYPE)) return null;
  let chunks: Blob[] = [];
  let failed = false;
  let stopping = false; // stop() was called
  let finished = false; // the recorder has stopped and given its last chunk
  let wake = () => {};
  let recorder: RecorderLike;
  try {
    recorder = kind.create(stream, { mimeType: LOCAL_COPY_TYPE, videoBitsPerSecond: LOCAL_COPY_VIDEO_BPS });
    recorder.addEventListener('dataavailable', (e) => {
      if (!failed && e.data && e.data.size > 0) chunks.push(e.data);
    });
    recorder.addEventListener('error', () => {
      // a failing encoder, a track that went away: the live copy is the answer
      failed = true;
      chunks = [];
      halt();
    });
    recorder.addEventListener('stop', () => {
      finished = true;
      if (!stopping) {
        // stopped by itself (the camera went away): the copy lacks the rest of the take
        failed = true;
        chunks = [];
      }
      wake();
    });
    recorder.start(LOCAL_COPY_SLICE_MS);
  } catch {
    return null;
  }

  function halt(): void {
    try {
      if (recorder.state !== 'inactive') recorder.stop();
    } catch {
      // stopped already
    }
  }

  return {
    async stop() {
      if (failed || stopping) return null;
      stopping = true;
      const done = finished
        ? Promise.resolve(true)
        : new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), stopWithin);
            wake = () => {
              clearTimeout(timer);
              resolve(true);
            };
          });
      halt();
      const complete = await done;
      if (failed || !complete || chunks.length === 0) {
        chunks = [];
        return null;
      }
      const copy = new Blob(chunks, { type: 'video/webm' });
      chunks = [];
      return copy;
    },
    discard() {
      stopping = true;
      failed = true;
      chunks = [];
      halt();
    },
  };
}

/** The camera's picture size and frame rate as the take starts, for the server to judge the live copy by. */
export function cameraOf(stream: MediaStream): { width: number; height: number; frame_rate: number } | undefined {
  const track = stream.getVideoTracks()[0];
  const settings = track && typeof track.getSettings === 'function' ? track.getSettings() : undefined;
  const { width, height, frameRate } = settings ?? {};
  if (!width || !height || !frameRate) return undefined;
  return { width: Math.round(width), height: Math.round(height), frame_rate: Math.round(frameRate * 100) / 100 };
}
