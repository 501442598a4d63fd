import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, OFFLINE } from './api';
import {
  countdown,
  LiveTake,
  progressOf,
  sleep,
  STALL_MS,
  type ClockView,
  type StatsLike,
  type TakeEnd,
  type TakeLink,
  type Timers,
} from './take';
import type { ServerClock } from './whip';

type Engine = 'chromium' | 'firefox' | 'safari';

/**
 * A peer connection that reports stats the way each engine does. While `flowing`, every read shows more packets
 * sent and more bytes and receiver reports from the server; otherwise the counters stand still.
 */
class FakePc {
  connectionState: RTCPeerConnectionState = 'connected';
  flowing = true;
  sending = true;
  private listeners = new Set<() => void>();
  private packets = 0;
  private received = 0;
  private reports = 0;

  constructor(private readonly engine: Engine) {}

  async getStats(): Promise<StatsLike> {
    if (this.sending) this.packets += 25;
    if (this.flowing) {
      this.received += 180;
      this.reports += 1;
    }
    return report(this.engine, this.packets, this.received, this.reports);
  }

  addEventListener(_: 'connectionstatechange', fn: () => void) {
    this.listeners.add(fn);
  }

  removeEventListener(_: 'connectionstatechange', fn: () => void) {
    this.listeners.delete(fn);
  }

  get listening(): number {
    return this.listeners.size;
  }

  set(state: RTCPeerConnectionState) {
    this.connectionState = state;
    for (const fn of this.listeners) fn();
  }
}

/** A getStats() report as each engine shapes it, with only the members that engine has. */
function report(engine: Engine, packets: number, received: number, reports: number): StatsLike {
  const stats: Record<string, unknown>[] = [
    { type: 'outbound-rtp', id: 'out-a', kind: 'audio', packetsSent: packets, bytesSent: packets * 90 },
    { type: 'outbound-rtp', id: 'out-v', kind: 'video', packetsSent: packets * 3, bytesSent: packets * 3000 },
    // a pair that was tried and lost: it must not count
    { type: 'candidate-pair', id: 'pair-old', state: 'failed', nominated: false, bytesReceived: 7 },
  ];
  const rr = (id: string) => ({
    type: 'remote-inbound-rtp',
    id,
    // the time the receiver report arrived, in ms; it moves only with a new report
    timestamp: 1_700_000_000_000 + reports * 1000,
    packetsLost: 0,
    roundTripTime: 0.012,
    ...(engine === 'firefox' ? {} : { roundTripTimeMeasurements: reports }),
  });
  stats.push(rr('rr-a'), rr('rr-v'));
  if (engine === 'firefox') {
    // no transport stats; the pair in use is marked on the pair itself
    stats.push({ type: 'candidate-pair', id: 'pair-1', state: 'succeeded', nominated: true, selected: true, bytesReceived: received });
  } else {
    stats.push(
      { type: 'transport', id: 'tr', selectedCandidatePairId: 'pair-1', bytesReceived: received },
      { type: 'candidate-pair', id: 'pair-1', state: 'succeeded', nominated: true, bytesReceived: received, packetsReceived: reports },
    );
  }
  const map = new Map(stats.map((s) => [s.id as string, s]));
  return map as unknown as StatsLike;
}

/** The server's side of a take: its clock runs while media arrives, like the page's. */
class FakeServer {
  state: ServerClock['state'] = 'recording';
  remaining: number;
  reachable = true;
  ended = false;
  hasClock = true;
  stopped = 0;
  polls = 0;
  whole: boolean | undefined = undefined; // what the DELETE says of the live copy (undefined: an older server)

  constructor(readonly limit: number) {
    this.remaining = limit;
  }

  async clock(): Promise<ServerClock> {
    this.polls++;
    if (!this.reachable) throw new ApiError(OFFLINE, '');
    if (!this.hasClock) throw new ApiError(404, 'No such API route.');
    if (this.ended) throw new ApiError(404, 'This take has ended.');
    return { state: this.state, limit_ms: this.limit, remaining_ms: this.remaining, recorded_ms: this.limit - this.remaining };
  }

  async stop(): Promise<{ id: string; status: 'complete'; whole?: boolean }> {
    this.stopped++;
    if (!this.reachable) throw new ApiError(OFFLINE, '');
    if (this.ended) throw new ApiError(404, 'This take has ended.');
    this.ended = true;
    return this.whole === undefined ? { id: 'a1', status: 'complete' } : { id: 'a1', status: 'complete', whole: this.whole };
  }
}

