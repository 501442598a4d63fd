package teamapi_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	. "github.com/takeone/takeone/internal/testapp"
)

const exportURL = "/api/takeone/interviews/" + InterviewOne + "/export.csv"

// Ada (CandidateOne) gets a second submitted answer and more reviews: of AnswerOne, Reviewer 4 (fixture) and
// Recruiter 5; of the spare answer, Reviewer 3; of Ada as a whole, RecruiterOnTeam 2. Her interview is complete.
// Candidates with names a spreadsheet could take for formulas, or that need quoting, join her (their invitations
// settled, so that the request's events are its own).
func exportFixtures(t testing.TB, app core.App) {
	t.Helper()
	save := func(collection, id string, fields map[string]any) {
		t.Helper()
		var r *core.Record
		if existing, err := app.FindRecordById(collection, id); err == nil {
			r = existing
		} else {
			c, err := app.FindCollectionByNameOrId(collection)
			if err != nil {
				t.Fatal(err)
			}
			r = core.NewRecord(c)
			r.Id = id
		}
		for k, v := range fields {
			r.Set(k, v)
		}
		if err := app.Save(r); err != nil {
			t.Fatalf("%s %s: %v", collection, id, err)
		}
	}
	done, _ := types.ParseDateTime("2026-11-20 09:30:15.123Z")
	save("candidates", CandidateOne, map[string]any{"status": "completed", "completed_at": done, "stage": "shortlisted"})
	save("answers", "answerspare0001", map[string]any{"candidate": CandidateOne, "question": QuestionSpare, "take": 1, "status": "complete", "submitted": true})
	save("answers", "answerunsent001", map[string]any{"candidate": CandidateOne, "question": QuestionSpare, "take": 2, "status": "complete"})
	save("reviews", "reviewowner0001", map[string]any{"candidate": CandidateOne, "answer": AnswerOne, "author": Recruiter, "rating": 5})
	save("reviews", "reviewspare0001", map[string]any{"candidate": CandidateOne, "answer": "answerspare0001", "author": Reviewer, "rating": 3})
	save("reviews", "reviewwhole0001", map[string]any{"candidate": CandidateOne, "author": RecruiterOnTeam, "rating": 2})
	for i, name := range []string{`=HYPERLINK("https://example.com/x","Click")`, "@risk", "+1 caller", "-minus", `Doe, "Jane"`, "bob"} {
		save("candidates", "candidateextra"+string(rune('a'+i)), map[string]any{"interview": InterviewOne, "name": name, "email": "extra" + string(rune('a'+i)) + "@example.com"})
	}
	AwaitInvitations(t, app)
}

// readExport parses the file and indexes its rows by name.
func readExport(t testing.TB, body []byte) (header []string, rows map[string][]string, order []string) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("no UTF-8 byte order mark: %q", body[:min(len(body), 20)])
	}
	records, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	rows = map[string][]string{}
	for _, r := range records[1:] {
		rows[r[0]] = r
		order = append(order, r[0])
	}
	return records[0], rows, order
}

