package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/fixity"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// openCatalog opens the catalog the server uses: SOHOA_DATABASE_URL, or
// the SQLite file in the data directory (data when not empty: --data).
// A directory without a catalog is an error: opening would create an
// empty one there, and a check of it would report all clear.
func openCatalog(ctx context.Context, data string) (*catalog.DB, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	if data != "" {
		cfg.DataDir = data
	}
	url := cfg.DatabaseURL
	if url == "" {
		path := filepath.Join(cfg.DataDir, "catalog.db")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("không có danh mục tại %s: chỉ đúng thư mục dữ liệu của máy chủ bằng --data hoặc SOHOA_DATA_DIR, "+
				"hoặc đặt SOHOA_DATABASE_URL / no catalog at %s: point --data or SOHOA_DATA_DIR at the server's data directory, "+
				"or set SOHOA_DATABASE_URL", path, path)
		}
		url = "sqlite:" + path
	}
	return catalog.Open(ctx, url)
}

// dataFlag adds --data to a command that opens the catalog.
func dataFlag(cmd *cobra.Command, data *string) {
	cmd.PersistentFlags().StringVar(data, "data", "", "data directory holding the catalog (default $SOHOA_DATA_DIR, else ~/.local/share/sohoa)")
}

func apikeyCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "apikey",
		Short: "Create, list and revoke API keys (in the catalog of SOHOA_DATABASE_URL or the data directory)",
	}
	var name, office string
	var scopes, grants []string
	create := &cobra.Command{
		Use:   "create --name NAME --scope SCOPE[,SCOPE] --office OFFICE [--grant OFFICE|*]",
		Short: "Create a key and print its token (shown only this once)",
		Long: `Create an API key. Scopes: archivist (batches, results), clerk (certified
copies), system (other systems fetching PDFs and results), auditor (the audit
log). A key sees the records of its own --office, and of the offices it is
--grant'ed ("*" for all). The token is printed once; only its hash is kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" || len(scopes) == 0 {
				return fmt.Errorf("--name and --scope are required / cần --name và --scope")
			}
			for _, s := range scopes {
				if _, ok := api.ParseScope(s); !ok {
					return fmt.Errorf("unknown scope %q (archivist, clerk, system, auditor) / phạm vi không hợp lệ", s)
				}
			}
			db, err := openCatalog(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer db.Close()
			token, k, err := db.CreateAPIKey(cmd.Context(), catalog.APIKey{Name: name, Scopes: scopes, OfficeID: office, Offices: grants})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "key %s created for %s; the token below is shown only now:\n", k.ID, k.Name)
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what holds the key")
	create.Flags().StringSliceVar(&scopes, "scope", nil, "archivist, clerk, system, auditor")
	create.Flags().StringVar(&office, "office", "", "the holder's office")
	create.Flags().StringSliceVar(&grants, "grant", nil, "further offices the key may see (* = all)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (never their tokens)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openCatalog(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer db.Close()
			keys, err := db.APIKeys(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tOFFICE\tGRANTS\tCREATED\tREVOKED")
			for _, k := range keys {
				revoked := ""
				if !k.RevokedAt.IsZero() {
					revoked = k.RevokedAt.Format("2006-01-02T15:04:05Z07:00")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), k.OfficeID,
					strings.Join(k.Offices, ","), k.CreatedAt.Format("2006-01-02T15:04:05Z07:00"), revoked)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := openCatalog(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer db.Close()
			return db.RevokeAPIKey(cmd.Context(), args[0])
		},
	}
	cmd.AddCommand(create, list, revoke)
	dataFlag(cmd, &data)
	return cmd
}

func auditCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{Use: "audit", Short: "Check the hash-chained audit log"}
	var anchors []string
	verify := &cobra.Command{
		Use:   "verify [--anchor SEQ:HASH]...",
		Short: "Walk the audit log and check its chain; exit 1 if it was edited or cut",
		Long: `Check that the audit log's entries follow each other without a gap and
that each holds the hash of the one before. Deleting the newest entries can
only be seen against a head kept elsewhere: pass the seq:hash printed by an
earlier run as --anchor.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var heads []catalog.AuditHead
			for _, a := range anchors {
				seq, hash, ok := strings.Cut(a, ":")
				n, err := strconv.ParseInt(seq, 10, 64)
				if !ok || err != nil {
					return fmt.Errorf("--anchor %q: want SEQ:HASH", a)
				}
				heads = append(heads, catalog.AuditHead{Seq: n, Hash: hash})
			}
			db, err := openCatalog(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer db.Close()
			head, err := db.VerifyAudit(cmd.Context(), heads...)
			if err != nil {
				return exitError{code: 1, msg: err.Error()}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "audit log intact; head %d:%s\n", head.Seq, head.Hash)
			return nil
		},
	}
	verify.Flags().StringSliceVar(&anchors, "anchor", nil, "a head seen before, SEQ:HASH")
	cmd.AddCommand(verify)
	dataFlag(cmd, &data)
	return cmd
}

