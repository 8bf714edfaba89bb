package hotfolder

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Entry is one file taken, as the journal keeps it.
type Entry struct {
	Path    string    `json:"path"` // relative to the watched directory
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
	Batch   string    `json:"batch"`
	TakenAt time.Time `json:"taken_at"`
	// Duplicate is set when the same bytes had been taken already (under
	// another name or earlier), so they were not sent again.
	Duplicate bool `json:"duplicate,omitempty"`
}

// journal is an append-only JSON-lines file of the files taken, fsynced
// after each line, so a file handed to the sink is never handed again
// after a crash or restart. Lookups are by SHA-256 (content) and by
// path+size+mtime (the file as it sits in the folder).
type journal struct {
	mu     sync.Mutex
	f      *os.File
	bySum  map[string]bool
	byFile map[string]string // path|size|mtime -> sha256
}

func fileKey(path string, size int64, mod time.Time) string {
	return fmt.Sprintf("%s|%d|%d", path, size, mod.UnixNano())
}

func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hotfolder: journal %s: %w", path, err)
	}
	j := &journal{f: f, bySum: map[string]bool{}, byFile: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line torn by a crash mid-write: that file is not taken
		}
		j.bySum[e.SHA256] = true
		j.byFile[fileKey(e.Path, e.Size, e.ModTime)] = e.SHA256
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, fmt.Errorf("hotfolder: journal %s: %w", path, err)
	}
	return j, nil
}

func (j *journal) hasSum(sum string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bySum[sum]
}

func (j *journal) hasFile(path string, size int64, mod time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.byFile[fileKey(path, size, mod)]
	return ok
}

func (j *journal) add(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// A torn last line (crash) would swallow this one: start on a new line.
	if _, err := j.f.Write(append(append([]byte{'\n'}, b...), '\n')); err != nil {
		return fmt.Errorf("hotfolder: journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("hotfolder: journal: %w", err)
	}
	j.bySum[e.SHA256] = true
	j.byFile[fileKey(e.Path, e.Size, e.ModTime)] = e.SHA256
	return nil
}

func (j *journal) close() error { return j.f.Close() }
