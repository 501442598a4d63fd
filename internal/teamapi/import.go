package teamapi

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/takeone/takeone/pb_migrations"
)

// Limits of one import: a file and a row count well above a large hiring round.
const (
	maxImportBytes = 10 << 20
	maxImportRows  = 20000
)

// importRow is one candidate of the file, or why its row is refused.
type importRow struct {
	line   int // in the file, from 1 (the header is line 1)
	name   string
	email  string
	extra  int
	reason string
}

// refusedRow is reported to the team for each row that cannot be imported.
type refusedRow struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// importCandidates answers POST /api/takeone/interviews/{id}/candidates/import: a CSV file (the body as text/csv,
// or the "file" field of a form) with a header line naming the columns name and email (and, if wanted,
// extra_time_percent). Either every row is imported, or nothing is and every refused row is reported (422) with
// its line and reason. Each candidate imported gets their invitation email.
func importCandidates(e *core.RequestEvent) error {
	interview, err := e.App.FindRecordById(pb_migrations.Interviews, e.Request.PathValue("id"))
	if err != nil || (!e.HasSuperuserAuth() && !canInvite(e.Auth, interview)) {
		return e.NotFoundError("No such interview.", nil)
	}
	data, err := readImport(e)
	if err != nil {
		return err
	}
	rows, err := parseCandidates(data)
	if err != nil {
		return e.BadRequestError(err.Error(), nil)
	}
	if len(rows) > maxImportRows {
		return e.Error(http.StatusRequestEntityTooLarge, fmt.Sprintf("The file has %d candidates; import at most %d at a time (split the file).", len(rows), maxImportRows), nil)
	}
	if err := markExisting(e.App, interview.Id, rows); err != nil {
		return e.InternalServerError("", err)
	}
	var refused []refusedRow
	for _, r := range rows {
		if r.reason != "" {
			refused = append(refused, refusedRow{Line: r.line, Email: r.email, Reason: r.reason})
		}
	}
	if len(refused) > 0 {
		return e.JSON(http.StatusUnprocessableEntity, map[string]any{
			"message": fmt.Sprintf("%d of %d rows cannot be imported, so nothing was imported. Fix them and import the file again.", len(refused), len(rows)),
			"refused": refused,
		})
	}
	collection, err := e.App.FindCollectionByNameOrId(pb_migrations.Candidates)
	if err != nil {
		return e.InternalServerError("", err)
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		for _, r := range rows {
			c := core.NewRecord(collection)
			c.Set("interview", interview.Id)
			c.Set("name", r.name)
			c.Set("email", r.email)
			c.Set("extra_time_percent", r.extra)
			if err := tx.Save(c); err != nil {
				return fmt.Errorf("line %d (%s): %w", r.line, r.email, err)
			}
		}
		return nil
	})
	if err != nil {
		return e.BadRequestError("Nothing was imported: "+err.Error(), nil)
	}
	return e.JSON(http.StatusOK, map[string]int{"imported": len(rows)})
}

// readImport reads the file from a text/csv body or a form's "file" field.
func readImport(e *core.RequestEvent) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	var r io.Reader = e.Request.Body
	if mt == "multipart/form-data" {
		files, err := e.FindUploadedFiles("file")
		if err != nil || len(files) == 0 {
			return nil, e.BadRequestError("Attach the CSV file as the form field \"file\".", nil)
		}
		f, err := files[0].Reader.Open()
		if err != nil {
			return nil, e.BadRequestError("The file could not be read.", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return nil, e.BadRequestError("The file could not be read.", err)
	}
	if len(data) > maxImportBytes {
		return nil, e.Error(http.StatusRequestEntityTooLarge, "The file is larger than 10 MB; split it.", nil)
	}
	return data, nil
}

var errNotCSV = errors.New("this is not a CSV file of candidates: the first line must name the columns, for example \"name,email\"")

// parseCandidates reads the rows of a candidates CSV (comma or semicolon separated, as spreadsheets save it) and
// marks the rows that are refused on their own: a missing name, a bad email, an email twice in the file.
func parseCandidates(data []byte) ([]*importRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a spreadsheet's byte order mark
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		return nil, errors.New("this file is not text (CSV): save it from your spreadsheet as CSV (UTF-8) and try again")
	}
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	rd := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		rd.Comma = ';'
	}
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	header, err := rd.Read()
	if err != nil {
		return nil, errNotCSV
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	nameCol, okName := col["name"]
	emailCol, okEmail := col["email"]
	if !okName || !okEmail {
		return nil, fmt.Errorf("%w; this file's first line is %q", errNotCSV, strings.TrimSpace(string(firstLine)))
	}
	extraCol, hasExtra := col["extra_time_percent"]

	var rows []*importRow
	seen := map[string]int{} // lowercased email -> line
	for {
		fields, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("the file is not valid CSV at line %d: %v", pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("the file is not valid CSV: %v", err)
		}
		line, _ := rd.FieldPos(0)
		if len(fields) == 1 && strings.TrimSpace(fields[0]) == "" {
			continue // an empty line
		}
		get := func(i int) string {
			if i < len(fields) {
				return strings.TrimSpace(fields[i])
			}
			return ""
		}
		r := &importRow{line: line, name: get(nameCol), email: get(emailCol)}
		switch addr, err := mail.ParseAddress(r.email); {
		case r.name == "":
			r.reason = "the name is missing"
		case len([]rune(r.name)) > 200:
			r.reason = "the name is longer than 200 characters"
		case r.email == "":
			r.reason = "the email is missing"
		case err != nil || addr.Address != r.email || !strings.Contains(r.email[strings.LastIndex(r.email, "@"):], "."):
			r.reason = "the email is not a valid address like name@example.com"
		}
		if hasExtra && r.reason == "" {
			if v := get(extraCol); v != "" {
				n, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
				if err != nil || n < 0 || n > 300 {
					r.reason = "extra_time_percent must be a whole number from 0 to 300"
				}
				r.extra = n
			}
		}
		key := strings.ToLower(r.email)
		if first, dup := seen[key]; dup && r.reason == "" {
			r.reason = fmt.Sprintf("the same email as line %d", first)
		} else if !dup {
			seen[key] = line
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil, errors.New("the file has no candidates below its first line")
	}
	return rows, nil
}

// markExisting refuses the rows whose email is already invited to the interview.
func markExisting(app core.App, interviewID string, rows []*importRow) error {
	var existing []string
	err := app.DB().Select("email").From(pb_migrations.Candidates).
		Where(dbx.HashExp{"interview": interviewID}).Column(&existing)
	if err != nil {
		return err
	}
	invited := make(map[string]bool, len(existing))
	for _, e := range existing {
		invited[strings.ToLower(e)] = true
	}
	for _, r := range rows {
		if r.reason == "" && invited[strings.ToLower(r.email)] {
			r.reason = "already invited to this interview"
		}
	}
	return nil
}
