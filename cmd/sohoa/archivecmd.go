package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/scanners/hotfolder"
	"github.com/sohoa-vn/sohoa/scanners/sane"
	"github.com/sohoa-vn/sohoa/scanners/separator"
)

// clientFlags are the flags every command that calls a server takes.
type clientFlags struct{ server, token string }

func (f *clientFlags) add(cmd *cobra.Command) {
	env, _ := config.LoadClient() // two strings: nothing to refuse
	cmd.Flags().StringVar(&f.server, "server", env.URL, "server URL ($SOHOA_URL)")
	cmd.Flags().StringVar(&f.token, "token", env.Token, "API key ($SOHOA_TOKEN; default: the local server's bootstrap key, if readable)")
}

// client is the API client of the flags. With no --token and no
// SOHOA_TOKEN it reads the local server's bootstrap key; when that is not
// there either it says where it looked, rather than letting the server
// answer a bare 401.
func (f *clientFlags) client() (*api.Client, error) {
	c := &api.Client{BaseURL: f.server, Token: f.token}
	if c.Token == "" {
		tok, path := localToken()
		if tok == "" {
			return nil, fmt.Errorf("không có khóa API: không có --token, SOHOA_TOKEN, và không đọc được khóa khởi tạo ở %s "+
				"(máy chủ khác máy này? dùng --token hoặc SOHOA_TOKEN) / no API key: no --token, no SOHOA_TOKEN, and no "+
				"bootstrap key readable at %s (a server on another machine? give --token or SOHOA_TOKEN)", path, path)
		}
		c.Token = tok
	}
	return c, nil
}

