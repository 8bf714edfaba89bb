package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// batchesCmd lists the caller's batches with their progress.
func batchesCmd() *cobra.Command {
	var cf clientFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "batches",
		Short: "List the batches with their progress (documents signed, failed, held for review; pages OCR'd)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "NAME\tID\tDOCUMENTS\tSIGNED\tFAILED\tQC\tPAGES OCR'D\tDONE")
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			cursor := ""
			for {
				l, err := c.Batches(cmd.Context(), cursor, 1000)
				if err != nil {
					return err
				}
				for _, b := range l.Batches {
					if asJSON {
						if err := enc.Encode(b); err != nil {
							return err
						}
						continue
					}
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d/%d\t%v\n", b.Name, b.ID, b.Documents, b.DocumentsSigned,
						b.DocumentsFailed, b.DocumentsQC, b.PagesOCRed, b.PagesReceived, b.Done)
				}
				if l.NextCursor == "" {
					break
				}
				cursor = l.NextCursor
			}
			return tw.Flush()
		},
	}
	cf.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per batch")
	return cmd
}

// searchCmd runs a full-text search over the signed documents.
func searchCmd() *cobra.Command {
	var cf clientFlags
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Full-text search of the documents (accents optional): document, snippet, validity of linked results",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := cf.client()
			if err != nil {
				return err
			}
			res, err := c.Search(cmd.Context(), strings.Join(args, " "), "", limit)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOCUMENT\tRESULTS\tSNIPPET")
			for _, h := range res.Hits {
				var vs []string
				for _, v := range h.Results {
					vs = append(vs, v.Code+":"+v.Status)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", h.DocumentID, strings.Join(vs, ","), strings.Join(strings.Fields(h.Snippet), " "))
			}
			if len(res.Hits) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "không tìm thấy tài liệu nào / no document found")
			}
			return tw.Flush()
		},
	}
	cf.add(cmd)
	cmd.Flags().IntVar(&limit, "limit", 20, "hits to show (1 to 200)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "the search answer as JSON")
	return cmd
}
