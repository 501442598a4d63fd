// Takeone: self-hosted one-way video interviews in one binary. main only wires: it loads the configuration and
// starts the app.
package main

import (
	"fmt"
	"os"

	"github.com/takeone/takeone/internal/app"
	"github.com/takeone/takeone/internal/config"
	_ "github.com/takeone/takeone/pb_migrations"
)

func main() {
	cfg, err := config.Load(config.ParseFlags(os.Args[1:]), os.Environ())
	if err != nil {
		fmt.Fprintln(os.Stderr, "takeone: configuration error:", err)
		os.Exit(2)
	}
	if err := app.New(cfg).Start(); err != nil {
		fmt.Fprintln(os.Stderr, "takeone:", err)
		os.Exit(1)
	}
}
