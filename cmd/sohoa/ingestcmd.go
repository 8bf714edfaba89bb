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
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/hotfolder"
)

func ingestCmd() *cobra.Command {
	var cf clientFlags
	var batch string
	var wait, folders bool
	cmd := &cobra.Command{
		Use:   "ingest --batch NAME [--documents-from-folders] PATH...",
		Short: "Send files or folders (PNG, JPEG, TIFF, PDFs of page images) into a batch",
		Long: `Send files, or every file under folders, to a sohoa server as one batch.
Each file becomes one document; a multi-page TIFF or PDF is one document of
several pages. Sending the same file to the same batch again adds nothing.

The command exits with status 1 and lists every file the server could not
take (unreadable, unsupported, corrupt...); the other files are taken.
With --wait it then follows the batch until every document is signed or failed.

Files in folders that are not documents are skipped and listed, not sent:
sidecar files (.txt, .json, .xml, .csv: indexes, truth, metadata), system
files (Thumbs.db, desktop.ini, .DS_Store), hidden and temporary files.
Files named on the command line are always sent.

With --documents-from-folders, as "sohoa watch" has it, each folder below
a PATH folder is one document: its page images (TIFF, JPEG, PNG, PDF), in
natural order (page_2 before page_10), bundled into one PDF named after
the folder. Files directly in a PATH folder stay documents of their own.
Sending the same pages again adds nothing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch == "" {
				return fmt.Errorf("--batch NAME is required / cần đặt tên lô bằng --batch")
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			res, b, err := ingestPathsWith(cmd.Context(), c, batch, args, folders, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if wait {
				if err := waitBatch(cmd.Context(), c, b.ID, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "batch %s (%s): %s/v1/batches/%s\n", b.ID, batch, strings.TrimRight(cf.server, "/"), b.ID)
			if len(res.skipped) > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%d file(s) skipped, not documents / %d tệp bỏ qua, không phải tài liệu:\n",
					len(res.skipped), len(res.skipped))
				for _, f := range res.skipped {
					fmt.Fprintf(cmd.OutOrStdout(), "  %s: %s\n", f.path, f.reason)
				}
			}
			failed := res.failed
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
	cmd.Flags().BoolVar(&folders, "documents-from-folders", false, "each folder of page images below a PATH folder is one document")
	return cmd
}

type failedFile struct{ path, reason string }

// source is one document to send: a file, or a folder of pages.
type source struct {
	path  string   // the file, or the document folder
	pages []string // a document folder's page files, in order; nil for a file
}

// collected is what collectSources found under the paths.
type collected struct {
	sources         []source
	failed, skipped []failedFile
}

// collectSources expands folders into the documents under them, sorted:
// the regular files that may be documents (hotfolder.NotDocument says
// which are not: those are skipped), and with folders each first-level
// subfolder of a PATH folder as one document of its pages
// (hotfolder.DocumentPages), as "sohoa watch --documents-from-folders"
// takes them.
func collectSources(paths []string, folders bool) collected {
	var c collected
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			c.failed = append(c.failed, failedFile{p, err.Error()})
			continue
		}
		if !st.IsDir() {
			c.sources = append(c.sources, source{path: p})
			continue
		}
		root := p
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				c.failed = append(c.failed, failedFile{path, err.Error()})
				return nil
			}
			if path == root {
				return nil
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") {
				c.skipped = append(c.skipped, failedFile{path, "a hidden folder / thư mục ẩn"})
				return filepath.SkipDir
			}
			if vi, en := hotfolder.NotDocument(d.Name()); vi != "" && !d.IsDir() {
				c.skipped = append(c.skipped, failedFile{path, en + " / " + vi})
				return nil
			}
			if d.IsDir() && folders && filepath.Dir(path) == filepath.Clean(root) {
				pages, err := hotfolder.DocumentPages(path, nil)
				if err != nil {
					c.failed = append(c.failed, failedFile{path, err.Error()})
				} else if len(pages) > 0 {
					c.sources = append(c.sources, source{path: path, pages: pages})
				}
				// What is in the folder and not a page is skipped.
				_ = filepath.WalkDir(path, func(q string, e fs.DirEntry, err error) error {
					if err == nil && e.Type().IsRegular() && !slices.Contains(pages, q) {
						why := "not a page image / không phải ảnh trang"
						if vi, en := hotfolder.NotDocument(e.Name()); vi != "" {
							why = en + " / " + vi
						}
						c.skipped = append(c.skipped, failedFile{q, why})
					}
					return nil
				})
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				c.sources = append(c.sources, source{path: path})
			}
			return nil
		})
		if err != nil {
			c.failed = append(c.failed, failedFile{p, err.Error()})
		}
	}
	sort.Slice(c.sources, func(i, j int) bool { return c.sources[i].path < c.sources[j].path })
	return c
}

func ingestPaths(ctx context.Context, c *api.Client, batch string, paths []string, progress io.Writer) ([]failedFile, api.Batch, error) {
	res, b, err := ingestPathsWith(ctx, c, batch, paths, false, progress)
	return res.failed, b, err
}

// ingestPathsWith sends the documents under paths (see collectSources).
func ingestPathsWith(ctx context.Context, c *api.Client, batch string, paths []string, folders bool, progress io.Writer) (collected, api.Batch, error) {
	b, err := c.CreateBatch(ctx, batch)
	if err != nil {
		return collected{}, b, fmt.Errorf("create batch %q: %w", batch, err)
	}
	res := collectSources(paths, folders)
	var total int64
	for _, s := range res.sources {
		for _, f := range append([]string{s.path}, s.pages...) {
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
				total += st.Size()
			}
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
	for _, s := range res.sources {
		if ctx.Err() != nil {
			return res, b, ctx.Err()
		}
		var reason string
		if s.pages != nil {
			reason = uploadFolder(ctx, c, b.ID, s, bar)
		} else {
			reason = uploadOne(ctx, c, b.ID, s.path, bar)
		}
		if reason != "" {
			res.failed = append(res.failed, failedFile{s.path, reason})
		}
	}
	_ = bar.Finish()
	return res, b, nil
}

// uploadFolder bundles a document folder's pages into one PDF, as watch
// does (hotfolder.BundleFolder), and sends it as "<folder>.pdf" keyed by
// its page list (hotfolder.FolderKey): the bundled bytes differ each time,
// the key does not, so sending the folder again adds nothing. It returns
// why the folder was not taken, or "".
func uploadFolder(ctx context.Context, c *api.Client, batchID string, s source, bar *progressbar.ProgressBar) string {
	key, err := hotfolder.FolderKey(s.path, s.pages)
	if err != nil {
		return err.Error()
	}
	f, err := os.CreateTemp("", "sohoa-ingest-*.pdf")
	if err != nil {
		return err.Error()
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := hotfolder.BundleFolder(ctx, s.path, s.pages, ingest.Limits{}, "", f); err != nil {
		return err.Error()
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err.Error()
	}
	for _, p := range s.pages {
		if st, err := os.Stat(p); err == nil {
			_ = bar.Add64(st.Size())
		}
	}
	up, err := c.UploadWithKey(ctx, batchID, filepath.ToSlash(s.path)+".pdf", "folder:"+key, f)
	if err != nil {
		return err.Error()
	}
	if up.Document.Status == "failed" {
		return up.Document.Error
	}
	return ""
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
// It returns the token ("" when unreadable) and the path it read.
func localToken() (token, path string) {
	cfg, err := config.Load()
	if err != nil {
		return "", "$SOHOA_DATA_DIR/admin-token"
	}
	path = filepath.Join(cfg.DataDir, "admin-token")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", path
	}
	return strings.TrimSpace(string(b)), path
}
