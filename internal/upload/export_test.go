package upload

import "time"

// AfterCheck makes u call f between checking a copy and storing it, where a candidate's submit may land.
func AfterCheck(u *Uploads, f func(answerID string)) { u.checked = f }

// SweepRecorded runs the sweep of answers recorded by upload as if it were now.
func SweepRecorded(u *Uploads, now time.Time) { u.sweepRecorded(now) }
