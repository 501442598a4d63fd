import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  cameraOf,
  LOCAL_COPY_SLICE_MS,
  LOCAL_COPY_STOP_MS,
  LOCAL_COPY_TYPE,
  startLocalCopy,
  type RecorderKind,
} from './localcopy';
import { fakeRecorders } from './fakes.test-support';

function kind(supported = true) {
  const { kind: k, made } = fakeRecorders(supported);
  return { k, made };
}

const stream = {} as MediaStream;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('startLocalCopy', () => {
  it('records VP8/Opus WebM in one-second chunks and gives them as one file after stop', async () => {
    const { k, made } = kind();
    const copy = startLocalCopy(stream, k);
    expect(copy).not.toBeNull();
    const rec = made[0];
    expect(rec.options).toEqual({ mimeType: LOCAL_COPY_TYPE, videoBitsPerSecond: 2_500_000 });
    expect(rec.timeslice).toBe(LOCAL_COPY_SLICE_MS);
    rec.chunk('one ');
    rec.chunk('two ');
    const stopped = copy!.stop();
    await vi.advanceTimersByTimeAsync(10);
    const blob = await stopped;
    expect(blob?.type).toBe('video/webm');
    expect(await blob?.text()).toBe('one two last');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('records nothing in a browser without VP8/Opus WebM, or without MediaRecorder', () => {
    expect(startLocalCopy(stream, kind(false).k)).toBeNull();
    expect(startLocalCopy(stream, null)).toBeNull();
    const throwing: RecorderKind = {
      isTypeSupported: () => true,
      create: () => {
        throw new DOMException('no', 'NotSupportedError');
      },
    };
    expect(startLocalCopy(stream, throwing)).toBeNull();
  });

  it('gives the copy up quietly when the recorder fails', async () => {
    const { k, made } = kind();
    const copy = startLocalCopy(stream, k)!;
    made[0].chunk('one ');
    made[0].emit('error');
    expect(made[0].state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(10);
    expect(await copy.stop()).toBeNull();
  });

  it('gives no copy when the recorder stopped by itself (the camera went away)', async () => {
    const { k, made } = kind();
    const copy = startLocalCopy(stream, k)!;
    made[0].chunk('one ');
    made[0].emit('stop');
    expect(await copy.stop()).toBeNull();
  });

  it('gives no copy when the recorder does not finish in time', async () => {
    const { k, made } = kind();
    const copy = startLocalCopy(stream, k)!;
    made[0].answersStop = false;
    made[0].chunk('one ');
    const stopped = copy.stop();
    await vi.advanceTimersByTimeAsync(LOCAL_COPY_STOP_MS);
    expect(await stopped).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops what was recorded on discard', async () => {
    const { k, made } = kind();
    const copy = startLocalCopy(stream, k)!;
    made[0].chunk('one ');
    copy.discard();
    expect(made[0].stopCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(await copy.stop()).toBeNull();
  });
});

describe('cameraOf', () => {
  const withSettings = (settings: MediaTrackSettings) =>
    ({ getVideoTracks: () => [{ getSettings: () => settings }] }) as unknown as MediaStream;

  it("reads the camera's size and frame rate", () => {
    expect(cameraOf(withSettings({ width: 1280, height: 720, frameRate: 29.97003 }))).toEqual({
      width: 1280,
      height: 720,
      frame_rate: 29.97,
    });
  });

  it('says nothing when the browser does not tell', () => {
    expect(cameraOf(withSettings({ width: 640, height: 480 }))).toBeUndefined();
    expect(cameraOf({ getVideoTracks: () => [] } as unknown as MediaStream)).toBeUndefined();
  });
});
