// Who manages an interview, as the server's rules say it (internal/access): admins every interview, recruiters
// those they own or whose team holds them. The pages only hide what a member could not use; the server decides.

import type { RecordModel } from 'pocketbase';

export function canManage(user: RecordModel, interview: RecordModel | null): boolean {
  if (interview === null) return false;
  if (user.role === 'admin') return true;
  const team = (interview.team as string[] | undefined) ?? [];
  return user.role === 'recruiter' && (interview.owner === user.id || team.includes(user.id));
}
