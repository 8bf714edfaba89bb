package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/ingest"
)

// qcCmd is the archivist's quality-control queue on the command line.
func qcCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "qc",
		Short: "Quality control: list flagged pages, accept them, or replace them with a rescan",
		Long: `Pages the OCR stage flags (blank, unreadable, low_confidence, skewed, orientation) hold their
document before assembly and signing until an archivist accepts them or
replaces them with a rescan (SOHOA_QC_HOLD chooses which flags hold; "none"
turns holding off). Every decision is written to the audit log.`,
	}
	cmd.AddCommand(qcListCmd(), qcAcceptCmd(), qcRescanCmd())
	return cmd
}

func qcListCmd() *cobra.Command {
	var cf clientFlags
	var batch string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --batch NAME",
		Short: "List a batch's pages waiting for review",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch == "" {
				return fmt.Errorf("--batch is required / cần --batch")
			}
			c, err := cf.client()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "PAGE\tSEQ\tFLAGS\tCONFIDENCE\tIMAGE")
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			after := ""
			for {
				l, err := c.QCQueue(cmd.Context(), ingest.BatchID(batch), after, 500)
				if err != nil {
					return err
				}
				for _, p := range l.Pages {
					if asJSON {
						if err := enc.Encode(p); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%s\n", p.ID, p.Seq, strings.Join(p.QC, ","), p.Confidence, p.ImageURL)
				}
				if l.Next == "" {
					break
				}
				after = l.Next
			}
			return tw.Flush()
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&batch, "batch", "", "batch name")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per page")
	return cmd
}

func qcAcceptCmd() *cobra.Command {
	var cf clientFlags
	var note string
	cmd := &cobra.Command{
		Use:   "accept PAGE_ID...",
		Short: "Accept flagged pages as they are (the last one releases its document to signing)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			for _, id := range args {
				p, err := c.AcceptPage(cmd.Context(), id, note)
				if err != nil {
					return fmt.Errorf("page %s: %w", id, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%s)\n", p.ID, p.QCState, strings.Join(p.QC, ","))
			}
			return nil
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&note, "note", "", "why the page is acceptable, for the record")
	return cmd
}

func qcRescanCmd() *cobra.Command {
	var cf clientFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "rescan PAGE_ID FILE --reason TEXT",
		Short: "Replace a page's image with a rescan (one page); the old image stays in the page's history",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return fmt.Errorf("--reason is required / cần --reason (lý do quét lại)")
			}
			f, err := os.Open(args[1])
			if err != nil {
				return err
			}
			defer f.Close()
			c, err := cf.client()
			if err != nil {
				return err
			}
			p, err := c.RescanPage(cmd.Context(), args[0], filepath.Base(args[1]), reason, f)
			if err != nil {
				return fmt.Errorf("page %s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: replaced (version %d kept in history), status %s\n", p.ID, len(p.History), p.Status)
			return nil
		},
	}
	cf.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why the page is rescanned, for the record")
	return cmd
}
