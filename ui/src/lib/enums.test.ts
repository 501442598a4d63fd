import { describe, expect, it } from 'vitest';
import { answerStatuses, candidateStages, candidateStatuses, interviewStatuses, isOneOf, labelOf, userRoles } from './enums';
import { strings } from './strings';

describe('isOneOf', () => {
  it('takes only the list’s own values', () => {
    expect(isOneOf(userRoles, 'recruiter')).toBe(true);
    expect(isOneOf(userRoles, 'Recruiter')).toBe(false);
    expect(isOneOf(userRoles, 'boss')).toBe(false);
    expect(isOneOf(userRoles, '')).toBe(false);
    expect(isOneOf(userRoles, undefined)).toBe(false);
    expect(isOneOf(answerStatuses, 'interrupted')).toBe(true);
  });
});

describe('labelOf', () => {
  it('names a known value, shows an unknown one as it is, and nothing for no value', () => {
    expect(labelOf(strings.roles, 'reviewer')).toBe('Reviewer');
    expect(labelOf(strings.team.stages, 'hired')).toBe('Hired');
    expect(labelOf(strings.team.stages, 'on hold')).toBe('on hold');
    expect(labelOf(strings.team.stages, 'toString')).toBe('toString');
    expect(labelOf(strings.roles, undefined)).toBe('');
  });

  it('has a label for every value the pages offer, in the same order', () => {
    expect(Object.keys(strings.roles)).toEqual([...userRoles]);
    expect(Object.keys(strings.team.statuses)).toEqual([...interviewStatuses]);
    expect(Object.keys(strings.team.candidateStatus)).toEqual([...candidateStatuses]);
    expect(Object.keys(strings.team.stages)).toEqual([...candidateStages]);
  });
});
