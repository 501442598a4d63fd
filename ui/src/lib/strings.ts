// Every user-facing string of the web UI lives here, so wording stays
// consistent and can be reviewed (or translated) in one place.

const product = 'Takeone';

export const strings = {
  product,

  /** Builds a document title such as "Sign in · Takeone". */
  pageTitle: (page: string): string => `${page} · ${product}`,

  fields: {
    name: 'Name',
    email: 'Email',
    password: 'Password',
    passwordConfirm: 'Confirm password',
    passwordHint: (min: number): string => `At least ${min} characters.`,
  },

  signIn: {
    title: 'Sign in',
    intro: 'Sign in with your team account.',
    submit: 'Sign in',
    busy: 'Signing in…',
    wrongCredentials: 'Email or password is wrong.',
  },

  shell: {
    signedInAs: 'Signed in as',
    role: 'Role',
    signOut: 'Sign out',
    interviewsTitle: 'Interviews',
    emptyTitle: 'No interviews yet.',
    emptyBody: 'Interviews you create or are added to will appear here.',
  },

  roles: {
    admin: 'Admin',
    recruiter: 'Recruiter',
    reviewer: 'Reviewer',
  } as Record<string, string>,

  setup: {
    title: 'Create admin account',
    intro: 'Create the first admin account for this Takeone server. You can invite the rest of your team afterwards.',
    checking: 'Checking your setup link…',
    submit: 'Create admin account',
    busy: 'Creating account…',
    invalidTitle: 'This setup link cannot be used',
    invalidFallback:
      "This setup link is not valid. Find the current link in the server's log, or sign in if an admin account already exists.",
    retry: 'Try again',
    goToSignIn: 'Go to sign in',
  },

  candidate: {
    title: 'Your interview',
    body: 'Your interview will open here.',
    note: 'There is nothing you need to do yet. Keep this link; you can come back to it at any time.',
  },

  notFound: {
    title: 'Page not found',
    body: 'There is no page at this address.',
    home: 'Go to the start page',
  },

  validation: {
    required: (label: string): string => `Enter your ${label.toLowerCase()}.`,
    email: 'Enter an email address like name@example.com.',
    passwordTooShort: (min: number): string => `Use at least ${min} characters.`,
    passwordMismatch: 'The passwords do not match.',
    confirmRequired: 'Enter the password again.',
  },

  errors: {
    network: 'Cannot reach the server. Check your connection and try again.',
    aborted: 'The request was cancelled. Try again.',
    sessionExpired: 'Your session has ended. Sign in again.',
    notAllowed: 'You are not allowed to do this.',
    notFound: 'This could not be found.',
    tooMany: 'Too many attempts. Wait a minute and try again.',
    server: 'The server ran into a problem. Try again in a moment.',
    unexpected: 'Something went wrong. Try again.',
    invalidField: 'This value is not valid.',
    checkFields: 'Check the highlighted fields and try again.',
  },
} as const;