// writeOut runs fn on the file at path ("-" = stdout), removing a file
// left incomplete by an error.
func writeOut(path string, fn func(io.Writer) error) error {
	if path == "-" || path == "" {
		return fn(os.Stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func exportCmd() *cobra.Command {
	var cf clientFlags
	var batch, out, format, id, title string
	var docs []string
	var bag bool
	cmd := &cobra.Command{
		Use:   "export (--batch NAME | --dossier ID,ID...) [--bag] [--format tar|zip] -o FILE",
		Short: "Export signed documents as an archival package (E-ARK AIP: METS, EAD, PREMIS), optionally a BagIt bag",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (batch == "") == (len(docs) == 0) {
				return fmt.Errorf("give --batch or --dossier / cần --batch hoặc --dossier")
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			return writeOut(out, func(w io.Writer) error {
				if batch != "" {
					return c.BatchAIP(cmd.Context(), ingest.BatchID(batch), format, bag, w)
				}
				return c.DossierAIP(cmd.Context(), api.AIPRequest{DocumentIDs: docs, ID: id, Title: title, Format: format, Bag: bag}, w)
			})
		},
	}
	cf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&batch, "batch", "", "batch name")
	f.StringSliceVar(&docs, "dossier", nil, "document IDs of a dossier")
	f.StringVar(&id, "id", "", "archive file code of the dossier")
	f.StringVar(&title, "title", "", "title of the dossier")
	f.StringVar(&format, "format", "tar", "tar or zip")
	f.BoolVar(&bag, "bag", false, "wrap the package in a BagIt bag")
	f.StringVarP(&out, "output", "o", "-", "file to write (- = stdout)")
	return cmd
}

func reportCmd() *cobra.Command {
	var cf clientFlags
	var batch, out string
	cmd := &cobra.Command{
		Use:   "report --batch NAME [-o report.csv]",
		Short: "Write a batch's page-by-page report as CSV: status, reason for failure, OCR confidence, document",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch == "" {
				return fmt.Errorf("--batch is required / cần --batch")
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			return writeOut(out, func(w io.Writer) error { return c.ReportCSV(cmd.Context(), ingest.BatchID(batch), w) })
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&batch, "batch", "", "batch name")
	cmd.Flags().StringVarP(&out, "output", "o", "-", "file to write (- = stdout)")
	return cmd
}

// uploader sends files to a server, creating each batch once.
type uploader struct {
	c       *api.Client
	mu      sync.Mutex
	batches map[string]string
}

func (u *uploader) File(ctx context.Context, batch, name, key string, r io.Reader) error {
	u.mu.Lock()
	id, ok := u.batches[batch]
	u.mu.Unlock()
	if !ok {
		b, err := u.c.CreateBatch(ctx, batch)
		if err != nil {
			return fmt.Errorf("batch %s: %w", batch, err)
		}
		id = b.ID
		u.mu.Lock()
		u.batches[batch] = id
		u.mu.Unlock()
	}
	up, err := u.c.UploadWithKey(ctx, id, name, key, r)
	if err != nil {
		return err
	}
	if up.Document.Status == "failed" {
		// Taken, recorded as failed with its reason: not to be sent again.
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, up.Document.Error)
	}
	return nil
}

// scanSink sends what a scanner feeds: sheets scanned again make new
// bytes, so there is no source to key a resend by (see hotfolder.Sink).
type scanSink struct{ u *uploader }

func (s scanSink) File(ctx context.Context, batch, name string, r io.Reader) error {
	return s.u.File(ctx, batch, name, "", r)
}

func watchCmd() *cobra.Command {
	var cf clientFlags
	var opt hotfolder.Options
	var mark, markerOnly bool
	var sep string
	cmd := &cobra.Command{
		Use:   "watch DIR --batch NAME [--batch-from-folder] [--documents-from-folders] [--separator file|blank|qr|blank-or-qr] [--stable 2s] [--poll] [--mark]",
		Short: "Watch a scanner's hot folder and send each finished file or document folder, once, into a batch",
		Long: `Watch a folder the scanner writes to. A file is taken when its size and
time have not changed for --stable and no program holds it open; it is sent
once (a journal in the folder remembers what was taken, also across restarts)
and then moved to DIR/done, or renamed NAME.taken with --mark. Use --poll on
network shares, where no change events arrive.

Document folders (--documents-from-folders): scanners that write one image
per page into a folder per document (DIR/HS-0007/0001.tif, 0002.tif…, or
with --batch-from-folder DIR/box-12/HS-0007/…) have each folder sent as one
PDF of its pages in natural order (page_2 before page_10), named
HS-0007.pdf. A folder is complete when a marker file is in it (--done-marker,
any of the names given; default .done, done, done.txt, .ready, ready,
ready.txt, _SUCCESS, in any case) or, without a marker, when nothing in it
has changed for --folder-quiet (default: --stable); --marker-only waits for
the marker alone. Other files in the folder (the marker, Thumbs.db) are
ignored, and the whole folder is moved to DIR/done (renamed FOLDER.taken
with --mark).

Document boundaries (--separator, or per batch in a settings file): "file"
sends each file or document folder as one document; "blank", "qr" and
"blank-or-qr" split multi-page TIFF and PDF files and document folders at
blank pages and/or separator sheets (print one with sohoa separator-sheet)
into NAME-0001.pdf, NAME-0002.pdf…; a file with no separator page goes as it
is. A batch's settings file, .sohoa-batch.json in the batch's folder (in DIR
itself for the files of --batch), overrides the default for that batch:

    {"separator": "blank-or-qr", "max_ink": 0.003}

max_ink (above 0, below 1) is the share of dark pixels a blank page may
have. Write it before the batch's scans. While the file is not valid, an
error saying why is logged and that batch's scans wait in place.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Batch == "" && !opt.BatchFromFolder {
				return fmt.Errorf("--batch or --batch-from-folder is required / cần --batch")
			}
			mode, err := separator.ParseMode(sep)
			if err != nil {
				return err
			}
			opt.Separator = mode
			opt.Dir = args[0]
			if mark {
				opt.Taken = hotfolder.MarkTaken
			}
			if markerOnly {
				opt.FolderQuiet = -1
			}
			opt.Log = newLogger()
			c, err := cf.client()
			if err != nil {
				return err
			}
			w, err := hotfolder.New(opt, &uploader{c: c, batches: map[string]string{}})
			if err != nil {
				return err
			}
			defer w.Close()
			return w.Run(cmd.Context())
		},
	}
	cf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&opt.Batch, "batch", "", "batch for the files")
	f.BoolVar(&opt.BatchFromFolder, "batch-from-folder", false, "a file in a subfolder goes into the batch named by that subfolder")
	f.DurationVar(&opt.Stable, "stable", 2*time.Second, "how long a file must stay unchanged")
	f.BoolVar(&opt.PollOnly, "poll", false, "poll only (network shares)")
	f.BoolVar(&mark, "mark", false, "rename taken files to NAME.taken instead of moving them to DIR/done")
	f.BoolVar(&opt.DocumentFolders, "documents-from-folders", false, "each folder of page images is one document (below the batch folder with --batch-from-folder)")
	f.StringSliceVar(&opt.DoneMarkers, "done-marker", hotfolder.DefaultDoneMarkers, "names of the file that marks a document folder complete")
	f.DurationVar(&opt.FolderQuiet, "folder-quiet", 0, "how long a document folder without a marker must stay unchanged (0: --stable)")
	f.BoolVar(&markerOnly, "marker-only", false, "take a document folder only once its marker file is there")
	f.StringVar(&sep, "separator", string(separator.PerFile), "document boundaries of batches without a settings file: file, blank, qr or blank-or-qr")
	f.Float64Var(&opt.MaxInk, "max-ink", 0, "largest share of dark pixels of a blank page (0: 0.003)")
	return cmd
}

func scanCmd() *cobra.Command {
	var cf clientFlags
	var opt sane.Options
	var batch, prefix, sep string
	cmd := &cobra.Command{
		Use:   "scan --batch NAME [--device DEV] [--mode lineart|gray|color] [--resolution 200] [--source adf] [--separator file|blank|qr|blank-or-qr]",
		Short: "Scan from a SANE scanner's feeder straight into a batch, splitting documents at separator sheets",
		Long: `Drive a SANE scanner (scanimage) in batch mode and send the pages into a
batch. --separator blank starts a new document at each blank page, qr at each
separator sheet (print one with sohoa separator-sheet), blank-or-qr at either;
file makes the whole run one document.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch == "" {
				return fmt.Errorf("--batch is required / cần --batch")
			}
			mode, err := separator.ParseMode(sep)
			if err != nil {
				return err
			}
			opt.Log = newLogger()
			c, err := cf.client()
			if err != nil {
				return err
			}
			n, err := sane.Feed(cmd.Context(), opt, mode, batch, prefix, scanSink{&uploader{c: c, batches: map[string]string{}}})
			fmt.Fprintf(cmd.ErrOrStderr(), "%d document(s) sent to batch %s\n", n, batch)
			return err
		},
	}
	cf.add(cmd)
	f := cmd.Flags()
	f.StringVar(&batch, "batch", "", "batch for the documents")
	f.StringVar(&prefix, "prefix", "scan", "name prefix of the documents")
	f.StringVar(&sep, "separator", string(separator.Either), "document boundaries: file, blank, qr or blank-or-qr")
	f.StringVar(&opt.Device, "device", "", "SANE device (scanimage -L lists them); default: the default device")
	f.StringVar(&opt.Mode, "mode", "gray", "lineart, gray or color")
	f.IntVar(&opt.Resolution, "resolution", 200, "dpi (150–600)")
	f.StringVar(&opt.Source, "source", "", "flatbed, adf or adf-duplex (default: the device's)")
	f.IntVar(&opt.Count, "count", 0, "pages to scan (0 = until the feeder is empty)")
	return cmd
}

func separatorSheetCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "separator-sheet -o sheet.pdf",
		Short: "Write the A4 separator sheet (QR code) to print and put between documents in the feeder",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !strings.HasSuffix(out, ".pdf") && out != "-" {
				return fmt.Errorf("-o must name a .pdf file")
			}
			return writeOut(out, separator.Sheet)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "separator.pdf", "PDF to write")
	return cmd
}
