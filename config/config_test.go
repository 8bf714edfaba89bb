package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(map[string]string{"HOME": "/home/x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.TaskCheck != 100*time.Millisecond || c.DataDir != "/home/x/.local/share/sohoa" ||
		c.S3.Bucket != "sohoa" || len(c.Languages) != 1 || c.Languages[0] != "vie" || c.SignLevel != "B-B" ||
		c.Role != "all" || c.Workers < 1 || c.MaxPages != 2000 || c.QCMaxSkew != 3 || c.FixityInterval != 0 {
		t.Errorf("defaults: %+v", c)
	}
	// A variable set empty is unset, as it was before the struct.
	c, err = Parse(map[string]string{"SOHOA_ADDR": "", "SOHOA_TASK_CHECK_INTERVAL": "", "XDG_DATA_HOME": "/d"})
	if err != nil || c.Addr != "127.0.0.1:8080" || c.TaskCheck != 100*time.Millisecond || c.DataDir != "/d/sohoa" {
		t.Errorf("empty values: %+v, %v", c, err)
	}
}

func TestValues(t *testing.T) {
	c, err := Parse(map[string]string{
		"SOHOA_TRUST_ROOTS": " a.pem, ,b.pem ", "SOHOA_OCR_LANGUAGES": "vie+eng", "SOHOA_SIGN_LEVEL": "BLTA",
		"SOHOA_S3_RETENTION_MODE": "governance", "SOHOA_SIGN_VISIBLE": "true", "SOHOA_QC_MAX_SKEW": "1.5",
		"SOHOA_FIXITY_INTERVAL": "24h", "SOHOA_MAX_PAGES": "10",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.TrustRoots, "|") != "a.pem|b.pem" || strings.Join(c.Languages, "|") != "vie|eng" ||
		c.SignLevel != "B-LTA" || c.RetentionMode != "GOVERNANCE" || !c.SignVisible || c.QCMaxSkew != 1.5 ||
		c.FixityInterval != 24*time.Hour || c.MaxPages != 10 {
		t.Errorf("parsed: %+v", c)
	}
}

// A value that cannot be used stops start-up with a message naming the
// variable in Vietnamese and English; before the struct, bad durations
// and numbers silently became the defaults.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string
		vi, en           string
	}{
		{"duration", "SOHOA_TASK_CHECK_INTERVAL", "soon", "khoảng thời gian", "duration"},
		{"negative duration", "SOHOA_RECONCILE_INTERVAL", "-1s", "lớn hơn 0", "above zero"},
		{"zero duration", "SOHOA_CERTIFY_RECOVER_AFTER", "0s", "lớn hơn 0", "above zero"},
		{"negative fixity", "SOHOA_FIXITY_INTERVAL", "-24h", "không âm", "zero (off) or more"},
		{"int", "SOHOA_MAX_FILE_BYTES", "200MB", "số nguyên", "whole number"},
		{"zero int", "SOHOA_MAX_PAGES", "0", "số dương", "positive number"},
		{"negative int", "SOHOA_MAX_PAGE_PIXELS", "-5", "số dương", "positive number"},
		{"float", "SOHOA_QC_MAX_SKEW", "ba độ", "số dương", "positive number"},
		{"bool", "SOHOA_SIGN_VISIBLE", "yes", "true hoặc false", "true or false"},
		{"bool ssl", "SOHOA_S3_USE_SSL", "on", "true hoặc false", "true or false"},
		{"enum level", "SOHOA_SIGN_LEVEL", "B-X", "một trong: B-B, B-T, B-LT, B-LTA", "one of: B-B, B-T, B-LT, B-LTA"},
		{"enum engine", "SOHOA_OCR_ENGINE", "tesserract", "một trong: tesseract, benchmark", "one of: tesseract, benchmark"},
		{"enum retention", "SOHOA_S3_RETENTION_MODE", "forever", "GOVERNANCE, COMPLIANCE", "GOVERNANCE, COMPLIANCE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(map[string]string{tc.key: tc.value})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if e.Var != tc.key || !strings.Contains(e.VI, tc.vi) || !strings.Contains(e.EN, tc.en) {
				t.Errorf("error %+v: want var %s, vi %q, en %q", e, tc.key, tc.vi, tc.en)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.key) || !strings.Contains(msg, tc.value) {
				t.Errorf("message %q names neither %s nor its value", msg, tc.key)
			}
		})
	}
}

// Every bad variable is reported at once, and a secret's value never.
func TestMalformedSeveral(t *testing.T) {
	_, err := Parse(map[string]string{"SOHOA_TASK_CHECK_INTERVAL": "x", "SOHOA_MAX_PAGES": "y", "SOHOA_PPROF": "maybe"})
	for _, k := range []string{"SOHOA_TASK_CHECK_INTERVAL", "SOHOA_MAX_PAGES", "SOHOA_PPROF"} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
	err = Invalid("SOHOA_WEBHOOK_KEY", "topsecret", "cần 32 byte", "want 32 bytes", errors.New("short"))
	if strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), "SOHOA_WEBHOOK_KEY") {
		t.Errorf("secret error: %v", err)
	}
}

// Each field has a variable, meanings in both languages, and a variable
// name no other field has; Go names are unique too (the library's errors
// name the Go field).
func TestFieldsDocumented(t *testing.T) {
	vars, goNames := map[string]bool{}, map[string]bool{}
	for _, f := range append(Fields(), ClientFields()...) {
		if !strings.HasPrefix(f.Var, "SOHOA_") || f.VI == "" || f.EN == "" || f.VI == f.EN {
			t.Errorf("%s (%s): variable or meanings missing", f.Var, f.goName)
		}
		if vars[f.Var] || goNames[f.goName] {
			t.Errorf("%s (%s) twice", f.Var, f.goName)
		}
		vars[f.Var], goNames[f.goName] = true, true
	}
	if len(vars) < 50 {
		t.Errorf("%d variables, want the server's 50-odd", len(vars))
	}
}

// The README's table is the one Markdown writes: run go generate ./config.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReplaceTable(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(b) {
		t.Error("README.md's table of variables is stale: run go generate ./config")
	}
}

func TestHelp(t *testing.T) {
	h := Help()
	for _, f := range Fields() {
		if !strings.Contains(h, f.Var) || !strings.Contains(h, f.EN) || !strings.Contains(h, f.VI) {
			t.Errorf("help lacks %s", f.Var)
		}
	}
}
