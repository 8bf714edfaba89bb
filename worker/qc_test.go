package worker

import (
	"context"
	"slices"
	"testing"

	"github.com/sohoa-vn/sohoa/internal/officetest"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestQCPolicyFlags(t *testing.T) {
	words := []ocr.Word{{Text: "Điều", Conf: 90}}
	for _, tc := range []struct {
		name   string
		policy QCPolicy
		page   ocr.Page
		flags  []string
		hold   bool
	}{
		{"clean", DefaultQCPolicy(), ocr.Page{Words: words, MeanConf: 90}, nil, false},
		{"blank", DefaultQCPolicy(), ocr.Page{Blank: true}, []string{"blank"}, true},
		{"unreadable", DefaultQCPolicy(), ocr.Page{NeedsReview: true}, []string{"unreadable"}, true},
		{"low confidence", DefaultQCPolicy(), ocr.Page{Words: words, NeedsReview: true, MeanConf: 40}, []string{"low_confidence"}, true},
		{"skewed", DefaultQCPolicy(), ocr.Page{Words: words, Preprocess: ocr.Applied{Skew: -4.2}}, []string{"skewed"}, true},
		{"slight skew passes", DefaultQCPolicy(), ocr.Page{Words: words, Preprocess: ocr.Applied{Skew: 2.9}}, nil, false},
		{"own skew limit", QCPolicy{Hold: QCFlags, MaxSkew: 1}, ocr.Page{Words: words, Preprocess: ocr.Applied{Skew: 1.5}}, []string{"skewed"}, true},
		{"two flags", DefaultQCPolicy(), ocr.Page{Words: words, NeedsReview: true, Preprocess: ocr.Applied{Skew: 6}}, []string{"low_confidence", "skewed"}, true},
		{"skewed 30°", DefaultQCPolicy(), ocr.Page{Words: words, Preprocess: ocr.Applied{Skew: 30}}, []string{"skewed"}, true},
		{"orientation unsure", DefaultQCPolicy(), ocr.Page{Words: words, Preprocess: ocr.Applied{OrientationUnsure: true}}, []string{"orientation"}, true},
		{"turned and sure", DefaultQCPolicy(), ocr.Page{Words: words, MeanConf: 90, Preprocess: ocr.Applied{Rotation: 90, OrientationConf: 15}}, nil, false},
		{"flagged, not held", QCPolicy{Hold: []string{"unreadable"}}, ocr.Page{Blank: true}, []string{"blank"}, false},
		{"zero policy holds nothing", QCPolicy{}, ocr.Page{NeedsReview: true}, []string{"unreadable"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags, hold := tc.policy.Flags(&tc.page)
			if !slices.Equal(flags, tc.flags) || hold != tc.hold {
				t.Errorf("Flags = %v, %v; want %v, %v", flags, hold, tc.flags, tc.hold)
			}
		})
	}
}

func TestParseQCHold(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", QCFlags, true},
		{"all", QCFlags, true},
		{"none", nil, true},
		{"blank, unreadable", []string{"blank", "unreadable"}, true},
		{"blank,crooked", nil, false},
	} {
		got, err := ParseQCHold(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseQCHold(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestQCFlagsRealTilts: a decree LibreOffice typeset, tilted by
// ImageMagick as a sheet fed crooked, is flagged skewed beyond the
// default 3° at every angle up to 45° (the ±7° deskew search used to miss
// 10°), not under it; a page turned a quarter is set upright without a
// flag, and one that cannot be set upright is held for review.
func TestQCFlagsRealTilts(t *testing.T) {
	pool, err := ocr.NewPool(ocr.Config{Workers: 2, Preprocess: ocr.DefaultPreprocess()})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	page := officetest.Pages(t, officetest.Decree, 200, true)[0]
	for _, tc := range []struct {
		deg    float64
		skewed bool
	}{{2, false}, {-4, true}, {10, true}, {-30, true}, {90, false}} {
		p, err := pool.Recognize(context.Background(), officetest.Turn(t, page, tc.deg, true))
		if err != nil {
			t.Fatal(err)
		}
		flags, _ := DefaultQCPolicy().Flags(p)
		if slices.Contains(flags, catalog.QCSkewed) != tc.skewed || slices.Contains(flags, catalog.QCOrientation) {
			t.Errorf("tilted %g°: flags %v (skew %.2f, rotation %d), want skewed %v and no orientation flag",
				tc.deg, flags, p.Preprocess.Skew, p.Preprocess.Rotation, tc.skewed)
		}
	}
	// A page of ink without text cannot be set upright: it is held.
	p, err := pool.Recognize(context.Background(), officetest.Blotches(t))
	if err != nil {
		t.Fatal(err)
	}
	if flags, hold := DefaultQCPolicy().Flags(p); !slices.Contains(flags, catalog.QCOrientation) || !hold {
		t.Errorf("blotches: flags %v, hold %v; want %q, held", flags, hold, catalog.QCOrientation)
	}
}