function setup(engine: Engine = 'firefox', seconds = 30) {
  const pc = new FakePc(engine);
  const server = new FakeServer(seconds * 1000);
  const restartIce = vi.fn(async () => !server.ended);
  const close = vi.fn();
  const link: TakeLink = {
    pc,
    clock: () => server.clock(),
    stop: () => server.stop(),
    restartIce,
    close,
  };
  const log: string[] = [];
  const ends: TakeEnd[] = [];
  let view: ClockView = { remaining: seconds, paused: false };
  const take = new LiveTake(link, seconds, {
    tick: (v) => (view = v),
    lost: () => log.push('lost'),
    back: () => log.push('back'),
    saving: () => log.push('saving'),
    ended: (e) => {
      log.push('ended');
      ends.push(e);
    },
  });
  return { pc, server, take, log, ends, restartIce, close, view: () => view };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('progressOf', () => {
  for (const engine of ['chromium', 'firefox', 'safari'] as const) {
    it(`sees media flow and stop in ${engine}'s stats`, () => {
      const a = progressOf(report(engine, 100, 5000, 3));
      const b = progressOf(report(engine, 125, 5180, 4));
      expect(b.sent).toBeGreaterThan(a.sent);
      expect(b.heard).not.toBe(a.heard);
      // nothing new: the same progress
      expect(progressOf(report(engine, 125, 5180, 4))).toEqual(b);
    });
  }

  it('sees what the server sends back without transport stats (Firefox)', () => {
    const a = progressOf(report('firefox', 100, 5000, 3));
    const b = progressOf(report('firefox', 100, 5180, 3));
    expect(b.heard).not.toBe(a.heard);
  });

  it('sees a new receiver report even when the pair is not found', () => {
    const only = (r: StatsLike) => {
      const m = new Map<string, unknown>();
      r.forEach((s) => {
        if (s.type !== 'candidate-pair' && s.type !== 'transport') m.set(s.id, s);
      });
      return m as unknown as StatsLike;
    };
    expect(progressOf(only(report('firefox', 1, 1, 1))).heard).not.toBe(progressOf(only(report('firefox', 1, 1, 2))).heard);
  });
});

describe('LiveTake', () => {
  for (const engine of ['chromium', 'firefox', 'safari'] as const) {
    it(`runs the clock undisturbed on a good network (${engine})`, async () => {
      const t = setup(engine);
      t.take.start();
      // the server's clock runs along with the page's
      const serverClock = setInterval(() => (t.server.remaining -= 100), 100);
      await vi.advanceTimersByTimeAsync(10_000);
      clearInterval(serverClock);
      expect(t.log).toEqual([]);
      expect(t.view().paused).toBe(false);
      expect(t.view().remaining).toBeCloseTo(20, 0);
      t.take.destroy();
    });
  }

  it('stops the clock after 1.5 s without progress, and goes on when media flows again', async () => {
    const t = setup('firefox', 30);
    t.server.hasClock = false; // the page's own rule alone
    t.take.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.view().remaining).toBeCloseTo(27, 0);
    t.pc.flowing = false;
    await vi.advanceTimersByTimeAsync(STALL_MS - 600);
    expect(t.log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost']);
    // the time it took to notice is given back
    expect(t.view().paused).toBe(true);
    const paused = t.view().remaining;
    expect(paused).toBeGreaterThan(26.4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.view().remaining).toBe(paused);
    t.pc.flowing = true;
    await vi.advanceTimersByTimeAsync(600);
    expect(t.log).toEqual(['lost', 'back']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.view().remaining).toBeLessThan(paused - 1.5);
    t.take.destroy();
  });

  it('counts a page that sends nothing as stalled, even when the server still answers', async () => {
    const t = setup('chromium');
    t.server.hasClock = false;
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.pc.sending = false;
    await vi.advanceTimersByTimeAsync(2100);
    expect(t.log).toEqual(['lost']);
    t.take.destroy();
  });

  it("shows the server's remaining time and counts down between its answers", async () => {
    const t = setup('firefox', 60);
    t.server.remaining = 42_000;
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.view().remaining).toBeCloseTo(42, 1);
    await vi.advanceTimersByTimeAsync(400);
    expect(t.view().remaining).toBeCloseTo(41.6, 1);
    t.take.destroy();
  });

  it('stands still while the server says it is paused', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.server.state = 'paused';
    t.server.remaining = 50_000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.view()).toEqual({ remaining: 50, paused: true });
    t.server.state = 'recording';
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost', 'back']);
    expect(t.view().paused).toBe(false);
    t.take.destroy();
  });

  it('stands still while the server cannot be asked', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.server.reachable = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost']);
    const left = t.view().remaining;
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.view().remaining).toBe(left);
    t.server.reachable = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost', 'back']);
    t.take.destroy();
  });

  it('stops as with Stop when the time is up, and ends with the status the server saved', async () => {
    const t = setup('firefox', 5);
    t.server.hasClock = false;
    t.take.start();
    await vi.advanceTimersByTimeAsync(5200);
    expect(t.server.stopped).toBe(1);
    expect(t.ends).toEqual([{ by: 'page', status: 'complete', whole: false }]);
    expect(t.log).toEqual(['saving', 'ended']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends with whether the server says its live copy is whole', async () => {
    for (const whole of [true, false]) {
      const t = setup('firefox', 60);
      t.server.whole = whole;
      t.take.start();
      await vi.advanceTimersByTimeAsync(1000);
      await t.take.stop();
      expect(t.ends).toEqual([{ by: 'page', status: 'complete', whole }]);
    }
  });

  it("stops when the server's clock says no time is left", async () => {
    const t = setup('firefox', 60);
    t.server.remaining = 2000;
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.server.remaining = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.server.stopped).toBe(1);
    expect(t.ends).toEqual([{ by: 'page', status: 'complete', whole: false }]);
  });

  it('ends as saved by the server when its clock answers 404', async () => {
    const t = setup('firefox', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.server.ended = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.ends).toEqual([{ by: 'server' }]);
    expect(t.log).toEqual(['saving', 'ended']);
    expect(t.close).toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.pc.listening).toBe(0);
  });

  it('ends as saved by the server when Stop answers 404', async () => {
    const t = setup('firefox', 60);
    t.server.hasClock = false;
    t.take.start();
    await vi.advanceTimersByTimeAsync(3000);
    t.server.ended = true;
    expect(await t.take.stop()).toEqual({ by: 'server' });
    expect(t.ends).toEqual([{ by: 'server' }]);
  });

  it('keeps time alone with a server that has no clock route', async () => {
    const t = setup('firefox', 30);
    t.server.hasClock = false;
    t.take.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.server.polls).toBe(1);
    expect(t.log).toEqual([]);
    expect(t.view().remaining).toBeCloseTo(20, 0);
    t.take.destroy();
  });

  it('restarts ICE while the connection is down, and ends when the server has ended the take', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.pc.flowing = false;
    t.pc.set('disconnected');
    expect(t.log).toEqual(['lost']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.restartIce).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.restartIce).toHaveBeenCalledTimes(2);
    t.server.ended = true;
    t.server.reachable = true;
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.ends).toEqual([{ by: 'server' }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not restart ICE while the browser still says connected', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.pc.flowing = false;
    await vi.advanceTimersByTimeAsync(6000);
    expect(t.log).toEqual(['lost']);
    expect(t.restartIce).not.toHaveBeenCalled();
    t.pc.flowing = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.log).toEqual(['lost', 'back']);
    t.take.destroy();
  });

  it('clears every timer and listener when destroyed, whatever it was waiting for', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    await vi.advanceTimersByTimeAsync(1000);
    t.pc.set('failed'); // an ICE restart is due too
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    t.take.destroy();
    expect(vi.getTimerCount()).toBe(0);
    expect(t.pc.listening).toBe(0);
    expect(t.close).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.ends).toEqual([]);
  });

  it('says nothing more when destroyed while it is being saved', async () => {
    const t = setup('chromium', 60);
    t.take.start();
    const stopping = t.take.stop();
    t.take.destroy();
    await stopping;
    expect(t.log).toEqual(['saving']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs on the timers it is given', async () => {
    const live = new Set<number>();
    let next = 1;
    let now = 0;
    const due = new Map<number, { at: number; every?: number; fn: () => void }>();
    const timers: Timers = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const id = next++;
        live.add(id);
        due.set(id, { at: now + ms, fn: () => (live.delete(id), due.delete(id), fn()) });
        return id;
      },
      clearTimeout: (id) => (live.delete(id as number), due.delete(id as number)),
      setInterval: (fn, ms) => {
        const id = next++;
        live.add(id);
        due.set(id, { at: now + ms, every: ms, fn });
        return id;
      },
      clearInterval: (id) => (live.delete(id as number), due.delete(id as number)),
    };
    const pc = new FakePc('safari');
    const server = new FakeServer(3000);
    server.hasClock = false;
    const ends: TakeEnd[] = [];
    const take = new LiveTake(
      { pc, clock: () => server.clock(), stop: () => server.stop(), restartIce: async () => true, close: () => {} },
      3,
      { tick: () => {}, lost: () => {}, back: () => {}, saving: () => {}, ended: (e) => ends.push(e) },
      timers,
    );
    take.start();
    expect(live.size).toBe(3);
    while (ends.length === 0 && now < 10_000) {
      now += 100;
      for (const [, t] of [...due]) {
        if (t.at <= now) {
          if (t.every) t.at += t.every;
          t.fn();
        }
      }
      await Promise.resolve();
      await Promise.resolve();
    }
    expect(ends).toEqual([{ by: 'page', status: 'complete', whole: false }]);
    expect(now).toBeGreaterThanOrEqual(3000);
    expect(now).toBeLessThan(3500);
    expect(live.size).toBe(0);
  });
});

describe('countdown', () => {
  it('ticks down to zero once, then clears its timer', async () => {
    const ticks: number[] = [];
    const done = vi.fn();
    countdown(1, (left) => ticks.push(left), done);
    await vi.advanceTimersByTimeAsync(2000);
    expect(done).toHaveBeenCalledTimes(1);
    expect(ticks.at(-1)).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops when cancelled', () => {
    const cancel = countdown(5, () => {}, () => {});
    cancel();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves true after the time, false when cancelled', async () => {
    const a = sleep(500);
    await vi.advanceTimersByTimeAsync(500);
    expect(await a.done).toBe(true);
    const b = sleep(500);
    b.cancel();
    expect(await b.done).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
