package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

func samplesCmd() *cobra.Command {
	var seed int64
	cmd := &cobra.Command{
		Use:   "samples DIR",
		Short: "Write sample scans of Vietnamese administrative documents, with their ground truth",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := synthetic.WriteSamples(args[0], seed)
			if err != nil {
				return err
			}
			for _, x := range s {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d page(s)\t%d dpi %s\n", filepath.Join(args[0], x.File), x.Pages, x.DPI, x.Mode)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed: the same seed writes the same files")
	return cmd
}

func demoCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on the embedded default over generated sample scans",
		Long: `Generate sample scans (200 dpi bilevel and 300 dpi greyscale; PNG, JPEG,
multi-page TIFF, PDF of page images), start sohoa embedded (no servers to
install), send the samples as one batch, wait for the signed PDFs, fetch each by
its URL and check it with poppler's pdfsig. Everything is written under --dir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), dir, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "sohoa-demo", "directory for samples, data and signed PDFs")
	return cmd
}

// demoDocument is one line of the demo's table.
type demoDocument struct {
	ID, Source, URL, Status, Pdfsig string
	Pages, TextLen                  int
	CER                             float64
}

func runDemo(ctx context.Context, dir string, out, progress io.Writer) error {
	samplesDir := filepath.Join(dir, "samples")
	samples, err := synthetic.WriteSamples(samplesDir, 1)
	if err != nil {
		return fmt.Errorf("samples: %w", err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	// The demo is always embedded, whatever SOHOA_* says.
	cfg.Role, cfg.Addr, cfg.DataDir, cfg.MetricsAddr = "all", "127.0.0.1:0", filepath.Join(dir, "data"), "127.0.0.1:0"
	cfg.RedisURL, cfg.DatabaseURL, cfg.S3.Endpoint, cfg.P12Path = "", "", "", ""
	logf, err := os.Create(filepath.Join(dir, "sohoa.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	sys, err := startSystem(ctx, cfg, newFileLogger(logf))
	if err != nil {
		return err
	}
	defer sys.Close()
	fmt.Fprintf(progress, "sohoa embedded at %s (data: %s, log: %s)\n", sys.URL(), cfg.DataDir, logf.Name())

	var files []string
	truth := map[string]string{}
	for _, s := range samples {
		p := filepath.Join(samplesDir, s.File)
		files = append(files, p)
		truth[s.File] = synthetic.TruthText(s.Doc)
	}
	c := &api.Client{BaseURL: sys.URL(), Token: sys.adminToken}
	if c.Token == "" { // a second run: the key was made by the first
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin-token"))
		if err != nil {
			return fmt.Errorf("API key: %w", err)
		}
		c.Token = strings.TrimSpace(string(b))
	}
	failed, b, err := ingestPaths(ctx, c, "demo", files, progress)
	if err != nil {
		return err
	}
	for _, f := range failed {
		fmt.Fprintf(progress, "not taken: %s: %s\n", f.path, f.reason)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	if err := waitBatch(waitCtx, c, b.ID, progress); err != nil {
		return err
	}
	docs, err := demoFetch(ctx, c, b.ID, filepath.Join(dir, "signed"), truth)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tPAGES\tTEXT\tCER\tURL\tPDFSIG")
	bad := 0
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f%%\t%s\t%s\n", d.ID, filepath.Base(d.Source), d.Pages, d.TextLen, 100*d.CER, d.URL, d.Pdfsig)
		if d.Status != "signed" || !strings.HasPrefix(d.Pdfsig, "valid") {
			bad++
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "signed PDFs in %s; the demo CA is %s\n", filepath.Join(dir, "signed"), filepath.Join(cfg.DataDir, "demo-pki", "demo-ca.pem"))
	if bad > 0 || len(failed) > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d document(s) not signed and valid", bad+len(failed))}
	}
	return nil
}

// demoFetch downloads every document of the batch by its URL, checks it
// with pdfsig and measures its text against the ground truth, keyed by
// file name.
func demoFetch(ctx context.Context, c *api.Client, batchID, outDir string, truth map[string]string) ([]demoDocument, error) {
	rep, err := c.Report(ctx, batchID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	var docs []demoDocument
	for _, d := range rep.Documents {
		dd := demoDocument{ID: d.ID, Source: d.SourceName, Pages: d.PageCount, TextLen: d.TextLength, Status: d.Status, CER: -1}
		if d.PDF == nil {
			dd.Pdfsig = "not signed: " + d.Error
			docs = append(docs, dd)
			continue
		}
		dd.URL = strings.TrimRight(c.BaseURL, "/") + d.PDF.URL
		pdf := filepath.Join(outDir, d.ID+".pdf")
		f, err := os.Create(pdf)
		if err != nil {
			return nil, err
		}
		err = c.PDF(ctx, d.ID, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", dd.URL, err)
		}
		dd.Pdfsig = pdfsigVerdict(ctx, pdf)
		if want, ok := truth[path.Base(d.SourceName)]; ok {
			if got, err := pdfText(ctx, pdf); err == nil {
				dd.CER = ocr.CER(want, got)
			}
		}
		docs = append(docs, dd)
	}
	return docs, nil
}

// pdfsigVerdict runs poppler's pdfsig and sums up what it says.
func pdfsigVerdict(ctx context.Context, path string) string {
	out, err := exec.CommandContext(ctx, "pdfsig", path).CombinedOutput()
	s := string(out)
	switch {
	case err != nil && len(out) == 0:
		return "pdfsig failed: " + err.Error()
	case strings.Contains(s, "Signature is Valid") && strings.Contains(s, "Total document signed"):
		return "valid, whole document signed"
	case strings.Contains(s, "Signature is Valid"):
		return "valid, NOT covering the whole document"
	default:
		return "INVALID: " + strings.Join(strings.Fields(s), " ")
	}
}

// pdfText extracts a PDF's text with pdftotext in physical layout, pages
// separated by form feeds, the way its lines stand on the page.
func pdfText(ctx context.Context, path string) (string, error) {
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("pdftotext %s: %w", path, err)
	}
	return stdout.String(), nil
}
