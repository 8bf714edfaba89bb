// Command gendoc writes the README's table of SOHOA_* variables from
// config.Config (run by go generate ./config).
package main

import (
	"flag"
	"log"
	"os"

	"github.com/sohoa-vn/sohoa/config"
)

func main() {
	readme := flag.String("readme", "README.md", "the README to update")
	flag.Parse()
	b, err := os.ReadFile(*readme)
	if err != nil {
		log.Fatal(err)
	}
	out, err := config.ReplaceTable(string(b))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*readme, []byte(out), 0o644); err != nil {
		log.Fatal(err)
	}
}
