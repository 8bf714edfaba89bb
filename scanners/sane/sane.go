// Package sane drives scanners through SANE's scanimage(1) in batch
// mode: a feeder (ADF) or flatbed, at a resolution, in lineart, grey or
// colour. Each page is handed on as soon as scanimage has written it, so
// a long feeder run streams page by page. Feed groups the pages into
// documents (separator sheets, blank pages, or the whole run) and sends
// each document, as a PDF of its page images, to a sink.
//
// scanimage is used rather than libsane through cgo: it is the SANE
// project's own front end, keeps the binary free of C, and isolates a
// crashing backend in its own process.
package sane

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for separator detection
	_ "image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	_ "golang.org/x/image/tiff"

	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// Options say what to scan and how.
type Options struct {
	Device     string // SANE device name, e.g. "fujitsu:fi-7160:1234" or "test"; "" = the default device
	Mode       string // "lineart", "gray" or "color" (or a backend's exact mode name); "" = the device's default
	Resolution int    // dpi; 0 = 200
	// Source is "flatbed", "adf", "adf-duplex" or a backend's exact
	// source name; "" = the device's default.
	Source string
	Count  int    // pages to scan; 0 = until the feeder is empty
	Format string // "png" (default), "tiff" or "jpeg"
	Dir    string // where page files are written; "" = a new temporary directory
	// Extra are further scanimage options, e.g. "--test-picture=Grid".
	Extra   []string
	Program string // default "scanimage"
	Log     *slog.Logger
}

func (o *Options) program() string {
	if o.Program != "" {
		return o.Program
	}
	return "scanimage"
}

// Page is one scanned page file.
type Page = separator.Page

// deviceOptions are the choices a device offers for an option, from
// `scanimage -A`: "    --mode Lineart|Gray|Color [Gray]".
var reChoice = regexp.MustCompile(`(?m)^\s+--([a-z-]+) ([^\[\n]+?)(?: \[.*\])?$`)

// choices lists each option's allowed values as scanimage prints them.
func choices(ctx context.Context, opt Options) (map[string][]string, error) {
	args := []string{"-A"}
	if opt.Device != "" {
		args = append([]string{"-d", opt.Device}, args...)
	}
	out, err := exec.CommandContext(ctx, opt.program(), args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("sane: %s %s: %w: %s", opt.program(), strings.Join(args, " "), err, firstLine(out))
	}
	m := map[string][]string{}
	for _, sm := range reChoice.FindAllStringSubmatch(string(out), -1) {
		m[sm[1]] = strings.Split(sm[2], "|")
	}
	return m, nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// pick finds the device's name for a generic value among its choices.
func pick(avail []string, want string, words ...string) (string, bool) {
	for _, a := range avail {
		if strings.EqualFold(a, want) {
			return a, true
		}
	}
	for _, w := range words {
		for _, a := range avail {
			if strings.Contains(strings.ToLower(a), w) {
				return a, true
			}
		}
	}
	return "", false
}

// Args returns the scanimage arguments for opt on a device offering
// the given option choices (from scanimage -A).
func Args(opt Options, avail map[string][]string, pattern string) ([]string, error) {
	res := opt.Resolution
	if res == 0 {
		res = 200
	}
	format := opt.Format
	if format == "" {
		format = "png"
	}
	args := []string{"--format=" + format, "--batch=" + pattern, "--batch-print", "--resolution=" + strconv.Itoa(res)}
	if opt.Device != "" {
		args = append([]string{"--device-name=" + opt.Device}, args...)
	}
	if opt.Count > 0 {
		args = append(args, "--batch-count="+strconv.Itoa(opt.Count))
	}
	switch m := strings.ToLower(opt.Mode); m {
	case "":
	case "lineart", "bw", "binary":
		if v, ok := pick(avail["mode"], "Lineart", "lineart", "binary", "black", "halftone"); ok {
			args = append(args, "--mode="+v)
		} else if v, ok := pick(avail["mode"], "Gray", "gray", "grey"); ok && slices.Contains(avail["depth"], "1") {
			args = append(args, "--mode="+v, "--depth=1") // e.g. the test backend
		} else {
			return nil, fmt.Errorf("sane: máy quét không có chế độ đen trắng / the device has no lineart mode (modes %v)", avail["mode"])
		}
	case "gray", "grey", "greyscale", "grayscale":
		v, ok := pick(avail["mode"], "Gray", "gray", "grey")
		if !ok {
			return nil, fmt.Errorf("sane: máy quét không có chế độ xám / the device has no grey mode (modes %v)", avail["mode"])
		}
		args = append(args, "--mode="+v)
		if slices.Contains(avail["depth"], "8") {
			args = append(args, "--depth=8")
		}
	case "color", "colour":
		v, ok := pick(avail["mode"], "Color", "color", "colour")
		if !ok {
			return nil, fmt.Errorf("sane: máy quét không có chế độ màu / the device has no colour mode (modes %v)", avail["mode"])
		}
		args = append(args, "--mode="+v)
	default:
		args = append(args, "--mode="+opt.Mode)
	}
	switch s := strings.ToLower(opt.Source); s {
	case "":
	case "adf", "feeder":
		var adf []string
		for _, a := range avail["source"] {
			if l := strings.ToLower(a); !strings.Contains(l, "duplex") && !strings.Contains(l, "back") {
				adf = append(adf, a)
			}
		}
		v, ok := pick(adf, "ADF", "adf", "feeder")
		if !ok {
			return nil, fmt.Errorf("sane: máy quét không có khay nạp giấy / the device has no document feeder (sources %v)", avail["source"])
		}
		args = append(args, "--source="+v)
	case "adf-duplex", "duplex":
		v, ok := pick(avail["source"], "ADF Duplex", "duplex")
		if !ok {
			return nil, fmt.Errorf("sane: máy quét không quét hai mặt / the device has no duplex feeder (sources %v)", avail["source"])
		}
		args = append(args, "--source="+v)
	case "flatbed":
		v, ok := pick(avail["source"], "Flatbed", "flatbed")
		if !ok {
			return nil, fmt.Errorf("sane: máy quét không có mặt kính / the device has no flatbed (sources %v)", avail["source"])
		}
		args = append(args, "--source="+v)
	default:
		args = append(args, "--source="+opt.Source)
	}
	return append(args, opt.Extra...), nil
}

// Scan runs scanimage in batch mode and calls fn with each page as soon
// as it is written, in order. Page files stay in opt.Dir: the caller
// removes them. An error from fn stops the scanner.
func Scan(ctx context.Context, opt Options, fn func(context.Context, Page) error) error {
	avail, err := choices(ctx, opt)
	if err != nil {
		return err
	}
	dir := opt.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "sohoa-scan-*"); err != nil {
			return err
		}
	}
	ext := map[string]string{"": "png", "png": "png", "tiff": "tif", "jpeg": "jpg"}[opt.Format]
	if ext == "" {
		return fmt.Errorf("sane: định dạng %q không hỗ trợ (png, tiff, jpeg) / unsupported format", opt.Format)
	}
	args, err := Args(opt, avail, filepath.Join(dir, "page%05d."+ext))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, opt.program(), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	log := opt.Log
	if log == nil {
		log = slog.Default()
	}
	log.Info("sane: scanning", "args", args)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("sane: %s: %w (cài gói sane-utils / install Debian package sane-utils)", opt.program(), err)
	}
	var fnErr error
	seq := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		path := strings.TrimSpace(sc.Text())
		if path == "" || fnErr != nil {
			continue
		}
		seq++
		if fnErr = fn(ctx, Page{Seq: seq, Path: path}); fnErr != nil {
			cancel()
		}
	}
	io.Copy(io.Discard, out)
	werr := cmd.Wait()
	switch {
	case fnErr != nil:
		return fnErr
	case werr != nil && seq == 0:
		return fmt.Errorf("sane: %s: %w: %s", opt.program(), werr, lastLine(stderr.Bytes()))
	case werr != nil:
		// A feeder jam or a cover opened mid-run: the pages so far were handed on.
		return fmt.Errorf("sane: scanning stopped after %d pages: %w: %s", seq, werr, lastLine(stderr.Bytes()))
	case seq == 0:
		return ErrNoPages
	}
	return nil
}

