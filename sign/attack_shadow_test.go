package sign

import (
	"testing"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// Shadow attacks (Mainka et al. 2021): hide, replace, hide-and-replace.

func TestShadowHide(t *testing.T) {
	for _, base := range attackBases(t, nil) {
		attacked, err := attack.ShadowHide(base.signed)
		if err != nil {
			t.Fatal(err)
		}
		checkAttack(t, "shadow hide", base, attacked, true)
	}
}

func TestShadowReplace(t *testing.T) {
	for _, base := range attackBases(t, nil) {
		attacked, err := attack.ShadowReplace(base.signed)
		if err != nil {
			t.Fatal(err)
		}
		checkAttack(t, "shadow replace", base, attacked, true)
	}
}

func TestShadowHideAndReplace(t *testing.T) {
	var alt int
	prepare := func(in []byte) []byte {
		out, n, err := attack.Prepare(in)
		if err != nil {
			t.Fatal(err)
		}
		alt = n
		return out
	}
	for _, base := range attackBases(t, prepare) {
		attacked, err := attack.Reveal(base.signed, alt)
		if err != nil {
			t.Fatal(err)
		}
		checkAttack(t, "shadow hide-and-replace", base, attacked, true)
	}
}
