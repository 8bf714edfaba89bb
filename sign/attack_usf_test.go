package sign

import (
	"testing"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// Universal signature forgery (Mainka et al. 2019): a visible "signature" whose value
// cannot be checked.
func TestUniversalSignatureForgery(t *testing.T) {
	for _, base := range attackBases(t, nil) {
		for _, v := range []string{attack.USFNoByteRange, attack.USFNullByteRange, attack.USFEmptyContents, attack.USFNoContents} {
			attacked, err := attack.USF(base.signed, v)
			if err != nil {
				t.Fatal(err)
			}
			checkAttack(t, "USF "+v, base, attacked, true)
		}
	}
}
