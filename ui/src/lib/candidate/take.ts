// One take while it records: the clock the candidate sees, noticing a dead
// connection and bringing it back, and ending the take. The clock follows the
// server's (GET {Location} of the WHIP session), counts down between its
// answers, and stops while the connection is down: time without media is not
// charged, by the server nor by the page. Plain TypeScript with the timers and
// the connection passed in, so the rules run under a fake clock in tests.

import type { AnswerStatus } from '../enums';
import { ApiError } from './api';
import type { SavedTake, ServerClock } from './whip';

/** How often the shown clock moves. */
export const TICK_MS = 200;
/** How often the connection's statistics are read. */
export const STATS_EVERY_MS = 500;
/** No progress for this long: the take is stalled (the server pauses its limit after the same time). */
export const STALL_MS = 1500;
/** How often the server's clock is asked while recording. */
export const POLL_EVERY_MS = 1000;
/** How often an ICE restart is tried while the connection is down. */
export const RESTART_EVERY_MS = 3000;

/** The timers a take runs on: the browser's, or a test's. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

/** The global timers, looked up at each call (so that a test's fake timers are the ones used). */
export const browserTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (id) => globalThis.clearInterval(id as ReturnType<typeof setInterval>),
};

/** A statistics report as getStats() gives it: a map of stats objects by id. */
export interface StatsLike {
  forEach(fn: (stat: Stat) => void): void;
  get(id: string): unknown;
}

/** The members of a stats object this module reads; every one but type and id may be missing. */
interface Stat {
  type: string;
  id: string;
  timestamp?: number;
  packetsSent?: number;
  bytesSent?: number;
  bytesReceived?: number;
  packetsLost?: number;
  roundTripTime?: number;
  roundTripTimeMeasurements?: number;
  state?: string;
  nominated?: boolean;
  selected?: boolean;
  selectedCandidatePairId?: string;
}

/** What the page sends, and a trace of what comes back from the server: each changes while media flows. */
export interface Progress {
  /** Packets and bytes the page has sent (outbound-rtp, audio and video). */
  sent: number;
  /** A fingerprint of the evidence that the server receives; it changes with each report or feedback it sends. */
  heard: string;
}

/**
 * Reads the progress of a take from a getStats() report, with members every engine reports.
 *
 * - outbound-rtp packetsSent and bytesSent: Chromium, Firefox and Safari. They show that the page sends, not that
 *   anything arrives.
 * - candidate-pair bytesReceived: Chromium, Firefox and Safari (Baseline since 2020). The server sends RTCP receiver
 *   reports every second and transport feedback many times a second for each take, so on a live connection the
 *   selected pair always receives. Chromium and Safari name the selected pair in transport.selectedCandidatePairId;
 *   Firefox reports no transport stats at all, and marks the pair itself (`selected`, and `nominated` with state
 *   `succeeded`). The transport's own bytesReceived, which Firefox lacks, is not needed.
 * - remote-inbound-rtp (the server's receiver reports, as the page got them): Chromium, Firefox and Safari have
 *   `timestamp` (when the report arrived), `packetsLost` and `roundTripTime`; `roundTripTimeMeasurements` is only in
 *   Chromium and Safari. Each new report changes at least one of them.
 * - candidate-pair packetsReceived is left out: Firefox and Safari lack it.
 */
export function progressOf(report: StatsLike): Progress {
  let sent = 0;
  const heard: unknown[] = [];
  const pairs: Stat[] = [];
  let selectedId: string | undefined;
  report.forEach((s) => {
    switch (s.type) {
      case 'outbound-rtp':
        sent += (s.packetsSent ?? 0) + (s.bytesSent ?? 0);
        break;
      case 'transport':
        if (s.selectedCandidatePairId) selectedId = s.selectedCandidatePairId;
        break;
      case 'candidate-pair':
        pairs.push(s);
        break;
      case 'remote-inbound-rtp':
        heard.push(s.id, s.timestamp, s.packetsLost, s.roundTripTime, s.roundTripTimeMeasurements);
        break;
    }
  });
  const selected =
    (selectedId ? (report.get(selectedId) as Stat | undefined) : undefined) ??
    pairs.find((p) => p.selected) ??
    pairs.find((p) => p.nominated && p.state === 'succeeded');
  // without a pair to go by, every working pair counts: one of them carries the media
  const counted = selected ? [selected] : pairs.filter((p) => p.state === 'succeeded');
  for (const p of counted) {
    heard.push(p.id, p.bytesReceived);
  }
  return { sent, heard: JSON.stringify(heard) };
}

