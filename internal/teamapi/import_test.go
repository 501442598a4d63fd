package teamapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	. "github.com/takeone/takeone/internal/testapp"
)

const importURL = "/api/takeone/interviews/" + InterviewOne + "/candidates/import"

// countOf counts InterviewOne's candidates (the fixtures have one, Ada).
func countOf(t testing.TB, app *tests.TestApp) int {
	n, err := app.CountRecords("candidates", dbx.HashExp{"interview": InterviewOne})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func expectCount(want int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if got := countOf(t, app); got != want {
			t.Errorf("InterviewOne has %d candidates, want %d", got, want)
		}
	}
}

func csvHeaders(user string) map[string]string {
	h := map[string]string{"Content-Type": "text/csv"}
	for k, v := range tpl.Auth(user) {
		h[k] = v
	}
	return h
}

func TestImportCandidates(t *testing.T) {
	t.Parallel()
	good := "name,email,extra_time_percent\nLinus Torvalds,linus@example.com,\nMargaret Hamilton,margaret@example.com,25\n\n Radia Perlman , radia@example.com ,0\n"
	bad := strings.Join([]string{
		"Name,Email",
		",nobody@example.com",           // line 2: no name
		"Bad Email,not-an-email",        // line 3
		"Ada Again,ADA@example.com",     // line 4: already invited (fixture)
		"Grace,grace@example.org",       // line 5: fine
		"Grace Twice,Grace@Example.org", // line 6: same as line 5
		"No Domain,someone@localhost",   // line 7
	}, "\n")
	form := &bytes.Buffer{}
	mw := multipart.NewWriter(form)
	fw, _ := mw.CreateFormFile("file", "candidates.csv")
	fmt.Fprint(fw, "name;email\r\nLinus;linus@example.com\r\n")
	mw.Close()
	formHeaders := tpl.Auth(Recruiter)
	formHeaders["Content-Type"] = mw.FormDataContentType()

	run(t, []tests.ApiScenario{
		{Name: "the owner imports; blank lines and spaces are fine", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(good),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 200, ExpectedContent: []string{`"imported":3`}, ExpectedEvents: FiredBesidesInvitation(Times(RecordCreated, 3)),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				expectCount(4)(t, app, res)
				r, err := app.FindFirstRecordByData("candidates", "email", "margaret@example.com")
				if err != nil || r.GetInt("extra_time_percent") != 25 || len(r.GetString("token")) != 43 || r.GetString("status") != "invited" {
					t.Errorf("imported candidate: %v %v", r, err)
				}
				if r, _ := app.FindFirstRecordByData("candidates", "email", "radia@example.com"); r == nil || r.GetString("name") != "Radia Perlman" {
					t.Errorf("spaces around values are kept: %v", r)
				}
			}},
		{Name: "a semicolon file from a spreadsheet, with a byte order mark, as a form upload", Method: http.MethodPost, URL: importURL,
			Body: form, Headers: formHeaders, ExpectedStatus: 200, ExpectedContent: []string{`"imported":1`}, ExpectedEvents: FiredBesidesInvitation(RecordCreated), AfterTestFunc: expectCount(2)},
		{Name: "every refused row is reported and nothing is imported", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(bad),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 422, ExpectedContent: []string{"5 of 6 rows cannot be imported, so nothing was imported",
				`{"line":2,"email":"nobody@example.com","reason":"the name is missing"}`,
				`{"line":3,"email":"not-an-email","reason":"the email is not a valid address like name@example.com"}`,
				`{"line":4,"email":"ADA@example.com","reason":"already invited to this interview"}`,
				`{"line":6,"email":"Grace@Example.org","reason":"the same email as line 5"}`,
				`{"line":7,"email":"someone@localhost","reason":"the email is not a valid address like name@example.com"}`},
			NotExpectedContent: []string{`"line":5`}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "extra time out of range", Method: http.MethodPost, URL: importURL, Body: strings.NewReader("name,email,extra_time_percent\nX,x@example.com,500\n"),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 422, ExpectedContent: []string{"from 0 to 300"}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "a file that is not text", Method: http.MethodPost, URL: importURL, Body: bytes.NewReader([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 400, ExpectedContent: []string{"not text (CSV)", "save it from your spreadsheet as CSV"}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "text that is not a CSV of candidates", Method: http.MethodPost, URL: importURL, Body: strings.NewReader("Dear team, here are the people:\nLinus\n"),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 400, ExpectedContent: []string{`the first line must name the columns, for example \"name,email\"`}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "broken quoting", Method: http.MethodPost, URL: importURL, Body: strings.NewReader("name,email\n\"Linus,linus@example.com\nX,x@example.com\n"),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 400, ExpectedContent: []string{"not valid CSV at line"}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "a header and nothing else", Method: http.MethodPost, URL: importURL, Body: strings.NewReader("name,email\n"),
			Headers: csvHeaders(Recruiter), ExpectedStatus: 400, ExpectedContent: []string{"no candidates below its first line"}, ExpectedEvents: Fired()},
		{Name: "a recruiter on the team imports", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(good),
			Headers: csvHeaders(RecruiterOnTeam), ExpectedStatus: 200, ExpectedContent: []string{`"imported":3`}, ExpectedEvents: FiredBesidesInvitation(Times(RecordCreated, 3))},
		{Name: "a reviewer cannot", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(good),
			Headers: csvHeaders(Reviewer), ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "another recruiter cannot", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(good),
			Headers: csvHeaders(OtherRecruiter), ExpectedStatus: 404, ExpectedContent: []string{"No such interview"}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
		{Name: "anonymous cannot", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(good),
			Headers: map[string]string{"Content-Type": "text/csv"}, ExpectedStatus: 401, ExpectedContent: []string{`"status":401`}, ExpectedEvents: Fired(), AfterTestFunc: expectCount(1)},
	})
}

// A 10,000-row file imports whole, in one transaction.
func TestImportTenThousandCandidates(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "Candidate %d,candidate%d@example.com\n", i, i)
	}
	began := time.Now()
	s := tests.ApiScenario{Name: "10,000 rows", Method: http.MethodPost, URL: importURL, Body: strings.NewReader(b.String()),
		Headers: csvHeaders(Recruiter), ExpectedStatus: 200, ExpectedContent: []string{`"imported":10000`}, ExpectedEvents: FiredBesidesInvitation(Times(RecordCreated, 10000)),
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			t.Logf("10,000 candidates imported in %v", time.Since(began).Round(time.Millisecond))
			expectCount(10001)(t, app, res)
		},
		TestAppFactory: tpl.New}
	s.Test(t)
	t.Logf("and their 10,000 invitations handled (no SMTP here: each marked not sent) after %v", time.Since(began).Round(time.Millisecond))
}
