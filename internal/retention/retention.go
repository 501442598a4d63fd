// Package retention deletes candidate data older than retention.days: the candidate with their answers (and the
// videos), and the team's reviews of them. It runs once at start and then every night, and logs what it deletes.
package retention

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

// schedule is when the nightly run starts (server time): a quiet hour.
const schedule = "17 3 * * *"

// Bind runs Purge at start and every night; days 0 keeps everything.
func Bind(app core.App, days int) {
	if days <= 0 {
		return
	}
	run := func() {
		if _, err := Purge(app, days, time.Now()); err != nil {
			app.Logger().Error("retention: deleting old candidate data failed; the next run tries again", "error", err)
		}
	}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		app.Cron().MustAdd("takeoneRetention", schedule, run)
		go run()
		return e.Next()
	})
}

// Purge deletes every candidate whose last activity (invitation, start or completion, whichever is latest) is
// more than days before now, with their answers and reviews, and returns how many. Each candidate goes in one
// transaction, so a failure leaves no candidate half deleted.
func Purge(app core.App, days int, now time.Time) (int, error) {
	cutoff := now.AddDate(0, 0, -days).UTC()
	// created is the earliest of the three times: a candidate created after the cutoff cannot be due
	old, err := app.FindAllRecords(pb_migrations.Candidates,
		dbx.NewExp("created < {:cutoff}", dbx.Params{"cutoff": cutoff.Format("2006-01-02 15:04:05.000Z")}))
	if err != nil {
		return 0, fmt.Errorf("find old candidates: %w", err)
	}
	deleted := 0
	for _, c := range old {
		last := lastActivity(c)
		if !last.Before(cutoff) {
			continue
		}
		if err := app.Delete(c); err != nil { // answers and reviews go with it (cascade), and the files with them
			return deleted, fmt.Errorf("delete candidate %s: %w", c.Id, err)
		}
		deleted++
		app.Logger().Info("retention: deleted a candidate and their answers", "candidate", c.Id,
			"interview", c.GetString("interview"), "last_activity", last, "retention_days", days)
	}
	return deleted, nil
}

func lastActivity(c *core.Record) time.Time {
	last := c.GetDateTime("created").Time()
	for _, f := range []string{"started_at", "completed_at"} {
		if t := c.GetDateTime(f).Time(); t.After(last) {
			last = t
		}
	}
	return last
}
