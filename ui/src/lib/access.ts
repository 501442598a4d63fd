// Who may do what in the web app, as the server's rules say it (internal/access): admins manage every interview and
// the team, recruiters the interviews they own or whose team holds them, reviewers watch and rate. The pages only
// hide what a member could not use; the server decides.

import type { RecordModel } from 'pocketbase';
import { isOneOf, userRoles, type UserRole } from './enums';

/** The member's role, or null for a record without a known one. */
export function roleOf(user: RecordModel): UserRole | null {
  return isOneOf(userRoles, user.role) ? user.role : null;
}

/** Whether the member may create interviews: admins and recruiters. */
export function canCreateInterviews(user: RecordModel): boolean {
  const role = roleOf(user);
  return role === 'admin' || role === 'recruiter';
}

/** Whether the member may change the interview and invite to it. */
export function canManage(user: RecordModel, interview: RecordModel | null): boolean {
  if (interview === null) return false;
  const role = roleOf(user);
  if (role === 'admin') return true;
  const team = (interview.team as string[] | undefined) ?? [];
  return role === 'recruiter' && (interview.owner === user.id || team.includes(user.id));
}
