// The values of the server's select fields (docs/API.md, pb_migrations), defined once for the whole web app. Each
// list is in the order the pages offer it; the labels people read are in strings.ts, keyed by these values.

/** users.role */
export const userRoles = ['admin', 'recruiter', 'reviewer'] as const;
export type UserRole = (typeof userRoles)[number];

/** interviews.status: candidates answer only while it is open. */
export const interviewStatuses = ['draft', 'open', 'closed'] as const;
export type InterviewStatus = (typeof interviewStatuses)[number];

/** candidates.status: where the candidate is with their invitation. */
export const candidateStatuses = ['invited', 'started', 'completed', 'expired', 'withdrawn'] as const;
export type CandidateStatus = (typeof candidateStatuses)[number];

/** candidates.stage: the team's hiring decision. */
export const candidateStages = ['new', 'shortlisted', 'rejected', 'hired'] as const;
export type CandidateStage = (typeof candidateStages)[number];

/** answers.status: one take's recording. */
export const answerStatuses = ['recording', 'complete', 'interrupted', 'failed'] as const;
export type AnswerStatus = (typeof answerStatuses)[number];

/** Whether a value read from a record is one of the list's. */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/**
 * The label of a value read from a record, or the value itself when it has none (a value of a newer server).
 *
 * Example: `labelOf(strings.roles, user.role)` is "Recruiter" for "recruiter".
 */
export function labelOf<T extends string>(labels: Record<T, string>, value: unknown): string {
  if (typeof value !== 'string') return '';
  return Object.hasOwn(labels, value) ? labels[value as T] : value;
}