/** The connection of a take, as this module uses it (a WhipSession). */
export interface TakeLink {
  readonly pc: {
    readonly connectionState: RTCPeerConnectionState;
    getStats(): Promise<StatsLike>;
    addEventListener(type: 'connectionstatechange', fn: () => void): void;
    removeEventListener(type: 'connectionstatechange', fn: () => void): void;
  };
  clock(): Promise<ServerClock>;
  stop(): Promise<SavedTake>;
  restartIce(): Promise<boolean>;
  close(): void;
}

/** How a take ended. */
export type TakeEnd =
  /**
   * The page ended it (Stop, or the time was up) and the server saved it with this status. whole: the server said
   * its live copy lacks nothing (false when it did not say).
   */
  | { by: 'page'; status: AnswerStatus; whole: boolean }
  /**
   * The server had ended it already (its time limit, or the connection gone too long): the status is in the
   * session view. Not a loss: what reached the server is saved.
   */
  | { by: 'server' }
  /** The page could not reach the server to end it; the server ends it by itself. */
  | { by: 'unknown' };

export interface ClockView {
  /** Seconds left to answer. */
  remaining: number;
  /** Whether the clock stands still: no media reaches the server, or the server cannot be asked. */
  paused: boolean;
}

export interface TakeEvents {
  /** The clock moved, stopped or went on. */
  tick(view: ClockView): void;
  /** The connection is down (the clock stands still). */
  lost(): void;
  /** The connection is back (the clock goes on). */
  back(): void;
  /** The take is ending: the page waits for the server to save it. */
  saving(): void;
  /** The take has ended; no event follows. */
  ended(end: TakeEnd): void;
}

type State = 'idle' | 'recording' | 'ending' | 'ended';

/**
 * A take from its first frame to its end. start() when the tracks are attached; stop() when the candidate is done;
 * destroy() when the page goes away. Every timer it sets is cleared when the take ends or is destroyed.
 */
export class LiveTake {
  private state: State = 'idle';
  private destroyed = false;
  private readonly totalMs: number;
  private remainingMs: number;
  private last = 0;

  // why the clock stands still; any one of them is enough
  private stalled = false; // no progress in the stats
  private iceDown = false; // the browser says the connection is disconnected or failed
  private serverPaused = false; // the server says no media arrives
  private pollFailed = false; // the server could not be asked
  private connecting = false; // the server has had no media yet: not lost, not counting either
  private paused = false;

  private serverClock = true; // false: the server has no clock route, the page keeps time alone
  private polledOnce = false;
  private restarting = false;

  private sent: number | undefined;
  private heard: string | undefined;
  private sentAt = 0;
  private heardAt = 0;

  private tickTimer: unknown;
  private statsTimer: unknown;
  private pollTimer: unknown;
  private restartTimer: unknown;

  constructor(
    private readonly link: TakeLink,
    maxSeconds: number,
    private readonly events: TakeEvents,
    private readonly timers: Timers = browserTimers,
  ) {
    this.totalMs = Math.max(0, maxSeconds * 1000);
    this.remainingMs = this.totalMs;
  }

  /** Whether the take still records. */
  get recording(): boolean {
    return this.state === 'recording';
  }

  /** The clock as it stands. */
  get view(): ClockView {
    return { remaining: this.remainingMs / 1000, paused: this.paused || this.connecting };
  }

