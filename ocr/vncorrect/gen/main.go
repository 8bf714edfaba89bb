// Command gen derives lexicon.bin, the figures vncorrect's context model
// uses, from Vietnamese word lists reachable through the registries:
//
//   - the word and word-bigram DAWGs of Tesseract's legacy Vietnamese
//     model, in the npm package @tesseract.js-data/vie (4.0.0/vie.traineddata.gz),
//     unpacked with combine_tessdata -u and listed with dawg2wordlist
//     (Debian's tesseract-ocr);
//   - Debian's hunspell-vi dictionary (/usr/share/hunspell/vi_VN.dic).
//
// Only 32-bit hashes of lower-case syllables and of syllable pairs are
// written (sorted), never the lists themselves.
//
// Usage (go generate in ocr/vncorrect): go run ./gen -o lexicon.bin
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sohoa-vn/sohoa/ocr/vncorrect"
	"golang.org/x/text/unicode/norm"
)

const npmPkg = "@tesseract.js-data/vie@1.0.0"

func main() {
	out := flag.String("o", "lexicon.bin", "file to write")
	td := flag.String("traineddata", "", "legacy vie.traineddata (default: from "+npmPkg+" via npm pack)")
	dic := flag.String("hunspell", "/usr/share/hunspell/vi_VN.dic", "hunspell dictionary (Debian's hunspell-vi)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "vncorrect-gen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if *td == "" {
		run(tmp, "npm", "pack", "--silent", npmPkg)
		tgz, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
		if len(tgz) != 1 {
			log.Fatalf("npm pack %s: no tarball", npmPkg)
		}
		run(tmp, "tar", "-xzf", tgz[0], "package/4.0.0/vie.traineddata.gz")
		run(tmp, "gunzip", "package/4.0.0/vie.traineddata.gz")
		*td = filepath.Join(tmp, "package/4.0.0/vie.traineddata")
	}
	run(tmp, "combine_tessdata", "-u", *td, filepath.Join(tmp, "vie."))
	lists := map[string]string{"word-dawg": "words", "bigram-dawg": "bigrams"}
	for dawg, name := range lists {
		run(tmp, "dawg2wordlist", "vie.unicharset", "vie."+dawg, name)
	}

	uni := map[uint32]bool{}
	addWord := func(w string) bool {
		w = strings.ToLower(norm.NFC.String(w))
		if !vncorrect.Valid(w) {
			return false
		}
		uni[vncorrect.Hash(w)] = true
		return true
	}
	nw := eachLine(filepath.Join(tmp, "words"), func(l string) { addWord(l) })
	nh := eachLine(*dic, func(l string) {
		w, _, _ := strings.Cut(l, "/")
		addWord(w)
	})
	bi := map[uint32]bool{}
	nb := eachLine(filepath.Join(tmp, "bigrams"), func(l string) {
		f := strings.Fields(strings.ToLower(norm.NFC.String(l)))
		if len(f) == 2 && vncorrect.Valid(f[0]) && vncorrect.Valid(f[1]) {
			bi[vncorrect.Hash(f[0]+" "+f[1])] = true
		}
	})
	var b []byte
	b = append(b, "VNLX1\n"...)
	for _, m := range []map[uint32]bool{uni, bi} {
		hs := make([]uint32, 0, len(m))
		for h := range m {
			hs = append(hs, h)
		}
		slices.Sort(hs)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(hs)))
		for _, h := range hs {
			b = binary.LittleEndian.AppendUint32(b, h)
		}
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: %d dawg words + %d hunspell lines → %d syllables; %d bigram lines → %d syllable pairs; %s\n",
		nw, nh, len(uni), nb, len(bi), *out)
}

func run(dir, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func eachLine(path string, fn func(string)) int {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			fn(l)
			n++
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return n
}
