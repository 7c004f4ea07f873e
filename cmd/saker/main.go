// Command saker records syscall captures on a suspect Linux host and analyzes them offline for
// cryptojacking. See README.md.
package main

import (
	"os"

	"saker/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
