package procstat

import (
	"os"
	"testing"
	"time"
)

func TestSelf(t *testing.T) {
	pid := os.Getpid()
	if rss := RSSMiB(pid); rss <= 0 {
		t.Errorf("RSSMiB(self) = %v, want > 0", rss)
	}
	before := CPUSeconds(pid)
	x := 0
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		x++
	}
	if after := CPUSeconds(pid); after <= before {
		t.Errorf("CPU seconds %v after 200 ms of work, %v before", after, before)
	}
}

func TestNoSuchProcess(t *testing.T) {
	const pid = 1 << 30 // above Linux's pid_max
	if v := RSSMiB(pid); v != 0 {
		t.Errorf("RSSMiB = %v, want 0", v)
	}
	if v := CPUSeconds(pid); v != 0 {
		t.Errorf("CPUSeconds = %v, want 0", v)
	}
}
