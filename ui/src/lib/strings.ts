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
    loading: 'Opening your interview…',
    retry: 'Try again',
    offline: 'Cannot reach the server. Check your internet connection; this page tries again by itself.',
    unknownTitle: 'This link does not work',
    unknownBody:
      'This interview link is not valid. Check that you opened the whole link from your invitation email, or ask the recruiter to send it again.',
    closedTitle: {
      completed: 'Interview complete',
      expired: 'This link has expired',
      withdrawn: 'This invitation was withdrawn',
      closed: 'This interview is not open',
    } as Record<string, string>,
    otherTabTitle: 'Open somewhere else',
    otherTab:
      'This interview is open in another tab or on another device. Close it there to continue here: this page goes on by itself once it is closed.',
    unsupportedTitle: 'This browser cannot record your answers',
    unsupported:
      'Open this link in a current version of Chrome, Edge, Firefox or Safari (on iPhone and iPad: iOS 15 or later). Your link stays valid.',
    insecure:
      'Camera access needs a secure connection. Ask the recruiter for a link that starts with https://.',
    copyLink: 'Copy this link',
    linkCopied: 'Link copied.',

    // landing
    hello: (name: string): string => (name ? `Hello ${name},` : 'Hello,'),
    welcomeVideo: 'Welcome video from the team',
    expectTitle: 'What to expect',
    expectQuestions: (n: number): string => `${n} question${n === 1 ? '' : 's'}, answered on video.`,
    expectAnswerTime: (t: string): string => `Up to ${t} to answer each question.`,
    expectAnswerRange: (lo: string, hi: string): string => `Between ${lo} and ${hi} to answer each question.`,
    expectThink: (t: string): string => `Time to think before each answer: up to ${t}. You can start earlier.`,
    expectNoThink: 'You start each answer when you are ready.',
    expectRetakes: (n: number): string =>
      n === 0 ? 'One take per question.' : `Up to ${n} retake${n === 1 ? '' : 's'} per question if you want to try again.`,
    expectDeadline: (d: string): string => `Complete it by ${d}. You can stop and come back before then.`,
    expectExtraTime: (p: number): string => `Your times include ${p}% extra time.`,
    expectPractice: 'First you can check your camera and microphone and try a practice question. It is not sent to anyone.',
    consentTitle: 'Before you start',
    consentBody: (days: number): string =>
      `Your answers are recorded on video with sound and sent to the hiring team of this interview while you speak. Only that team can watch them. They are kept for up to ${days} days, then deleted. Your camera turns on only after you agree.`,
    consentCheck: 'I agree that my answers are recorded and kept as described.',
    consentRequired: 'Tick the box to agree, then continue.',
    start: 'Continue',
    resume: 'Continue where you left off',

    // device check
    deviceTitle: 'Check your camera and microphone',
    deviceIntro: 'Make sure you can see yourself and the bar moves when you speak.',
    preview: 'Your camera',
    camera: 'Camera',
    microphone: 'Microphone',
    micLevel: 'Microphone level',
    micSilent: 'We cannot hear anything yet. Say something, or pick another microphone.',
    micOk: 'Your microphone works.',
    starting: 'Starting your camera…',
    deniedTitle: 'Camera or microphone blocked',
    denied: {
      'safari-ios': 'Open Settings › Safari › Camera and Microphone and choose Allow, then reload this page.',
      safari: 'In the menu Safari › Settings for This Website, set Camera and Microphone to Allow, then reload this page.',
      firefox: 'Click the camera icon in the address bar, remove the block for camera and microphone, then reload this page.',
      'chrome-android': 'Tap the icon left of the address, open Permissions, allow Camera and Microphone, then reload this page.',
      chromium: 'Click the icon left of the address, allow Camera and Microphone, then reload this page.',
      other: 'Allow this site to use your camera and microphone in your browser settings, then reload this page.',
    } as Record<string, string>,
    notFound: 'No camera or microphone was found. Connect one, then try again.',
    inUse: 'Your camera or microphone is used by another app (a video call?). Close it, then try again.',
    mediaOther: 'Your camera could not be started. Try again, or use another browser.',
    reload: 'Reload the page',
    connectionTest: 'Connection to the server',
    connectionTesting: 'Testing your connection…',
    connectionOk: 'Your connection works.',
    connectionTCP: 'Your connection works. Your network blocks the faster route (UDP), so your video goes another way; it can take a moment longer.',
    connectionFailed: 'Your video cannot reach the server from this network. Try another network (for example your phone’s), then test again.',
    testAgain: 'Test again',
    practice: 'Try a practice question',
    skipPractice: 'Start the interview',

    // questions
    practiceTitle: 'Practice question',
    practicePrompt: 'Tell us what you had for breakfast. This practice answer is only shown to you and deleted afterwards.',
    questionOf: (i: number, n: number): string => `Question ${i} of ${n}`,
    questionVideo: 'Question video',
    thinkTitle: 'Time to think',
    thinkLeft: (t: string): string => `${t} to think`,
    thinkAnnounce: (t: string): string => `${t} to think before recording starts.`,
    answerTime: (t: string): string => `You have ${t} to answer.`,
    startNow: 'Start recording now',
    startRecording: 'Start recording',
    preparing: 'Connecting…',
    recording: 'Recording',
    recordingStarted: 'Recording started.',
    timeLeft: (t: string): string => `${t} left`,
    timeLeftAnnounce: (t: string): string => `${t} left to answer.`,
    stop: 'Stop recording',
    saving: 'Saving your answer…',
    reconnecting: 'Connection lost. Reconnecting… What you recorded is kept, and the time is paused.',
    reconnected: 'Connected again. Recording goes on.',
    cutShort: 'Your connection was lost for too long. What you recorded is kept; you can submit it or record again, for free.',
    reviewTitle: 'Your answer',
    yourTake: (n: number): string => `Your take ${n}`,
    interruptedNote: 'This take was cut short. You can submit it, or record it again: that retake is free.',
    failedNote: 'Nothing was recorded in this take. Please record it again.',
    retake: (left: number): string => `Record again (${left} left)`,
    noRetakes: 'No retakes left for this question.',
    submit: 'Submit this answer',
    submitPractice: 'Done practising: start the interview',
    practiceAgain: 'Practise again',
    submitting: 'Submitting…',
    submitted: 'Answer submitted.',
    error: (msg: string): string => msg || 'Something went wrong. Try again.',
    busy: 'The server is busy right now. Trying again in a few seconds…',

    // end
    doneTitle: 'Thank you!',
    doneBody: 'Your answers have been sent. You can close this page.',
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
