// What the candidate list offers for a candidate's invitation, by its status. The server takes each of these changes
// from the interview's managers; these say when each makes sense.

import type { RecordModel } from 'pocketbase';
import { isOneOf, type CandidateStatus } from './enums';

/** Still waiting for the candidate's answers, with a link that works: the invitation may be sent again. */
const waiting: readonly CandidateStatus[] = ['invited', 'started'];

/** Done with: the candidate completed, or the team withdrew the invitation. */
const settled: readonly CandidateStatus[] = ['completed', 'withdrawn'];

export function canResend(candidate: RecordModel): boolean {
  return isOneOf(waiting, candidate.status);
}

/** Whether the deadline can be extended and the invitation withdrawn: anything not settled, an expired link too. */
export function canExtendOrWithdraw(candidate: RecordModel): boolean {
  return !isOneOf(settled, candidate.status);
}

/**
 * The status an invitation returns to when it works again (extended after it expired, restored after it was
 * withdrawn): started if the candidate had begun, invited if not.
 */
export function reopenedStatus(candidate: RecordModel): CandidateStatus {
  return candidate.started_at ? 'started' : 'invited';
}
