import { describe, expect, it } from 'vitest';
import type { QuestionView, SessionView, TakeView } from './api';
import { announceAt, clock, currentQuestion, duration, reviewableTake, tabId } from './flow';

const take = (over: Partial<TakeView>): TakeView => ({
  id: 't',
  take: 1,
  status: 'complete',
  duration_ms: 1000,
  submitted: false,
  video_url: '/v',
  ...over,
});

const question = (over: Partial<QuestionView>): QuestionView => ({
  id: 'q',
  prompt: 'p',
  video_url: '',
  answer_seconds: 60,
  think_seconds: 0,
  retakes: 0,
  takes_left: 1,
  submitted: false,
  takes: [],
  ...over,
});

describe('currentQuestion', () => {
  it('resumes at the first question without a submitted answer', () => {
    const s = { questions: [question({ submitted: true }), question({}), question({})] } as SessionView;
    expect(currentQuestion(s)).toBe(1);
  });
  it('is -1 when every answer is submitted', () => {
    expect(currentQuestion({ questions: [question({ submitted: true })] } as SessionView)).toBe(-1);
  });
});

describe('reviewableTake', () => {
  it('picks the newest take with a recording', () => {
    const q = question({
      takes: [take({ id: 'a' }), take({ id: 'b', status: 'interrupted' }), take({ id: 'c', status: 'failed', video_url: '' })],
    });
    expect(reviewableTake(q)?.id).toBe('b');
  });
  it('ignores a take still recording', () => {
    expect(reviewableTake(question({ takes: [take({ status: 'recording', video_url: '' })] }))).toBeUndefined();
  });
});

describe('clock and duration', () => {
  it('formats countdowns', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(9.2)).toBe('0:10');
    expect(clock(125)).toBe('2:05');
    expect(clock(-3)).toBe('0:00');
  });
  it('says durations in words', () => {
    expect(duration(45)).toBe('45 seconds');
    expect(duration(60)).toBe('1 minute');
    expect(duration(90)).toBe('1 minute 30 seconds');
    expect(duration(121)).toBe('2 minutes 1 second');
    expect(duration(0)).toBe('0 seconds');
  });
});

describe('announceAt', () => {
  it('announces the start, whole minutes, 30 and 10 seconds, and nothing else', () => {
    const said = [];
    for (let r = 120; r >= 0; r--) if (announceAt(r, 120)) said.push(r);
    expect(said).toEqual([120, 60, 30, 10]);
  });
});

describe('tabId', () => {
  it('stays the same for one tab and differs between tabs', () => {
    const store = () => {
      const m = new Map<string, string>();
      return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    };
    const one = store();
    const id = tabId(one);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(tabId(one)).toBe(id);
    expect(tabId(store())).not.toBe(id);
  });
});
