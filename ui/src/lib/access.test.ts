import { describe, expect, it } from 'vitest';
import type { RecordModel } from 'pocketbase';
import { canCreateInterviews, canManage, roleOf } from './access';

const user = (id: string, role: string) => ({ id, role }) as unknown as RecordModel;
const interview = { owner: 'owner', team: ['member'] } as unknown as RecordModel;

describe('canManage', () => {
  it('follows the server: admins, the owner and recruiters on the team; never reviewers', () => {
    expect(canManage(user('x', 'admin'), interview)).toBe(true);
    expect(canManage(user('owner', 'recruiter'), interview)).toBe(true);
    expect(canManage(user('member', 'recruiter'), interview)).toBe(true);
    expect(canManage(user('other', 'recruiter'), interview)).toBe(false);
    expect(canManage(user('member', 'reviewer'), interview)).toBe(false);
    expect(canManage(user('x', 'admin'), null)).toBe(false);
  });
});

describe('canCreateInterviews', () => {
  it('is for admins and recruiters', () => {
    expect(canCreateInterviews(user('x', 'admin'))).toBe(true);
    expect(canCreateInterviews(user('x', 'recruiter'))).toBe(true);
    expect(canCreateInterviews(user('x', 'reviewer'))).toBe(false);
    expect(canCreateInterviews(user('x', ''))).toBe(false);
  });
});

describe('roleOf', () => {
  it('is the member’s role, or null for one the app does not know', () => {
    expect(roleOf(user('x', 'reviewer'))).toBe('reviewer');
    expect(roleOf(user('x', 'owner'))).toBeNull();
    expect(roleOf({ id: 'x' } as unknown as RecordModel)).toBeNull();
  });
});
