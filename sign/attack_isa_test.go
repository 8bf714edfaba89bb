package sign

import (
	"testing"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// Incremental saving attack (Mainka et al. 2019): unsigned objects appended after the
// signed revision, with a cross-reference section but no %%EOF, or with neither.
func TestIncrementalSavingAttack(t *testing.T) {
	for _, base := range attackBases(t, nil) {
		for _, v := range []struct {
			name string
			f    func([]byte) ([]byte, error)
		}{{"ISA body only", attack.ISABodyOnly}, {"ISA no %%EOF", attack.ISANoEOF}} {
			attacked, err := v.f(base.signed)
			if err != nil {
				t.Fatal(err)
			}
			// Poppler ignores a body with no cross-reference section: the danger is the
			// readers that rebuild one; only the variant with a section is drawn forged.
			checkAttack(t, v.name, base, attacked, v.name == "ISA no %%EOF")
		}
	}
}
