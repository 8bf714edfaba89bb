package results_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/results"
)

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// FuzzParseDate: a date read is a calendar day written YYYY-MM-DD, which
// reads back as itself.
//
//	go test -run '^$' -fuzz '^FuzzParseDate$' -fuzztime 60s ./results/
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-05", "05/03/2024", "5/3/2024", "05-03-2024", "5.3.2024", " 2024-02-29 ", "31/02/2024", "32/13/2024", "", "2024-3-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := results.ParseDate(s)
		if err != nil {
			return
		}
		if !isoDate.MatchString(d) {
			t.Fatalf("ParseDate(%q) = %q", s, d)
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			t.Fatalf("ParseDate(%q) = %q: %v", s, d, err)
		}
		if again, err := results.ParseDate(d); err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %q, which reads %q, %v", s, d, again, err)
		}
	})
}

// memResults is an office's results in memory, codes unique.
type memResults map[string]results.Result

func (m memResults) CreateResult(_ context.Context, r results.Result, _ results.Event) (results.Result, error) {
	if _, dup := m[r.Code]; dup {
		return results.Result{}, results.ErrDuplicate
	}
	m[r.Code] = r
	return r, nil
}

// FuzzImportCSV reads arbitrary bytes as a register of results. It must
// never panic; when the file is read, every data row is either created or
// rejected with at least one bilingual problem and its line, and every
// result created is one Normalize accepts as it is.
//
//	go test -run '^$' -fuzz '^FuzzImportCSV$' -fuzztime 60s ./results/
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"\ufeffMã kết quả;Số định danh chủ sở hữu;Mã thủ tục;Tên giấy tờ;Số, ký hiệu;Cơ quan ban hành;Ngày ban hành;Hiệu lực đến\n" +
			"KQ-1;001090012345;1.001;Giấy phép xây dựng;12/GPXD;\"UBND quận 1;\nTP.HCM\";05/03/2024;05/03/2029\n" +
			"KQ-3;;1.001;Giấy phép;;;32/13/2024;\n" +
			"KQ-1;001;1.001;GP;;;2024-03-06;\n" +
			"KQ-6;001;1.001;G\xff;;;2024-03-06;\n" +
			"KQ-5;001;1.001\n",
		"MaKetQua,SoDinhDanhChuSoHuu,MaThuTuc,TenGiayTo,NgayBanHanh\nKQ-X,9,1.1,GP,2024-01-01\n",
		"code,owner_id,procedure_code,name,issue_date\n\"KQ\"x,1,2,3,2024-01-01\n",
		"code,owner_id,procedure_code,name,issue_date\n\"x\"y,1,2,3,2024-01-01\n",
		"code,owner_id,procedure_code,name,issue_date,valid_until\nA,1,2,3,2024-01-01,2023-01-01\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		store := memResults{}
		rep, err := results.ImportCSV(context.Background(), bytes.NewReader(src), "px1", "fuzz", store)
		if err != nil {
			return
		}
		if rep.Rows != rep.Created+len(rep.Rejected) || rep.Created != len(store) {
			t.Fatalf("%d rows, %d created (%d stored), %d rejected", rep.Rows, rep.Created, len(store), len(rep.Rejected))
		}
		for _, r := range rep.Rejected {
			if r.Line < 1 || len(r.Problems) == 0 {
				t.Fatalf("rejected row %+v", r)
			}
			for _, p := range r.Problems {
				if p.VI == "" || p.EN == "" {
					t.Fatalf("problem %+v lacks a language", p)
				}
			}
		}
		for code, r := range store {
			again := r
			if err := results.Normalize(&again); err != nil || again.Code != code || again.IssueDate != r.IssueDate || again.ValidUntil != r.ValidUntil {
				t.Fatalf("created %+v, which Normalize makes %+v, %v", r, again, err)
			}
		}
	})
}
