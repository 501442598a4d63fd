package testapp

import (
	"maps"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The events PocketBase fires for a request, as sets to add up with Fired for a scenario's ExpectedEvents. The names
// are PocketBase's hooks (core.App's On... methods); the sets are what a run of the tests reported.
var (
	// A request of the records API reached its hook. A request the collection's rule refuses fires nothing, not even
	// this: a record the caller may not see is a 404 and a create outside the rule a 400, before any hook. A
	// request refused by one of Takeone's request hooks (the last admin, a second review) fires the request alone.
	ListRequest   = map[string]int{"OnRecordsListRequest": 1}
	ViewRequest   = map[string]int{"OnRecordViewRequest": 1}
	CreateRequest = map[string]int{"OnRecordCreateRequest": 1}
	UpdateRequest = map[string]int{"OnRecordUpdateRequest": 1}
	DeleteRequest = map[string]int{"OnRecordDeleteRequest": 1}

	// A record was saved or deleted: its validation, the write and the success, as a record and as a model.
	RecordCreated = map[string]int{
		"OnRecordCreate": 1, "OnRecordValidate": 1, "OnRecordCreateExecute": 1, "OnRecordAfterCreateSuccess": 1,
		"OnModelCreate": 1, "OnModelValidate": 1, "OnModelCreateExecute": 1, "OnModelAfterCreateSuccess": 1,
	}
	RecordUpdated = map[string]int{
		"OnRecordUpdate": 1, "OnRecordValidate": 1, "OnRecordUpdateExecute": 1, "OnRecordAfterUpdateSuccess": 1,
		"OnModelUpdate": 1, "OnModelValidate": 1, "OnModelUpdateExecute": 1, "OnModelAfterUpdateSuccess": 1,
	}
	RecordDeleted = map[string]int{
		"OnRecordDelete": 1, "OnRecordDeleteExecute": 1, "OnRecordAfterDeleteSuccess": 1,
		"OnModelDelete": 1, "OnModelDeleteExecute": 1, "OnModelAfterDeleteSuccess": 1,
	}

	// Validation refused the record: nothing was written.
	CreateInvalid = map[string]int{
		"OnRecordCreate": 1, "OnRecordValidate": 1, "OnRecordAfterCreateError": 1,
		"OnModelCreate": 1, "OnModelValidate": 1, "OnModelAfterCreateError": 1,
	}
	UpdateInvalid = map[string]int{
		"OnRecordUpdate": 1, "OnRecordValidate": 1, "OnRecordAfterUpdateError": 1,
		"OnModelUpdate": 1, "OnModelValidate": 1, "OnModelAfterUpdateError": 1,
	}

	// The database refused the write: a unique index (CreateFailed), a required relation (DeleteFailed).
	CreateFailed = map[string]int{
		"OnRecordCreate": 1, "OnRecordValidate": 1, "OnRecordCreateExecute": 1, "OnRecordAfterCreateError": 1,
		"OnModelCreate": 1, "OnModelValidate": 1, "OnModelCreateExecute": 1, "OnModelAfterCreateError": 1,
	}
	DeleteFailed = map[string]int{
		"OnRecordDelete": 1, "OnRecordDeleteExecute": 1, "OnRecordAfterDeleteError": 1,
		"OnModelDelete": 1, "OnModelDeleteExecute": 1, "OnModelAfterDeleteError": 1,
	}

	// An email handed to the mail client, whether or not the mail server then took it.
	MailerSend = map[string]int{"OnMailerSend": 1}
)

// Enriched is n records prepared for the response (hidden fields dropped, expands resolved).
func Enriched(n int) map[string]int { return map[string]int{"OnRecordEnrich": n} }

// Times is a set of events fired n times: Times(RecordDeleted, 3) for a delete that cascades to two more records.
func Times(set map[string]int, n int) map[string]int {
	out := make(map[string]int, len(set))
	for k, v := range set {
		out[k] = v * n
	}
	return out
}

// Fired is a scenario's ExpectedEvents: the counts of the sets, added up, and no event besides ("*": 0). Fired() is
// a request that reached no hook.
//
// Example:
//
//	ExpectedEvents: testapp.Fired(testapp.CreateRequest, testapp.RecordCreated, testapp.Enriched(1))
func Fired(sets ...map[string]int) map[string]int {
	out := map[string]int{"*": 0}
	for _, set := range sets {
		for k, v := range set {
			out[k] += v
		}
	}
	return out
}

// FiredBesidesInvitation is Fired for a request that adds a candidate. The candidate's invitation goes out in the
// background and saves its outcome on the candidate, before or after the events are counted: the events of that
// update are not checked, nor validation, which the update shares with the create. (Candidates added before the
// request are awaited with AwaitInvitations instead.)
func FiredBesidesInvitation(sets ...map[string]int) map[string]int {
	out := Fired(sets...)
	delete(out, "*")
	maps.DeleteFunc(out, func(event string, _ int) bool {
		_, updates := RecordUpdated[event]
		return updates
	})
	return out
}

// invitationSettle is how long the hooks after an invitation's saved outcome are given to finish.
const invitationSettle = 250 * time.Millisecond

// AwaitInvitations waits until every candidate's invitation, sent in the background when the candidate was added,
// has saved its outcome on the candidate (without SMTP: not sent). A scenario's BeforeTestFunc that adds candidates
// calls it, so that the events the scenario counts are its request's own.
func AwaitInvitations(t testing.TB, app core.App) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, err := app.CountRecords("candidates", dbx.HashExp{"invite_status": ""})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			// the outcome is saved in a transaction: its after-success hooks run just after the commit that made
			// it visible here, and must not land in the scenario's own events
			time.Sleep(invitationSettle)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invitations have no outcome after 10 s", n)
		}
	}
}
