package teamapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

// exportCandidates answers GET /api/takeone/interviews/{id}/export.csv for the interview's team (admins, the owner,
// the team's recruiters and reviewers): one row per candidate with their status, stage, submission, and ratings,
// as a CSV file that spreadsheets open as UTF-8.
//
// The ratings follow the reviews' blind rule (pb_migrations/1764200000_reviews_blind.go): a team member's file
// counts only the reviews they could list, so an export is no way around "hidden until you have rated".
func exportCandidates(e *core.RequestEvent) error {
	interview, err := e.App.FindRecordById(pb_migrations.Interviews, e.Request.PathValue("id"))
	if err != nil || (!e.HasSuperuserAuth() && !onTeam(e.Auth, interview)) {
		return e.NotFoundError("No such interview.", nil)
	}
	var caller string
	exempt := e.HasSuperuserAuth()
	if !exempt {
		caller = e.Auth.Id
		exempt = pb_migrations.Role(e.Auth.GetString("role")) == pb_migrations.RoleAdmin && interview.GetString("owner") != caller && !slices.Contains(interview.GetStringSlice("team"), caller)
	}
	data, err := loadExport(e.App, interview.Id)
	if err != nil {
		return e.InternalServerError("The export could not be read; try again.", err)
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // the byte order mark makes spreadsheet programs read UTF-8
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(safeCells(data.header()))
	for _, row := range data.rows(caller, exempt) {
		_ = w.Write(safeCells(row))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return e.InternalServerError("The export could not be written; try again.", err)
	}
	h := e.Response.Header()
	h.Set("Content-Disposition", `attachment; filename="`+slug(interview.GetString("title"))+`-candidates.csv"`)
	h.Set("Cache-Control", "no-store") // candidates' personal data
	return e.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// onTeam reports whether user sees the interview: admins, its owner and its team (the collections' list rules).
func onTeam(user, interview *core.Record) bool {
	if user == nil || user.Collection().Name != pb_migrations.Users {
		return false
	}
	return pb_migrations.Role(user.GetString("role")) == pb_migrations.RoleAdmin || interview.GetString("owner") == user.Id ||
		slices.Contains(interview.GetStringSlice("team"), user.Id)
}

type exportQuestion struct {
	ID     string `db:"id"`
	Prompt string `db:"prompt"`
}

type exportCandidate struct {
	ID          string `db:"id"`
	Name        string `db:"name"`
	Email       string `db:"email"`
	Status      string `db:"status"`
	Stage       string `db:"stage"`
	CompletedAt string `db:"completed_at"`
}

type exportAnswer struct {
	ID        string `db:"id"`
	Candidate string `db:"candidate"`
	Question  string `db:"question"`
}

type exportReview struct {
	Candidate string `db:"candidate"`
	Answer    string `db:"answer"`
	Author    string `db:"author"`
	Rating    int    `db:"rating"`
}

// export is what one interview's file is made of.
type export struct {
	questions  []exportQuestion
	candidates []exportCandidate
	answers    []exportAnswer // submitted ones
	reviews    []exportReview
}

func loadExport(app core.App, interview string) (*export, error) {
	x := &export{}
	p := dbx.Params{"interview": interview}
	ofInterview := "candidate IN (SELECT id FROM candidates WHERE interview = {:interview})"
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{"SELECT id, prompt FROM questions WHERE interview = {:interview} ORDER BY position, created, id", &x.questions},
		{"SELECT id, name, email, status, stage, completed_at FROM candidates WHERE interview = {:interview} ORDER BY name COLLATE NOCASE, email COLLATE NOCASE", &x.candidates},
		{"SELECT id, candidate, question FROM answers WHERE submitted = TRUE AND " + ofInterview + " ORDER BY created", &x.answers},
		{"SELECT candidate, answer, author, rating FROM reviews WHERE " + ofInterview, &x.reviews},
	} {
		if err := app.DB().NewQuery(q.sql).Bind(p).All(q.dest); err != nil {
			return nil, fmt.Errorf("export of interview %s: %w", interview, err)
		}
	}
	return x, nil
}

func (x *export) header() []string {
	h := []string{"Name", "Email", "Status", "Stage", "Submitted at (UTC)", "Answers submitted", "Reviews", "Average rating"}
	for i, q := range x.questions {
		label := fmt.Sprintf("Q%d", i+1)
		if p := strings.Join(strings.Fields(q.Prompt), " "); p != "" {
			label += ": " + truncateRunes(p, 80)
		}
		h = append(h, label+" (average rating)")
	}
	return h
}

// rows are the candidates' rows, counting the reviews caller may see (every review when exempt).
func (x *export) rows(caller string, exempt bool) [][]string {
	target := func(r exportReview) string {
		if r.Answer != "" {
			return r.Answer
		}
		return "candidate:" + r.Candidate
	}
	rated := map[string]bool{}
	for _, r := range x.reviews {
		if r.Author == caller {
			rated[target(r)] = true
		}
	}
	reviews := map[string]int{}       // the candidate's visible reviews
	byCandidate := map[string][]int{} // and their ratings
	byAnswer := map[string][]int{}
	for _, r := range x.reviews {
		if exempt || r.Author == caller || rated[target(r)] {
			reviews[r.Candidate]++
			if r.Rating < 1 {
				continue // written before ratings were required
			}
			byCandidate[r.Candidate] = append(byCandidate[r.Candidate], r.Rating)
			if r.Answer != "" {
				byAnswer[r.Answer] = append(byAnswer[r.Answer], r.Rating)
			}
		}
	}
	submitted := map[string]int{}
	answerOf := map[[2]string]string{} // candidate, question -> submitted answer
	for _, a := range x.answers {
		submitted[a.Candidate]++
		answerOf[[2]string{a.Candidate, a.Question}] = a.ID
	}
	out := make([][]string, 0, len(x.candidates))
	for _, c := range x.candidates {
		row := []string{c.Name, c.Email, c.Status, c.Stage, submittedAt(c.CompletedAt),
			strconv.Itoa(submitted[c.ID]), strconv.Itoa(reviews[c.ID]), average(byCandidate[c.ID])}
		for _, q := range x.questions {
			row = append(row, average(byAnswer[answerOf[[2]string{c.ID, q.ID}]]))
		}
		out = append(out, row)
	}
	return out
}

// average has two decimals, and is empty without ratings.
func average(ratings []int) string {
	if len(ratings) == 0 {
		return ""
	}
	sum := 0
	for _, r := range ratings {
		sum += r
	}
	return strconv.FormatFloat(float64(sum)/float64(len(ratings)), 'f', 2, 64)
}

// submittedAt is a stored date as spreadsheets read it: "2026-11-25 23:30:56" (UTC), or empty.
func submittedAt(stored string) string {
	if len(stored) < 19 {
		return ""
	}
	return stored[:19]
}

// safeCells keeps a spreadsheet from running a cell as a formula: a cell that starts with = + - @ (or a tab or
// carriage return, which some programs skip before one) gets a leading apostrophe, shown as text.
func safeCells(row []string) []string {
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			row[i] = "'" + c
		}
	}
	return row
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// slug makes a file name part of a title: lower case ASCII letters and digits joined by single dashes, common
// accented letters written without their accent, about 60 characters at most, "interview" when nothing is left.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		s, ok := unaccent[r]
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			s = string(r)
		case !ok:
			s = ""
		}
		if s == "" {
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(s)
		if b.Len() >= 60 { // at the last whole word
			out := b.String()
			if i := strings.LastIndexByte(out, '-'); i > 0 {
				out = out[:i]
			}
			return out
		}
	}
	if b.Len() == 0 {
		return "interview"
	}
	return b.String()
}

var unaccent = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ł': "l", 'þ': "th"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "e": "èéêëēĕėęě", "i": "ìíîïĩīĭįı", "n": "ñńņňŉ", "o": "òóôõöōŏő",
		"u": "ùúûüũūŭůűų", "y": "ýÿŷ", "s": "śŝşš", "z": "źżž", "g": "ĝğġģ", "r": "ŕŗř", "t": "ţťŧ", "d": "ď", "l": "ĺļľŀ",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()
