package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
)

func ingestCmd() *cobra.Command {
	var cf clientFlags
	var batch string
	var wait bool
	cmd := &cobra.Command{
		Use:   "ingest --batch NAME PATH...",
		Short: "Send files or folders (PNG, JPEG, TIFF, PDFs of page images) into a batch",
		Long: `Send files, or every file under folders, to a sohoa server as one batch.
Each file becomes one document; a multi-page TIFF or PDF is one document of
several pages. Sending the same file to the same batch again adds nothing.

The command exits with status 1 and lists every file the server could not
take (unreadable, unsupported, corrupt...); the other files are taken.
With --wait it then follows the batch until every document is signed or failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch == "" {
				return fmt.Errorf("--batch NAME is required / cần đặt tên lô bằng --batch")
			}
			c := cf.client()
			failed, b, err := ingestPaths(cmd.Context(), c, batch, args, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if wait {
				if err := waitBatch(cmd.Context(), c, b.ID, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "batch %s (%s): %s/v1/batches/%s\n", b.ID, batch, strings.TrimRight(cf.server, "/"), b.ID)
			if len(failed) > 0 {
				var sb strings.Builder
				fmt.Fprintf(&sb, "%d file(s) not taken / %d tệp không được tiếp nhận:\n", len(failed), len(failed))
				for _, f := range failed {
					fmt.Fprintf(&sb, "  %s: %s\n", f.path, f.reason)
				}
				return exitError{code: 1, msg: strings.TrimRight(sb.String(), "\n")}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&batch, "batch", "", "batch name (re-using a name adds to that batch)")
	cf.add(cmd)
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until the batch is processed, showing progress")
	return cmd
}

type failedFile struct{ path, reason string }

// collectFiles expands folders into the regular files under them, sorted.
func collectFiles(paths []string) ([]string, []failedFile) {
	var files []string
	var failed []failedFile
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			failed = append(failed, failedFile{p, err.Error()})
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				failed = append(failed, failedFile{path, err.Error()})
				return nil
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			failed = append(failed, failedFile{p, err.Error()})
		}
	}
	sort.Strings(files)
	return files, failed
}

func ingestPaths(ctx context.Context, c *api.Client, batch string, paths []string, progress io.Writer) ([]failedFile, api.Batch, error) {
	b, err := c.CreateBatch(ctx, batch)
	if err != nil {
		return nil, b, fmt.Errorf("create batch %q: %w", batch, err)
	}
	files, failed := collectFiles(paths)
	var total int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(progress),
		progressbar.OptionSetVisibility(isTerminal(progress)),
		progressbar.OptionSetDescription("gửi tệp / sending"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progress) }),
	)
	for _, f := range files {
		if ctx.Err() != nil {
			return failed, b, ctx.Err()
		}
		reason := uploadOne(ctx, c, b.ID, f, bar)
		if reason != "" {
			failed = append(failed, failedFile{f, reason})
		}
	}
	_ = bar.Finish()
	return failed, b, nil
}

// uploadOne sends one file; it returns why the file was not taken, or "".
// A file the batch has already (same SHA-256: an interrupted run repeated)
// is not sent again.
func uploadOne(ctx context.Context, c *api.Client, batchID, path string, bar *progressbar.ProgressBar) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err.Error()
	}
	if up, err := c.FileByHash(ctx, batchID, hex.EncodeToString(h.Sum(nil))); err == nil {
		_ = bar.Add64(n)
		if up.Document.Status == "failed" {
			return up.Document.Error
		}
		return ""
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err.Error()
	}
	pr := progressbar.NewReader(f, bar)
	up, err := c.Upload(ctx, batchID, filepath.ToSlash(path), &pr)
	if err != nil {
		return err.Error()
	}
	if up.Document.Status == "failed" {
		return up.Document.Error
	}
	return ""
}

// waitBatch follows a batch's progress until every document is done.
func waitBatch(ctx context.Context, c *api.Client, id string, progress io.Writer) error {
	b, err := c.Batch(ctx, id)
	if err != nil {
		return err
	}
	tty := isTerminal(progress)
	bar := progressbar.NewOptions(b.PagesReceived,
		progressbar.OptionSetWriter(progress),
		progressbar.OptionSetVisibility(tty),
		progressbar.OptionSetDescription("nhận dạng / OCR"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("pages"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progress) }),
	)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	lastLine := time.Now()
	for {
		b, err = c.Batch(ctx, id)
		if err != nil {
			return err
		}
		_ = bar.Set(b.PagesOCRed + b.PagesFailed)
		if !tty && time.Since(lastLine) > 10*time.Second {
			// Not a terminal (a log, CI): a plain line now and then instead of a bar.
			fmt.Fprintf(progress, "pages: %d OCR'd, %d failed of %d; documents: %d signed of %d\n",
				b.PagesOCRed, b.PagesFailed, b.PagesReceived, b.DocumentsSigned, b.Documents)
			lastLine = time.Now()
		}
		if b.Done {
			_ = bar.Finish()
			fmt.Fprintf(progress, "documents: %d signed, %d failed of %d; pages: %d OCR'd, %d failed of %d\n",
				b.DocumentsSigned, b.DocumentsFailed, b.Documents, b.PagesOCRed, b.PagesFailed, b.PagesReceived)
			if b.DocumentsQC > 0 {
				fmt.Fprintf(progress, "%d documents wait for quality review (%d pages): sohoa qc list --batch %s\n"+
					"%d tài liệu chờ kiểm tra chất lượng (%d trang)\n",
					b.DocumentsQC, b.PagesQC, b.Name, b.DocumentsQC, b.PagesQC)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// isTerminal reports whether w is a terminal, where a live bar makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// localToken reads the bootstrap key a local server wrote in its data
// directory, so that "sohoa serve" and "sohoa ingest" work together on one
// machine without setting up keys first.
func localToken() string {
	cfg, err := config.Load()
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, "admin-token"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
