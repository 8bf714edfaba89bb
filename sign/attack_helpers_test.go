package sign

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// attackBase is a signed document an attack starts from.
type attackBase struct {
	name   string
	signed []byte
}

// attackBases signs a one-page document with a text field and an indirect AcroForm: once
// (an approval signature), twice (a certified copy: the certifier's, then the agency's) and
// as a certification allowing form filling (DocMDP P=2). prepare, when not nil, runs on the
// unsigned document first (the hide-and-replace attacker's preparation).
func attackBases(t *testing.T, prepare func([]byte) []byte) []attackBase {
	t.Helper()
	id, _ := testIdentity(t)
	in := makePDF(pdfSpec{pages: 1, acroFormField: true})
	if prepare != nil {
		in = prepare(in)
	}
	one := signBytes(t, in, id, Options{Name: "Nguyễn Văn An"})
	two := signBytes(t, one, id, Options{Name: "UBND phường Một"})
	cert := signBytes(t, in, id, Options{Name: "Nguyễn Văn An", DocMDP: 2})
	return []attackBase{{"one signature", one}, {"certified copy (two signatures)", two}, {"certification P=2", cert}}
}

// render returns page 1 rendered by poppler at 20 dpi (PGM), as a viewer draws it.
func render(t *testing.T, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	os.WriteFile(in, pdf, 0o644)
	if out, err := exec.Command("pdftoppm", "-r", "20", "-gray", "-f", "1", "-l", "1", in, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm (Debian: poppler-utils): %v\n%s", err, out)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "p*.pgm"))
	if len(m) != 1 {
		t.Fatalf("pdftoppm wrote %v", m)
	}
	b, _ := os.ReadFile(m[0])
	return b
}

// pdfsig returns poppler's verdict on the file, one line per signature.
func pdfsig(t *testing.T, pdf []byte) string {
	t.Helper()
	p := writeTemp(t, "attacked.pdf", pdf)
	out, _ := run(t, "pdfsig", p)
	var v []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "- Signature Validation:") || strings.HasPrefix(l, "- Total document signed") || strings.HasPrefix(l, "- Not total document signed") {
			v = append(v, strings.TrimPrefix(l, "- "))
		}
	}
	if len(v) == 0 {
		return strings.TrimSpace(out)
	}
	return strings.Join(v, "; ")
}

// checkAttack asserts that a viewer shows the attacked file differently from the signed one
// (when shows is true), that sohoa's verdict is not valid with a problem naming it, and
// logs pdfsig's answer. SOHOA_ATTACK_OUT, when set, receives the attacked file.
func checkAttack(t *testing.T, class string, base attackBase, attacked []byte, shows bool) {
	t.Helper()
	if shows && bytes.Equal(render(t, base.signed), render(t, attacked)) {
		t.Fatalf("%s: poppler draws the attacked page as the signed one: the attack did not take", base.name)
	}
	if dir := os.Getenv("SOHOA_ATTACK_OUT"); dir != "" {
		_, ca := testIdentity(t)
		if pem, err := os.ReadFile(ca); err == nil {
			os.WriteFile(filepath.Join(dir, "ca.pem"), pem, 0o644)
		}
		name := strings.NewReplacer(" ", "_", "(", "", ")", "", "=", "", "/", "", "%", "").Replace(class + "-" + base.name)
		os.WriteFile(filepath.Join(dir, name+".pdf"), attacked, 0o644)
	}
	id, _ := testIdentity(t)
	rep, err := Verify(bytes.NewReader(attacked), int64(len(attacked)), testRoots(id))
	t.Logf("%s / %s: pdfsig: %s", class, base.name, pdfsig(t, attacked))
	if err != nil {
		return // unreadable is not valid either
	}
	valid, codes := verdict(rep)
	if valid {
		t.Errorf("%s / %s: sohoa says valid: %+v", class, base.name, rep)
		return
	}
	if len(codes) == 0 {
		t.Errorf("%s / %s: not valid but no problem listed: %+v", class, base.name, rep)
	}
	t.Logf("%s / %s: sohoa: not valid: %s", class, base.name, strings.Join(codes, ", "))
}
