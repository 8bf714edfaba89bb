package hotfolder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// SettingsFile is the name of a batch's settings file, kept in the
// batch's folder ("<dir>/<batch>/.sohoa-batch.json" with
// BatchFromFolder; "<dir>/.sohoa-batch.json" for the files at the top).
// It is JSON, so that it can be checked strictly and a typo is reported
// rather than ignored:
//
//	{"separator": "blank-or-qr", "max_ink": 0.003}
//
// separator is file, blank, qr or blank-or-qr (see separator.Mode);
// max_ink, above 0 and below 1, is the share of dark pixels a page may
// have and still be blank. A key left out keeps the watcher's default.
// Write it before the batch's scans: a file is split as its batch's
// settings say when it is taken.
const SettingsFile = ".sohoa-batch.json"

// maxSettingsBytes bounds what is read of a settings file: a real one is
// a line.
const maxSettingsBytes = 64 << 10

// BatchSettings say how the documents of a batch are delimited.
type BatchSettings struct {
	// Separator: separator.PerFile sends each file (or document folder)
	// as one document; the other modes split multi-page TIFF and PDF
	// files and document folders at separator pages.
	Separator separator.Mode
	MaxInk    float64 // for blank pages; 0: separator's default
}

// splits reports whether documents are split at separator pages.
func (s BatchSettings) splits() bool { return s.Separator != separator.PerFile && s.Separator != "" }

// SettingsError says what is wrong with a batch settings file, in
// Vietnamese and in English.
type SettingsError struct {
	File   string
	VI, EN string
}

func (e *SettingsError) Error() string {
	return fmt.Sprintf("%s: tệp cấu hình lô không hợp lệ: %s / bad batch settings file: %s", e.File, e.VI, e.EN)
}

// parseSettings reads a settings file's content over def.
func parseSettings(file string, b []byte, def BatchSettings) (BatchSettings, error) {
	bad := func(vi, en string) error { return &SettingsError{File: file, VI: vi, EN: en} }
	var raw struct {
		Separator *string  `json:"separator"`
		MaxInk    *float64 `json:"max_ink"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&raw)
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return def, bad("tệp rỗng", "empty file")
	case errors.As(err, &syntax):
		return def, bad(fmt.Sprintf("không phải JSON hợp lệ (byte %d)", syntax.Offset),
			fmt.Sprintf("not valid JSON (at byte %d): %v", syntax.Offset, err))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return def, bad("JSON bị cắt cụt", "JSON ends too early")
	case errors.As(err, &typ) && typ.Field == "":
		return def, bad("tệp phải chứa một đối tượng JSON {…}", "the file must hold one JSON object {…}")
	case errors.As(err, &typ):
		return def, bad(fmt.Sprintf("giá trị của %q sai kiểu", typ.Field),
			fmt.Sprintf("value of %q has the wrong type (%s)", typ.Field, typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		key := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return def, bad("khóa không biết "+key+" (chỉ dùng separator, max_ink)",
			"unknown key "+key+" (use separator, max_ink)")
	default:
		return def, bad("không đọc được JSON: "+err.Error(), "cannot read the JSON: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return def, bad("có nội dung thừa sau đối tượng JSON", "content after the JSON object")
	}
	set := def
	if raw.Separator != nil {
		m, err := separator.ParseMode(*raw.Separator)
		if err != nil || *raw.Separator == "" {
			return def, bad(fmt.Sprintf("separator %q không hợp lệ, dùng file, blank, qr hoặc blank-or-qr", *raw.Separator),
				fmt.Sprintf("separator %q is not one of file, blank, qr, blank-or-qr", *raw.Separator))
		}
		set.Separator = m
	}
	if raw.MaxInk != nil {
		if v := *raw.MaxInk; !(v > 0 && v < 1) {
			return def, bad(fmt.Sprintf("max_ink %v phải lớn hơn 0 và nhỏ hơn 1", v),
				fmt.Sprintf("max_ink %v must be above 0 and below 1", v))
		}
		set.MaxInk = *raw.MaxInk
	}
	return set, nil
}

// settingsCache is a settings file as last read.
type settingsCache struct {
	size int64
	mod  time.Time
	set  BatchSettings
	err  error
}

// settingsFor returns the settings of the batch a path (relative, with
// slashes) belongs to: its settings file, re-read when it changes, or
// the watcher's defaults. A bad file is logged once per version.
func (w *Watcher) settingsFor(rel string) (BatchSettings, error) {
	dir := w.opt.Dir
	if w.opt.BatchFromFolder {
		if first, _, ok := strings.Cut(rel, "/"); ok {
			dir = filepath.Join(dir, first)
		}
	}
	p := filepath.Join(dir, SettingsFile)
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		delete(w.settings, p)
		return w.defaults, nil
	}
	if err == nil && !st.Mode().IsRegular() {
		err = &SettingsError{File: p, VI: "không phải tệp thường", EN: "not a regular file"}
	}
	if err != nil {
		return w.defaults, w.settingsErr(p, &settingsCache{err: err})
	}
	if c := w.settings[p]; c != nil && c.size == st.Size() && c.mod.Equal(st.ModTime()) {
		return c.set, c.err
	}
	c := &settingsCache{size: st.Size(), mod: st.ModTime()}
	switch {
	case st.Size() > maxSettingsBytes:
		c.err = &SettingsError{File: p, VI: fmt.Sprintf("tệp quá lớn (%d byte)", st.Size()), EN: fmt.Sprintf("file too large (%d bytes)", st.Size())}
	default:
		b, err := os.ReadFile(p)
		if err != nil {
			c.err = fmt.Errorf("hotfolder: %w", err)
		} else {
			c.set, c.err = parseSettings(p, b, w.defaults)
		}
	}
	if c.err != nil {
		return w.defaults, w.settingsErr(p, c)
	}
	w.settings[p] = c
	w.log.Info("hotfolder: batch settings read", "file", p, "separator", c.set.Separator, "max_ink", c.set.MaxInk)
	return c.set, nil
}

// settingsErr caches and logs a settings file that cannot be used: once
// for each version of the file, not at every scan.
func (w *Watcher) settingsErr(p string, c *settingsCache) error {
	if old := w.settings[p]; old == nil || old.err == nil || old.err.Error() != c.err.Error() ||
		old.size != c.size || !old.mod.Equal(c.mod) {
		w.log.Error("hotfolder: the batch's files are left in place until its settings file is fixed",
			"file", p, "err", c.err)
	}
	w.settings[p] = c
	return c.err
}
