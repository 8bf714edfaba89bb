package servicetest

import (
	"database/sql"
	"testing"
)

// TestPrivatePostgresCrash crashes a private server between two commits
// and checks that it comes back on the same port with what was committed
// before, and that connections open at the crash fail rather than hang.
func TestPrivatePostgresCrash(t *testing.T) {
	p := PrivatePostgres(t)
	db, err := sql.Open("pgx", p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if err := p.Crash(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("ping after the crash succeeded")
	}
	if n := liveInGroup(p.cmd.Process.Pid); n != 0 {
		t.Fatalf("%d server processes alive after Crash", n)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT sum(n) FROM t`).Scan(&n); err != nil {
		t.Fatalf("after restart: %v\n%s", err, p.Log())
	}
	if n != 1 {
		t.Errorf("after restart the committed row sums to %d, want 1", n)
	}
	if err := p.Start(); err == nil {
		t.Error("a second Start of a running server succeeded")
	}
}
