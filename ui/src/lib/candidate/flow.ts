// The candidate's path through the interview, as pure functions of what the
// server says, so that a reload resumes exactly where the candidate was.

import type { QuestionView, SessionView, TakeView } from './api';

/** Index of the first question without a submitted answer, or -1 when all are submitted. */
export function currentQuestion(session: SessionView): number {
  return session.questions.findIndex((q) => !q.submitted);
}

/** The take to show for review when the page opens on a question: the newest one with a recording. */
export function reviewableTake(q: QuestionView): TakeView | undefined {
  return [...q.takes].reverse().find((t) => t.video_url !== '' && (t.status === 'complete' || t.status === 'interrupted'));
}

/** m:ss, for countdowns. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "2 minutes", "1 minute 30 seconds", "45 seconds": durations in words for people and screen readers. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const rest = s % 60;
  const parts: string[] = [];
  if (m > 0) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (rest > 0 || m === 0) parts.push(`${rest} second${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/**
 * Moments of a countdown worth announcing to a screen reader: not every
 * second, but the start, each minute, 30 and 10 seconds before the end.
 */
export function announceAt(remaining: number, total: number): boolean {
  const r = Math.ceil(remaining);
  if (r === Math.ceil(total)) return true;
  return r > 0 && (r === 30 || r === 10 || (r % 60 === 0 && r < total));
}

/** A stable id for this tab, kept across reloads of the same tab. */
export function tabId(storage: Pick<Storage, 'getItem' | 'setItem'>): string {
  const key = 'takeone.tab';
  let id = storage.getItem(key);
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    storage.setItem(key, id);
  }
  return id;
}
