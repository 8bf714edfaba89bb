package hotfolder

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Entry is one file or document folder taken, or one document sent from
// it, as the journal keeps it.
type Entry struct {
	Path    string    `json:"path"` // relative to the watched directory
	Size    int64     `json:"size"` // of a folder: its page files together
	ModTime time.Time `json:"mtime"`
	// SHA256 is the file's content hash; of a document folder, the hash
	// of its page list (each page's name in the folder and SHA-256).
	SHA256  string    `json:"sha256"`
	Batch   string    `json:"batch"`
	TakenAt time.Time `json:"taken_at"`
	// Duplicate is set when the same bytes had been taken already (under
	// another name or earlier), so they were not sent again.
	Duplicate bool `json:"duplicate,omitempty"`
	// Folder is set for a document folder, whose pages went as one PDF
	// (or, split at separator pages, as several).
	Folder bool `json:"folder,omitempty"`
	// Name is what the sink received when it is not Path: the PDF made
	// of a folder's pages, or one document split from Path.
	Name string `json:"name,omitempty"`
	// Pages counts the pages read (separator pages included) when the
	// source was bundled or split; of a Part, the pages of that document.
	Pages int `json:"pages,omitempty"`
	// Part, when not 0, makes this the record of one document (1-based)
	// split from Path at separator pages and sent, not of Path itself: a
	// crash in the middle of a split file resumes after the last part
	// recorded. Parts, on the entry of Path, is how many were sent.
	Part  int `json:"part,omitempty"`
	Parts int `json:"parts,omitempty"`
}

// journal is an append-only JSON-lines file of the files taken, fsynced
// after each line, so a file handed to the sink is never handed again
// after a crash or restart. Lookups are by SHA-256 (content) and by
// path+size+mtime (the file as it sits in the folder); documents split
// from a source are looked up by the source's SHA-256 and their number.
type journal struct {
	mu     sync.Mutex
	f      *os.File
	bySum  map[string]string // sha256 -> path first taken with it
	byFile map[string]string // path|size|mtime -> sha256
	parts  map[string]bool   // sha256|part
}

func fileKey(path string, size int64, mod time.Time) string {
	return fmt.Sprintf("%s|%d|%d", path, size, mod.UnixNano())
}

func partKey(sum string, part int) string { return fmt.Sprintf("%s|%d", sum, part) }

func openJournal(path string) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hotfolder: journal %s: %w", path, err)
	}
	j := &journal{f: f, bySum: map[string]string{}, byFile: map[string]string{}, parts: map[string]bool{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue // a line torn by a crash mid-write: that file is not taken
		}
		j.index(e)
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, fmt.Errorf("hotfolder: journal %s: %w", path, err)
	}
	return j, nil
}

// index records e in the lookups; the caller holds mu or owns j alone.
func (j *journal) index(e Entry) {
	if e.Part > 0 {
		// One document of a source: the source itself is not taken
		// until its own entry is written.
		j.parts[partKey(e.SHA256, e.Part)] = true
		return
	}
	if _, ok := j.bySum[e.SHA256]; !ok {
		j.bySum[e.SHA256] = e.Path
	}
	j.byFile[fileKey(e.Path, e.Size, e.ModTime)] = e.SHA256
}

func (j *journal) hasSum(sum string) bool {
	_, ok := j.sumPath(sum)
	return ok
}

// sumPath returns the path first taken with content sum.
func (j *journal) sumPath(sum string) (string, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p, ok := j.bySum[sum]
	return p, ok
}

func (j *journal) hasFile(path string, size int64, mod time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.byFile[fileKey(path, size, mod)]
	return ok
}

// hasPart reports whether document part (1-based) split from the source
// with content sum was sent.
func (j *journal) hasPart(sum string, part int) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.parts[partKey(sum, part)]
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
	j.index(e)
	return nil
}

func (j *journal) close() error { return j.f.Close() }