func resultsCmd() *cobra.Command {
	var data string
	cmd := &cobra.Command{Use: "results", Short: "The archive of still-valid procedure results"}
	var office, actor string
	imp := &cobra.Command{
		Use:   "import --office OFFICE FILE.csv",
		Short: "Import an existing register from CSV; print a JSON report of the rows rejected and why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if office == "" {
				return fmt.Errorf("--office is required / cần --office")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			db, err := openCatalog(cmd.Context(), data)
			if err != nil {
				return err
			}
			defer db.Close()
			rep, err := results.ImportCSV(cmd.Context(), f, office, actor, db)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
			if len(rep.Rejected) > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d of %d rows rejected / %d dòng bị từ chối", len(rep.Rejected), rep.Rows, len(rep.Rejected))}
			}
			return nil
		},
	}
	imp.Flags().StringVar(&office, "office", "", "office the results belong to")
	imp.Flags().StringVar(&actor, "actor", "cli:"+config.Getenv("USER"), "who imports, for the history")
	cmd.AddCommand(imp)
	dataFlag(cmd, &data)
	return cmd
}

func fixityCmd() *cobra.Command {
	var data string
	var rehash bool
	var batches []string
	cmd := &cobra.Command{
		Use:   "fixity [--rehash] [--batch NAME]...",
		Short: "Audit storage against the catalog: missing objects, orphans, and (--rehash) changed bytes; exit 1 on any problem",
		Long: `Walk the catalog and the store the server uses (SOHOA_DATABASE_URL and SOHOA_S3_*,
or the data directory) and report every object without its catalog row, every
row without its object, and with --rehash every object whose SHA-256 is not the
one the catalog recorded. Servers run the same audit every SOHOA_FIXITY_INTERVAL
(set it on one process only).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := config.Load()
			if err != nil {
				return err
			}
			if data != "" {
				cfg.DataDir = data // the blobs beside the catalog, too
			}
			db, err := openCatalog(ctx, data)
			if err != nil {
				return err
			}
			defer db.Close()
			store, lister, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			opt := fixity.Options{Orphans: len(batches) == 0, Rehash: rehash}
			if len(batches) == 0 {
				if opt.Batches, err = db.BatchIDs(ctx); err != nil {
					return err
				}
			}
			for _, b := range batches {
				opt.Batches = append(opt.Batches, ingest.BatchID(b))
			}
			r, err := (&fixity.Checker{Catalog: db, Store: store, Lister: lister}).Check(ctx, opt)
			if err != nil {
				return err
			}
			for _, p := range r.Problems {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\t%s\n", p.Kind, p.Key, p.Owner, p.Detail)
			}
			fmt.Fprintln(cmd.ErrOrStderr(), r.String())
			if !r.OK() {
				return exitError{code: 1, msg: fmt.Sprintf("%d problem(s) / %d vấn đề", len(r.Problems), len(r.Problems))}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&rehash, "rehash", false, "re-hash every object (reads everything)")
	cmd.Flags().StringSliceVar(&batches, "batch", nil, "audit only these batches (orphans are then not looked for)")
	dataFlag(cmd, &data)
	return cmd
}