  /** Recording has started: the clock runs, the connection and the server's clock are watched. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'recording';
    const now = this.timers.now();
    this.last = now;
    this.sentAt = now;
    this.heardAt = now;
    this.link.pc.addEventListener('connectionstatechange', this.onConnectionChange);
    this.tickTimer = this.timers.setInterval(() => this.tick(), TICK_MS);
    this.statsTimer = this.timers.setInterval(() => void this.watch(), STATS_EVERY_MS);
    this.pollTimer = this.timers.setTimeout(() => void this.poll(), POLL_EVERY_MS);
    this.events.tick(this.view);
  }

  /** Ends the take (Stop, or the time is up): the server saves it. Resolves when it has answered. */
  async stop(): Promise<TakeEnd | undefined> {
    if (this.state !== 'recording') return undefined;
    this.state = 'ending';
    this.clear();
    this.events.saving();
    let end: TakeEnd;
    try {
      const saved = await this.link.stop();
      end = { by: 'page', status: saved.status, whole: saved.whole === true };
    } catch (err) {
      // 404: the server ended the take first, and saved it
      end = err instanceof ApiError && err.status === 404 ? { by: 'server' } : { by: 'unknown' };
    }
    this.state = 'ended';
    if (!this.destroyed) this.events.ended(end);
    return end;
  }

  /** The page goes away: timers and connection are dropped, the take is not ended through WHIP. */
  destroy(): void {
    this.destroyed = true;
    if (this.state === 'ended') return;
    const ending = this.state === 'ending';
    this.state = 'ended';
    this.clear();
    if (!ending) this.link.close(); // an ending take's DELETE closes the connection when it returns
  }

  private clear(): void {
    this.timers.clearInterval(this.tickTimer);
    this.timers.clearInterval(this.statsTimer);
    this.timers.clearTimeout(this.pollTimer);
    this.timers.clearTimeout(this.restartTimer);
    this.tickTimer = this.statsTimer = this.pollTimer = this.restartTimer = undefined;
    this.link.pc.removeEventListener('connectionstatechange', this.onConnectionChange);
  }

  /** The server ended the take by itself: nothing is left to end. */
  private endedByServer(): void {
    if (this.state !== 'recording') return;
    this.state = 'ended';
    this.clear();
    this.link.close();
    this.events.saving();
    this.events.ended({ by: 'server' });
  }

  private tick(): void {
    if (this.state !== 'recording') return;
    const now = this.timers.now();
    if (!this.paused && !this.connecting) {
      this.remainingMs = Math.max(0, this.remainingMs - (now - this.last));
    }
    this.last = now;
    this.events.tick(this.view);
    if (this.remainingMs <= 0) {
      void this.stop();
    }
  }

  /** Reads the statistics: the take is stalled when the page sends nothing, or nothing comes back, for STALL_MS. */
  private async watch(): Promise<void> {
    let report: StatsLike;
    try {
      report = await this.link.pc.getStats();
    } catch {
      return; // a closed connection: its end is noticed elsewhere
    }
    if (this.state !== 'recording') return;
    const now = this.timers.now();
    const p = progressOf(report);
    if (p.sent !== this.sent) {
      this.sent = p.sent;
      this.sentAt = now;
    }
    if (p.heard !== this.heard) {
      this.heard = p.heard;
      this.heardAt = now;
    }
    const since = Math.min(this.sentAt, this.heardAt);
    const stalled = now - since >= STALL_MS;
    if (stalled && !this.stalled && !this.paused && !this.connecting) {
      // the seconds it took to notice were not the candidate's: give them back (the server pauses the same way)
      this.remainingMs = Math.min(this.totalMs, this.remainingMs + (now - since));
    }
    this.stalled = stalled;
    this.update();
  }

