package sign

import (
	"testing"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// Signature wrapping attack (Mainka et al. 2019): the second signed range moved to the end,
// forged objects and a second /ByteRange in the gap.
func TestSignatureWrappingAttack(t *testing.T) {
	for _, base := range attackBases(t, nil) {
		attacked, err := attack.SWA(base.signed)
		if err != nil {
			t.Fatal(err)
		}
		checkAttack(t, "SWA", base, attacked, true)
	}
}