// ErrNoPages is returned when the scanner gave no page (an empty feeder).
var ErrNoPages = errors.New("sane: không có trang nào (khay nạp trống?) / no pages scanned (empty feeder?)")

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// Sink takes one document file.
type Sink interface {
	File(ctx context.Context, batch, name string, r io.Reader) error
}

// Feed scans with opt, splits the pages into documents as mode says
// (separator.PerFile: the whole run is one document) and sends each
// document to sink as "<prefix>-0001.pdf", "<prefix>-0002.pdf"... in
// batch. Only one page image is decoded at a time; page files are removed
// once their document is sent. It returns the number of documents sent.
func Feed(ctx context.Context, opt Options, mode separator.Mode, batch, prefix string, sink Sink) (int, error) {
	dir, err := os.MkdirTemp(opt.Dir, "sohoa-scan-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	opt.Dir = dir
	n := 0
	split := &separator.Splitter{Mode: mode, Emit: func(ctx context.Context, pages []Page) error {
		n++
		f, err := os.CreateTemp(dir, "doc-*.pdf")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if err := separator.WritePDF(f, pages); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		name := fmt.Sprintf("%s-%04d.pdf", prefix, n)
		if err := sink.File(ctx, batch, name, f); err != nil {
			return fmt.Errorf("sane: send %s: %w", name, err)
		}
		for _, p := range pages {
			os.Remove(p.Path)
		}
		return nil
	}}
	err = Scan(ctx, opt, func(ctx context.Context, p Page) error {
		var img image.Image
		if mode != separator.PerFile && mode != "" {
			f, err := os.Open(p.Path)
			if err != nil {
				return err
			}
			img, _, err = image.Decode(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("sane: page %d: %w", p.Seq, err)
			}
		}
		return split.Add(ctx, p, img)
	})
	if err != nil && !errors.Is(err, ErrNoPages) {
		// Send what was scanned before the stop: those pages are good.
		if cerr := split.Close(ctx); cerr != nil {
			return n, errors.Join(err, cerr)
		}
		return n, err
	}
	if err := split.Close(ctx); err != nil {
		return n, err
	}
	return n, nil
}