// Only the interview's team exports it, and the file holds the interview's candidates alone (not Grace, of interview
// Two). Reading writes nothing.
func TestExportAccess(t *testing.T) {
	t.Parallel()
	run(t, []tests.ApiScenario{
		{Name: "an admin", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(Admin),
			ExpectedStatus: 200, ExpectedContent: []string{"Ada"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "the owner", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(Recruiter),
			ExpectedStatus: 200, ExpectedContent: []string{"Ada"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "a recruiter on the team", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(RecruiterOnTeam),
			ExpectedStatus: 200, ExpectedContent: []string{"Ada"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "a reviewer on the team", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(Reviewer),
			ExpectedStatus: 200, ExpectedContent: []string{"Ada"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "a recruiter off the team", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(OtherRecruiter),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "a reviewer off the team", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(OtherReviewer),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "anonymous", Method: http.MethodGet, URL: exportURL,
			ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
		{Name: "an unknown interview", Method: http.MethodGet, URL: "/api/takeone/interviews/nosuchinterview/export.csv", Headers: tpl.Auth(Admin),
			ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, NotExpectedContent: []string{"Grace"}, ExpectedEvents: Fired()},
	})
}

// The file as a spreadsheet opens it: headers, one row per candidate, ratings, quoting, no formulas.
func TestExportFile(t *testing.T) {
	t.Parallel()
	s := tests.ApiScenario{Name: "admin's export", Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(Admin), ExpectedStatus: 200, ExpectedContent: []string{"Ada"},
		ExpectedEvents: Fired(),
		TestAppFactory: tpl.New,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { exportFixtures(t, app) },
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			for k, want := range map[string]string{
				"Content-Type":        "text/csv; charset=utf-8",
				"Content-Disposition": `attachment; filename="support-engineer-candidates.csv"`,
				"Cache-Control":       "no-store",
			} {
				if got := res.Header.Get(k); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
			body, _ := io.ReadAll(res.Body)
			header, rows, order := readExport(t, body)
			wantHeader := []string{"Name", "Email", "Status", "Stage", "Submitted at (UTC)", "Answers submitted", "Reviews", "Average rating",
				"Q1: Tell us about yourself (average rating)", "Q2: Where do you see yourself? (average rating)"}
			if !slices.Equal(header, wantHeader) {
				t.Errorf("header\n%q\nwant\n%q", header, wantHeader)
			}
			if len(rows) != 7 {
				t.Errorf("%d rows, want Ada and the 6 others: %q", len(rows), order)
			}
			// Ada: 2 submitted answers (the take not submitted is not counted), 4 reviews: 4 5 3 2
			want := []string{"Ada", "ada@example.com", "completed", "shortlisted", "2026-11-20 09:30:15", "2", "4", "3.50", "4.50", "3.00"}
			if got := rows["Ada"]; !slices.Equal(got, want) {
				t.Errorf("Ada's row\n%q\nwant\n%q", got, want)
			}
			if got, want := rows["bob"], []string{"bob", "extraf@example.com", "invited", "new", "", "0", "0", "", "", ""}; !slices.Equal(got, want) {
				t.Errorf("a candidate without answers\n%q\nwant\n%q", got, want)
			}
			for _, name := range []string{`'=HYPERLINK("https://example.com/x","Click")`, "'@risk", "'+1 caller", "'-minus"} {
				if rows[name] == nil {
					t.Errorf("no row named %q: a formula would run in a spreadsheet (%q)", name, order)
				}
			}
			if rows[`Doe, "Jane"`] == nil || !bytes.Contains(body, []byte(`"Doe, ""Jane"""`)) {
				t.Errorf("a name with a comma and quotes is not quoted: %q", order)
			}
			if i, j := slices.Index(order, "Ada"), slices.Index(order, "bob"); i > j {
				t.Errorf("rows are not sorted by name, ignoring case: %q", order)
			}
			if !bytes.Contains(body, []byte("\r\n")) {
				t.Error("lines do not end in CRLF")
			}
		},
	}
	s.Test(t)
}

// A team member's export counts the reviews they could list, no more: the file is no way around the blind rule.
func TestExportIsBlindLikeTheReviews(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		as    string
		given func(testing.TB, core.App)
		want  []string // Reviews, Average rating, Q1, Q2 of Ada
	}{
		{name: "an admin off the team: every review", as: Admin, want: []string{"4", "3.50", "4.50", "3.00"}},
		{name: "the owner rated the first answer only", as: Recruiter, want: []string{"2", "4.50", "4.50", ""}},
		{name: "the reviewer rated both answers, not Ada as a whole", as: Reviewer, want: []string{"3", "4.00", "4.50", "3.00"}},
		{name: "the team recruiter reviewed Ada as a whole only", as: RecruiterOnTeam, want: []string{"1", "2.00", "", ""}},
		{name: "an admin on the team who rated nothing", as: Admin, given: func(t testing.TB, app core.App) {
			i, _ := app.FindRecordById("interviews", InterviewOne)
			i.Set("team+", Admin)
			if err := app.Save(i); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"0", "", "", ""}},
	} {
		s := tests.ApiScenario{Name: c.name, Method: http.MethodGet, URL: exportURL, Headers: tpl.Auth(c.as), ExpectedStatus: 200, ExpectedContent: []string{"Ada"}, ExpectedEvents: Fired(),
			TestAppFactory: tpl.New,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				exportFixtures(t, app)
				if c.given != nil {
					c.given(t, app)
				}
			},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				body, _ := io.ReadAll(res.Body)
				_, rows, _ := readExport(t, body)
				if got := rows["Ada"][6:]; !slices.Equal(got, c.want) {
					t.Errorf("Ada's reviews, average, Q1, Q2: %q, want %q", got, c.want)
				}
				// the same count as the reviews' list rule gives this caller
				user, _ := app.FindRecordById("users", c.as)
				all, _ := app.FindAllRecords("reviews", dbx.HashExp{"candidate": CandidateOne})
				visible := 0
				for _, r := range all {
					if ok, err := app.CanAccessRecord(r, &core.RequestInfo{Auth: user, Method: http.MethodGet}, r.Collection().ListRule); err != nil {
						t.Fatal(err)
					} else if ok {
						visible++
					}
				}
				if c.want[0] != strconv.Itoa(visible) {
					t.Errorf("the export counts %s reviews, the reviews' list rule lets %d through", c.want[0], visible)
				}
			},
		}
		s.Test(t)
	}
}