  /** Asks the server's clock, and asks again a second after its answer. */
  private async poll(): Promise<void> {
    this.pollTimer = undefined;
    if (this.state !== 'recording' || !this.serverClock) return;
    try {
      const c = await this.link.clock();
      if (this.state !== 'recording') return;
      this.polledOnce = true;
      this.pollFailed = false;
      this.serverPaused = c.state === 'paused';
      this.connecting = c.state === 'connecting';
      this.remainingMs = Math.max(0, Math.min(this.totalMs || c.remaining_ms, c.remaining_ms));
      this.last = this.timers.now();
    } catch (err) {
      if (this.state !== 'recording') return;
      const status = err instanceof ApiError ? err.status : -1;
      if (!this.polledOnce && (status === 404 || status === 405 || status === 501)) {
        // A server without the clock route (or a take that ended within its first second, which the stats and the
        // end of the connection then tell): the page keeps time alone, as before the server had a clock.
        this.serverClock = false;
        this.pollFailed = false;
        this.update();
        return;
      }
      if (status === 404) {
        this.endedByServer();
        return;
      }
      this.pollFailed = true; // the server cannot be reached: the clock stands still
    }
    this.update();
    if (this.state !== 'recording') return;
    if (this.remainingMs <= 0) {
      void this.stop();
      return;
    }
    this.pollTimer = this.timers.setTimeout(() => void this.poll(), POLL_EVERY_MS);
  }

  private onConnectionChange = (): void => {
    if (this.state !== 'recording') return;
    const s = this.link.pc.connectionState;
    if (s === 'disconnected' || s === 'failed') {
      this.iceDown = true;
    } else if (s === 'connected') {
      this.iceDown = false;
    }
    this.update();
  };

  /** The clock stands still while any reason holds; lost and back are said once per change. */
  private update(): void {
    if (this.state !== 'recording') return;
    const paused = this.stalled || this.iceDown || this.serverPaused || this.pollFailed;
    const now = this.timers.now();
    if (paused !== this.paused) {
      // the time up to now still counts, or not, by the state it was in
      if (!this.paused && !this.connecting) {
        this.remainingMs = Math.max(0, this.remainingMs - (now - this.last));
      }
      this.last = now;
      this.paused = paused;
      if (paused) {
        this.events.lost();
        this.scheduleRestart();
      } else {
        this.timers.clearTimeout(this.restartTimer);
        this.restartTimer = undefined;
        this.events.back();
      }
    }
    this.events.tick(this.view);
  }

  private scheduleRestart(): void {
    this.timers.clearTimeout(this.restartTimer);
    this.restartTimer = this.timers.setTimeout(() => void this.reconnect(), RESTART_EVERY_MS);
  }

  /** While the connection is down, restarts ICE every few seconds until it is back or the server has ended the take. */
  private async reconnect(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state !== 'recording' || !this.paused || this.restarting) return;
    if (this.link.pc.connectionState !== 'connected') {
      this.restarting = true;
      try {
        if (!(await this.link.restartIce())) {
          this.endedByServer(); // what the server got is saved
          return;
        }
      } catch {
        // the server could not be reached; try again
      } finally {
        this.restarting = false;
      }
    }
    if (this.state === 'recording' && this.paused) {
      this.scheduleRestart();
    }
  }
}

/**
 * A countdown of whole seconds for think time: tick with the seconds left (fractional) every TICK_MS, done once at
 * zero. Returns the function that cancels it.
 */
export function countdown(
  seconds: number,
  tick: (left: number) => void,
  done: () => void,
  timers: Timers = browserTimers,
): () => void {
  let left = seconds;
  let last = timers.now();
  const id = timers.setInterval(() => {
    const now = timers.now();
    left = Math.max(0, left - (now - last) / 1000);
    last = now;
    tick(left);
    if (left <= 0) {
      timers.clearInterval(id);
      done();
    }
  }, TICK_MS);
  return () => timers.clearInterval(id);
}

/** Waits the given time on the take's timers; cancel() resolves it at once with false. */
export function sleep(ms: number, timers: Timers = browserTimers): { done: Promise<boolean>; cancel(): void } {
  let resolve: (v: boolean) => void = () => {};
  const done = new Promise<boolean>((r) => (resolve = r));
  const id = timers.setTimeout(() => resolve(true), ms);
  return {
    done,
    cancel() {
      timers.clearTimeout(id);
      resolve(false);
    },
  };
}
