#!/bin/sh
# Runs every Go fuzz target in the module for a short time each: fuzz.sh DURATION (e.g. 10s).
set -eu
time=${1:-10s}
go list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do
	grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | while read -r target; do
		echo "fuzz: $pkg $target ($time)"
		go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -fuzzminimizetime 1s "$pkg"
	done
done
