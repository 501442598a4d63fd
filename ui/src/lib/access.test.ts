import { describe, expect, it } from 'vitest';
import type { RecordModel } from 'pocketbase';
import { canManage } from './access';

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
