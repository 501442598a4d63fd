import { describe, expect, it } from 'vitest';
import type { RecordModel } from 'pocketbase';
import { candidateStatuses } from './enums';
import { canExtendOrWithdraw, canResend, reopenedStatus } from './invitation';

const candidate = (status: string, started_at = '') => ({ status, started_at }) as unknown as RecordModel;

describe('the actions on an invitation', () => {
  it('resends while the candidate may still answer', () => {
    expect(candidateStatuses.filter((s) => canResend(candidate(s)))).toEqual(['invited', 'started']);
  });

  it('extends or withdraws until the candidate completed or the team withdrew it', () => {
    expect(candidateStatuses.filter((s) => canExtendOrWithdraw(candidate(s)))).toEqual(['invited', 'started', 'expired']);
  });

  it('reopens to started when the candidate had begun, to invited when not', () => {
    expect(reopenedStatus(candidate('expired', '2026-01-05 10:00:00.000Z'))).toBe('started');
    expect(reopenedStatus(candidate('withdrawn'))).toBe('invited');
  });
});
