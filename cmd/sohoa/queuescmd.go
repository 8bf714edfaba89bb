package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/hibiken/asynq"
	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/config"
)

func queuesCmd() *cobra.Command {
	var archived bool
	cmd := &cobra.Command{
		Use:   "queues [--archived]",
		Short: "Show the task queues in SOHOA_REDIS_URL: sizes by state, latency, throughput",
		Long: `Show asynq's view of sohoa's queues for operators: tasks pending, active,
scheduled, waiting for a retry and archived (failed for good), the age of the
oldest pending task and the day's processed/failed counts. --archived also
lists the archived tasks with their last error. (The embedded default keeps its
queue inside the server process: read its /metrics instead.)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load()
			if err != nil {
				return err
			}
			url := cfg.RedisURL
			if url == "" {
				return fmt.Errorf("SOHOA_REDIS_URL is not set / chưa đặt SOHOA_REDIS_URL")
			}
			opt, err := asynq.ParseRedisURI(url)
			if err != nil {
				return fmt.Errorf("SOHOA_REDIS_URL: %w", err)
			}
			insp := asynq.NewInspector(opt)
			defer insp.Close()
			queues, err := insp.Queues()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "QUEUE\tPENDING\tACTIVE\tSCHEDULED\tRETRY\tARCHIVED\tLATENCY\tPROCESSED TODAY\tFAILED TODAY\tPAUSED")
			for _, q := range queues {
				i, err := insp.GetQueueInfo(q)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t%v\n", q, i.Pending, i.Active, i.Scheduled,
					i.Retry, i.Archived, i.Latency.Round(1e6), i.Processed, i.Failed, i.Paused)
			}
			tw.Flush()
			if !archived {
				return nil
			}
			for _, q := range queues {
				tasks, err := insp.ListArchivedTasks(q, asynq.PageSize(100))
				if err != nil {
					return err
				}
				for _, t := range tasks {
					fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\t%s\t%s\n", q, t.ID, t.LastFailedAt.Format("2006-01-02T15:04:05Z07:00"), t.LastErr)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&archived, "archived", false, "also list archived (permanently failed) tasks")
	return cmd
}
