package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// verifyAnswer is the part of `sohoa verify`'s report the attack tests read.
type verifyAnswer struct {
	Problems   []struct{ Code string } `json:"problems"`
	Warnings   []struct{ Code string } `json:"warnings"`
	Signatures []struct {
		Problems []struct{ Code string } `json:"problems"`
	} `json:"signatures"`
}

func (a verifyAnswer) problems() []string {
	var out []string
	for _, p := range a.Problems {
		out = append(out, p.Code)
	}
	for _, s := range a.Signatures {
		for _, p := range s.Problems {
			out = append(out, p.Code)
		}
	}
	return out
}

// verifyFile runs `sohoa verify` and checks its own rule: exit 0 never comes with a listed
// problem.
func verifyFile(t *testing.T, args ...string) (verifyAnswer, int) {
	t.Helper()
	out, code := run(t, append([]string{"verify"}, args...)...)
	var a verifyAnswer
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("sohoa verify %v: not JSON: %v\n%s", args, err, out)
	}
	if code == 0 && len(a.problems()) > 0 {
		t.Errorf("sohoa verify %v exited 0 while listing problems %v", args, a.problems())
	}
	return a, code
}

// TestVerifyCommandAttacks runs every PDF-Insecurity attack class through `sohoa verify`,
// strict and relaxed, on a file signed once and on one signed twice (certified copy).
func TestVerifyCommandAttacks(t *testing.T) {
	dir := t.TempDir()
	p12 := filepath.Join(dir, "id.p12")
	writeP12(t, p12, "pw")
	t.Setenv("TEST_P12_PASSWORD", "pw")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	signFile := func(in, out, name string) []byte {
		if _, code := run(t, "sign", in, "-o", out, "--p12", p12, "--password-env", "TEST_P12_PASSWORD", "--name", name); code != 0 {
			t.Fatalf("sohoa sign %s failed", in)
		}
		b, _ := os.ReadFile(out)
		return b
	}
	unsigned := write("doc.pdf", attack.FormPDF("Von kinh doanh: 130.000.000"))
	one := signFile(unsigned, filepath.Join(dir, "one.pdf"), "Nguyễn Văn An")
	two := signFile(filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf"), "UBND phường Một")
	prep, alt, err := attack.Prepare(attack.FormPDF("Von kinh doanh: 130.000.000"))
	if err != nil {
		t.Fatal(err)
	}
	write("prep.pdf", prep)
	signFile(filepath.Join(dir, "prep.pdf"), filepath.Join(dir, "prep1.pdf"), "Nguyễn Văn An")
	prepTwo := signFile(filepath.Join(dir, "prep1.pdf"), filepath.Join(dir, "prep2.pdf"), "UBND phường Một")
	for _, good := range []string{"one.pdf", "two.pdf", "prep2.pdf"} {
		if _, code := verifyFile(t, "--roots", p12+".pem", filepath.Join(dir, good)); code != 0 {
			t.Fatalf("sohoa verify of the signed %s exited %d", good, code)
		}
	}

	type variant struct {
		class string
		make  func([]byte) ([]byte, error)
	}
	usf := func(v string) variant {
		return variant{"USF " + v, func(b []byte) ([]byte, error) { return attack.USF(b, v) }}
	}
	variants := []variant{
		{"shadow hide", attack.ShadowHide}, {"shadow replace", attack.ShadowReplace},
		{"ISA body only", attack.ISABodyOnly}, {"ISA no %%EOF", attack.ISANoEOF}, {"SWA", attack.SWA},
		usf(attack.USFNoByteRange), usf(attack.USFNullByteRange), usf(attack.USFEmptyContents), usf(attack.USFNoContents),
	}
	n := 0
	for _, base := range []struct {
		name string
		pdf  []byte
	}{{"one signature", one}, {"two signatures", two}} {
		for _, v := range variants {
			attacked, err := v.make(base.pdf)
			if err != nil {
				t.Fatalf("%s: %v", v.class, err)
			}
			n++
			p := write(fmt.Sprintf("attacked%d.pdf", n), attacked)
			for _, mode := range [][]string{{"--roots", p12 + ".pem"}, {"--relax-trust"}} {
				if a, code := verifyFile(t, append(mode, p)...); code == 0 {
					t.Errorf("%s / %s: sohoa verify %v exited 0 (problems %v)", v.class, base.name, mode, a.problems())
				}
			}
		}
	}
	har, err := attack.Reveal(prepTwo, alt)
	if err != nil {
		t.Fatal(err)
	}
	if _, code := verifyFile(t, "--roots", p12+".pem", write("har.pdf", har)); code == 0 {
		t.Error("shadow hide-and-replace: sohoa verify exited 0")
	}

	// Junk after %%EOF, which readers ignore, is a warning: exit 0 and no problem listed.
	junk := write("junk.pdf", append(append([]byte{}, one...), "% trailing junk\n"...))
	a, code := verifyFile(t, "--roots", p12+".pem", junk)
	if code != 0 || len(a.Warnings) != 1 || a.Warnings[0].Code != "trailing_bytes" {
		t.Errorf("junk after %%%%EOF: exit %d, warnings %+v, problems %v", code, a.Warnings, a.problems())
	}
}
