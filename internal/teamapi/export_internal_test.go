package teamapi

import (
	"slices"
	"testing"
)

func TestSlug(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ title, want string }{
		{"Support engineer", "support-engineer"},
		{"  Senior Go / Rust Developer (m/f/d)  ", "senior-go-rust-developer-m-f-d"},
		{"Ingénieur d'études", "ingenieur-d-etudes"},
		{"Straße & Café 2026", "strasse-cafe-2026"},
		{`"; rm -rf / #`, "rm-rf"},
		{"面接", "interview"},
		{"", "interview"},
		{"a very long title that goes on and on well past what a file name should carry along", "a-very-long-title-that-goes-on-and-on-well-past-what-a-file"},
	} {
		if got := slug(c.title); got != c.want {
			t.Errorf("slug(%q) = %q, want %q", c.title, got, c.want)
		}
	}
}

func TestSafeCells(t *testing.T) {
	t.Parallel()
	got := safeCells([]string{"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "Ada", "", "a=b", "4.50"})
	want := []string{"'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "Ada", "", "a=b", "4.50"}
	if !slices.Equal(got, want) {
		t.Errorf("safeCells: %q, want %q", got, want)
	}
}
