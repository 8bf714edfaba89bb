package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/sign/attack"
)

// attackCase is one published attack on a signed PDF (see package sign/attack).
type attackCase struct {
	class string
	make  func(signed []byte) ([]byte, error)
}

var attackCases = []attackCase{
	{"shadow hide", attack.ShadowHide},
	{"shadow replace", attack.ShadowReplace},
	{"ISA body only", attack.ISABodyOnly},
	{"ISA no %%EOF", attack.ISANoEOF},
	{"SWA", attack.SWA},
	{"USF " + attack.USFNoByteRange, func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFNoByteRange) }},
	{"USF " + attack.USFNullByteRange, func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFNullByteRange) }},
	{"USF " + attack.USFEmptyContents, func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFEmptyContents) }},
	{"USF " + attack.USFNoContents, func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFNoContents) }},
}

func signAPI(t *testing.T, in []byte, id *sign.Identity, name string) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := sign.Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, sign.Options{Name: name}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestVerifyEndpointAttacks posts each attacked file to POST /v1/verify, strict and relaxed:
// the answer is never valid, and never intact.
func TestVerifyEndpointAttacks(t *testing.T) {
	f := certifytest.New(t, "")
	certifier, agency := f.Service.Certifier, f.Service.Agency
	one := signAPI(t, attack.FormPDF("Von kinh doanh: 130.000.000"), certifier, "Nguyễn Văn An")
	two := signAPI(t, one, agency, "UBND phường Một")
	prepared, alt, err := attack.Prepare(attack.FormPDF("Von kinh doanh: 130.000.000"))
	if err != nil {
		t.Fatal(err)
	}
	preparedTwo := signAPI(t, signAPI(t, prepared, certifier, "Nguyễn Văn An"), agency, "UBND phường Một")

	strict := httptest.NewServer(VerifyHandler(f.Service.Roots, 16<<20, false))
	defer strict.Close()
	relaxed := httptest.NewServer(VerifyHandler(nil, 16<<20, true))
	defer relaxed.Close()
	post := func(t *testing.T, url string, pdf []byte) VerifyReport {
		t.Helper()
		resp, err := http.Post(url, "application/pdf", bytes.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var rep VerifyReport
		if resp.StatusCode != 200 || json.Unmarshal(b, &rep) != nil {
			t.Fatalf("POST /v1/verify = %d %s", resp.StatusCode, b)
		}
		return rep
	}
	// The untouched files are valid: the attacks are what the verdicts see.
	for _, good := range [][]byte{one, two, preparedTwo} {
		if rep := post(t, strict.URL, good); !rep.Valid || !rep.Trusted {
			t.Fatalf("signed file not valid: %+v", rep.Report)
		}
	}
	cases := append(copyCases(attackCases), attackCase{"shadow hide-and-replace", func(b []byte) ([]byte, error) {
		if !bytes.Equal(b, two) {
			return nil, nil // needs the prepared document
		}
		return attack.Reveal(preparedTwo, alt)
	}})
	for _, c := range cases {
		for _, base := range []struct {
			name string
			pdf  []byte
		}{{"one signature", one}, {"two signatures", two}} {
			attacked, err := c.make(base.pdf)
			if err != nil {
				t.Fatalf("%s: %v", c.class, err)
			}
			if attacked == nil {
				continue
			}
			for _, srv := range []struct {
				name, url string
			}{{"strict", strict.URL}, {"relaxed", relaxed.URL}} {
				rep := post(t, srv.url, attacked)
				if rep.Valid || rep.Intact || rep.Trusted {
					t.Errorf("%s / %s / %s: POST /v1/verify answers valid=%v intact=%v trusted=%v", c.class, base.name, srv.name, rep.Valid, rep.Intact, rep.Trusted)
				}
			}
		}
	}
}

func copyCases(c []attackCase) []attackCase { return append([]attackCase(nil), c...) }

// TestVerifyPageAttacks issues a certified copy, then, as an attacker with access to the
// storage would, replaces the stored PDF with each attacked version: the public page
// /verify/{code} must never say valid.
func TestVerifyPageAttacks(t *testing.T) {
	ctx := context.Background()
	f := certifytest.New(t, "")
	doc := f.AddOriginal(t, 1)
	r, err := f.DB.CreateResult(ctx, results.Result{Code: "KQ-16", OfficeID: certifytest.Office, OwnerID: "001", ProcedureCode: "1.1",
		Name: "Giấy chứng nhận đăng ký hộ kinh doanh", NumberSymbol: "16/GCN", Issuer: "UBND phường Một", IssueDate: "2025-11-20",
		DocumentIDs: []string{doc}}, results.Event{Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	is, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, ResultID: r.ID,
		Requester: "Lê Văn Yêu Cầu", Certifier: "Phạm Văn C", Fee: 2000, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	key := is.Copy.BlobKey
	rc, _, err := f.Store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	original, _ := io.ReadAll(rc)
	rc.Close()

	srv := httptest.NewServer(NewMux(CopyRoutes(&Copies{Service: f.Service})))
	defer srv.Close()
	page := func(t *testing.T) string {
		t.Helper()
		resp, err := http.Get(srv.URL + "/verify/" + is.Copy.Code)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	put := func(t *testing.T, b []byte) {
		t.Helper()
		if _, err := f.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	if body := page(t); !strings.Contains(body, `data-valid="true"`) {
		t.Fatalf("the issued copy is not shown valid:\n%s", body)
	}

	// Hide-and-replace needs the copy prepared before the clerk signs (an insider at the
	// renderer): rebuild the copy from its unsigned revision, prepared, with both signatures.
	base := unsignedRevision(t, original)
	prepared, alt, err := attack.Prepare(base)
	if err != nil {
		t.Fatal(err)
	}
	preparedCopy := signAPI(t, signAPI(t, prepared, f.Service.Certifier, "Phạm Văn C"), f.Service.Agency, "UBND phường Một")
	put(t, preparedCopy)
	if body := page(t); !strings.Contains(body, `data-valid="true"`) {
		t.Fatalf("the prepared copy, before the attack, is not shown valid:\n%s", body)
	}
	cases := append(copyCases(attackCases), attackCase{"shadow hide-and-replace", func([]byte) ([]byte, error) {
		return attack.Reveal(preparedCopy, alt)
	}})
	roots := f.Service.Roots
	for _, c := range cases {
		attacked, err := c.make(original)
		if err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		put(t, attacked)
		// A signature row is not shown intact when changes it does not allow follow it.
		v, err := f.Service.Verify(ctx, is.Copy.Code)
		if err != nil {
			t.Fatalf("%s: %v", c.class, err)
		}
		if rep, err := sign.Verify(bytes.NewReader(attacked), int64(len(attacked)), nil); err == nil {
			var sigs []sign.SignatureReport
			for _, sr := range rep.Signatures {
				if sr.Kind == "signature" {
					sigs = append(sigs, sr)
				}
			}
			for i, row := range v.Signatures {
				if i < len(sigs) && len(sigs[i].Modifications) > 0 && row.Intact {
					t.Errorf("%s: signature %d is shown intact although %v changed after it", c.class, i+1, sigs[i].Modifications)
				}
			}
		}
		// With the trust roots configured, and without (then only integrity is checked).
		for _, trust := range []bool{true, false} {
			f.Service.Roots = nil
			if trust {
				f.Service.Roots = roots
			}
			body := page(t)
			// The copy's verdict; the original's validity has a box of its own (id="original").
			if !strings.Contains(body, `id="verdict" data-valid="false"`) || strings.Contains(body, `class="verdict valid" id="verdict"`) {
				t.Errorf("%s (roots configured: %v): /verify/%s shows the attacked copy as valid", c.class, trust, is.Copy.Code)
			}
		}
	}
	f.Service.Roots = roots
	put(t, original)
	if body := page(t); !strings.Contains(body, `data-valid="true"`) {
		t.Fatalf("the restored copy is not shown valid")
	}
}

// unsignedRevision returns the revision a copy's first signature was added to.
func unsignedRevision(t *testing.T, pdf []byte) []byte {
	t.Helper()
	rep, err := sign.Verify(bytes.NewReader(pdf), int64(len(pdf)), nil)
	if err != nil || len(rep.Signatures) == 0 {
		t.Fatalf("copy: %v %+v", err, rep)
	}
	at := rep.Signatures[0].ByteRange[1]
	i := bytes.LastIndex(pdf[:at], []byte("%%EOF"))
	if i < 0 {
		t.Fatal("no revision before the first signature")
	}
	end := i + 5
	for end < len(pdf) && (pdf[end] == '\r' || pdf[end] == '\n') {
		end++
	}
	return bytes.Clone(pdf[:end])
}
