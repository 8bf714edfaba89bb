package sign

import (
	"bufio"
	"context"
	"crypto"
	_ "crypto/sha256" // register SHA-224/256
	_ "crypto/sha512" // register SHA-384/512
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/internal/outfile"
	"software.sslmate.com/src/go-pkcs12"
)

// Identity is a signing key and its certificate chain (Chain[0] is the signer's certificate).
type Identity struct {
	Signer crypto.Signer
	Chain  []*x509.Certificate
}

// Level is a PAdES baseline level (ETSI EN 319 142-1).
type Level int

const (
	LevelBB   Level = iota // B-B: CAdES signature, signing time claimed in /M
	LevelBT                // B-T: plus an RFC 3161 signature timestamp (unsigned attribute)
	LevelBLT               // B-LT: plus a DSS with the certificates, OCSP responses and CRLs
	LevelBLTA              // B-LTA: plus a document timestamp (ETSI.RFC3161) over it all
)

var levelNames = []string{"B-B", "B-T", "B-LT", "B-LTA"}

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// ParseLevel reads "B-B", "B-T", "B-LT" or "B-LTA" (case and the dash are optional).
func ParseLevel(s string) (Level, error) {
	n := strings.ToUpper(strings.ReplaceAll(s, "-", ""))
	for i, name := range levelNames {
		if n == strings.ReplaceAll(name, "-", "") {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("mức chữ ký không hợp lệ / unknown PAdES level %q (B-B, B-T, B-LT, B-LTA)", s)
}

// Options describe one signature.
type Options struct {
	Name, Reason, Location, ContactInfo string
	Time                                time.Time   // claimed signing time, written into /M (zero = now)
	Hash                                crypto.Hash // default SHA-256

	Level      Level        // default B-B
	TSAURL     string       // RFC 3161 time-stamping authority, needed from B-T up
	HTTPClient *http.Client // for the TSA, OCSP responders and CRL downloads; nil = http.DefaultClient

	// OCSPs and CRLs (DER) go into the DSS at B-LT and B-LTA. When both are empty they are
	// fetched from the certificates' AIA (OCSP) and CRL distribution point URLs.
	OCSPs, CRLs [][]byte

	// DocMDP, when 1, 2 or 3, makes this a certification signature allowing no changes (1),
	// form filling and signing (2), or those plus annotations (3). 0: an approval signature.
	DocMDP int

	// Appearance, when set, makes the signature visible as a stamp; nil: invisible.
	Appearance *Appearance
}

// ErrDocMDP is returned when the document's certification signature forbids any change.
var ErrDocMDP = errors.New("tài liệu đã được chứng nhận và không cho phép thay đổi thêm (DocMDP P=1) / the document's certification signature (DocMDP P=1) forbids further changes")

// ErrEncrypted is returned for encrypted PDFs, which Sign does not support.
var ErrEncrypted = errors.New("tệp PDF được mã hóa, chưa hỗ trợ ký / encrypted PDFs are not supported")

// LoadPKCS12 reads a signing key and its chain from a PKCS#12 (.p12/.pfx) file's bytes.
func LoadPKCS12(data []byte, password string) (*Identity, error) {
	key, cert, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, fmt.Errorf("sai mật khẩu tệp PKCS#12 / wrong PKCS#12 password: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("đọc tệp PKCS#12 / read PKCS#12: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("khóa PKCS#12 không ký được / PKCS#12 key %T is not a crypto.Signer", key)
	}
	id := &Identity{Signer: signer, Chain: append([]*x509.Certificate{cert}, cas...)}
	if err := id.check(); err != nil {
		return nil, err
	}
	return id, nil
}

// NewIdentity pairs any crypto.Signer (a token, a remote signing service) with its chain
// (chain[0] is the signer's certificate) after checking that the key belongs to chain[0].
func NewIdentity(signer crypto.Signer, chain ...*x509.Certificate) (*Identity, error) {
	id := &Identity{Signer: signer, Chain: chain}
	if err := id.check(); err != nil {
		return nil, err
	}
	return id, nil
}

// check makes sure the key belongs to Chain[0].
func (id *Identity) check() error {
	if id == nil || id.Signer == nil || len(id.Chain) == 0 || id.Chain[0] == nil {
		return errors.New("thiếu khóa hoặc chứng thư / identity has no key or certificate")
	}
	pub, ok := id.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(id.Chain[0].PublicKey) {
		return errors.New("khóa không khớp chứng thư / key does not match the signer certificate")
	}
	return nil
}

// Sign appends one signature to the PDF read from src (size bytes) as an incremental update,
// writing the complete signed PDF to dst. The original bytes are copied unchanged. From B-LT up
// a DSS follows in a second update, and at B-LTA a document timestamp in a third.
//
// src is read by pdfcpu to learn the structure (pdfcpu holds the objects in memory until
// that step ends), then streamed to hash the signed byte ranges, and finally copied to dst.
// The updates are kept in memory; nothing is written to dst before every signature is made.
func Sign(ctx context.Context, dst io.Writer, src io.ReaderAt, size int64, id *Identity, opt Options) error {
	if err := id.check(); err != nil {
		return err
	}
	if opt.Hash == 0 {
		opt.Hash = crypto.SHA256
	}
	if _, err := digestOID(opt.Hash); err != nil || !opt.Hash.Available() {
		return fmt.Errorf("thuật toán băm không hỗ trợ / unsupported hash %v", opt.Hash)
	}
	if opt.Level < LevelBB || opt.Level > LevelBLTA {
		return fmt.Errorf("mức chữ ký không hợp lệ / unknown level %v", opt.Level)
	}
	if opt.Level >= LevelBT && opt.TSAURL == "" {
		return fmt.Errorf("mức %v cần địa chỉ TSA / level %v needs a TSA URL", opt.Level, opt.Level)
	}
	if opt.DocMDP < 0 || opt.DocMDP > 3 {
		return fmt.Errorf("DocMDP phải là 0..3 / DocMDP must be 0..3, got %d", opt.DocMDP)
	}
	if opt.Time.IsZero() {
		opt.Time = time.Now()
	}
	if size <= 0 {
		return errors.New("tệp PDF rỗng / empty PDF")
	}
	spec := sigSpec{kind: kindSignature, opt: opt, docMDP: opt.DocMDP}
	if app := opt.Appearance; app != nil {
		if app.Page < 0 {
			return fmt.Errorf("số trang không hợp lệ / invalid appearance page %d", app.Page)
		}
		if app.Rect != ([4]float64{}) {
			if err := checkRect(app.Rect); err != nil {
				return err
			}
		}
		cert := id.Chain[0]
		spec.stampName, spec.stampOrg = opt.Name, app.Organisation
		if spec.stampName == "" {
			spec.stampName = cert.Subject.CommonName
		}
		if spec.stampOrg == "" && len(cert.Subject.Organization) > 0 {
			spec.stampOrg = cert.Subject.Organization[0]
		}
	}

	f := &layers{src: src, size: size}
	reserve := estimateCMSSize(id)
	var unsigned func([]byte) ([]cmsAttribute, error)
	if opt.Level >= LevelBT {
		reserve += tsaReserve
		unsigned = signatureTimestamp(ctx, opt)
	}
	der, err := f.appendSignature(ctx, spec, opt.Hash, reserve,
		func(digest []byte) ([]byte, error) { return buildCMS(id, opt.Hash, digest, unsigned) })
	if err != nil {
		return err
	}
	if opt.Level >= LevelBLT {
		certs := slices.Clone(id.Chain)
		tsCerts, err := timestampCerts(der)
		if err != nil {
			return err
		}
		vd, err := collectValidation(ctx, opt, append(certs, tsCerts...))
		if err != nil {
			return err
		}
		if err := f.appendDSS(ctx, vd, vriKey(der)); err != nil {
			return err
		}
	}
	if opt.Level >= LevelBLTA {
		_, err := f.appendSignature(ctx, sigSpec{kind: kindDocTimestamp, opt: opt}, opt.Hash, tsaReserve,
			func(digest []byte) ([]byte, error) {
				return requestTimestamp(ctx, opt.HTTPClient, opt.TSAURL, opt.Hash, digest)
			})
		if err != nil {
			return err
		}
	}

	if err := copyContext(ctx, dst, io.NewSectionReader(src, 0, size)); err != nil {
		return fmt.Errorf("chép / copy: %w", err)
	}
	if _, err := dst.Write(f.tail); err != nil {
		return fmt.Errorf("ghi / write: %w", err)
	}
	return nil
}

// layers is the original file followed by the updates made so far (held in memory).
type layers struct {
	src  io.ReaderAt
	size int64
	tail []byte
}

func (l *layers) Size() int64 { return l.size + int64(len(l.tail)) }

func (l *layers) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	if off < l.size {
		m := int64(len(p))
		if off+m > l.size {
			m = l.size - off
		}
		k, err := l.src.ReadAt(p[:m], off)
		n += k
		if err != nil && !(err == io.EOF && int64(k) == m) {
			return n, err
		}
		off += int64(k)
	}
	if n == len(p) {
		return n, nil
	}
	i := off - l.size
	if i >= int64(len(l.tail)) {
		return n, io.EOF
	}
	k := copy(p[n:], l.tail[i:])
	n += k
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// appendSignature adds one signature field (a signature or a document timestamp) as an
// incremental update. sign gets the digest (with h) of the byte ranges and returns the DER
// for /Contents, at most reserve bytes.
func (l *layers) appendSignature(ctx context.Context, spec sigSpec, h crypto.Hash, reserve int, sign func(digest []byte) ([]byte, error)) ([]byte, error) {
	doc, err := analyze(ctx, l, l.Size(), spec.page())
	if err != nil {
		return nil, err
	}
	if spec.kind == kindSignature && doc.mdpPerm == 1 {
		return nil, ErrDocMDP
	}
	inc, err := buildIncrement(doc, spec, reserve)
	if err != nil {
		return nil, err
	}
	base := l.Size()
	var eol []byte
	if doc.needEOL {
		eol = []byte{'\n'}
		base++
	}
	if _, err := inc.setByteRange(base); err != nil {
		return nil, err
	}
	hw := h.New()
	if err := copyContext(ctx, hw, io.NewSectionReader(l, 0, l.Size())); err != nil {
		return nil, fmt.Errorf("băm / hash: %w", err)
	}
	hw.Write(eol)
	hw.Write(inc.buf[:inc.contentsStart])
	hw.Write(inc.buf[inc.contentsEnd:])
	der, err := sign(hw.Sum(nil))
	if err != nil {
		return nil, err
	}
	if len(der) > reserve {
		return nil, fmt.Errorf("chữ ký %d byte vượt chỗ dành sẵn %d / CMS of %d bytes does not fit the %d reserved", len(der), reserve, len(der), reserve)
	}
	hex.Encode(inc.buf[inc.contentsStart+1:], der)
	l.tail = append(append(l.tail, eol...), inc.buf...)
	return der, nil
}

// SignFile signs inPath into outPath, writing a temporary file beside outPath and renaming it
// (into outPath when that is not a regular file, such as /dev/null: see internal/outfile).
// outPath may equal inPath.
func SignFile(ctx context.Context, inPath, outPath string, id *Identity, opt Options) (err error) {
	in, err := os.Open(inPath)
	if err != nil {
		return fmt.Errorf("sign %s: %w", inPath, err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("sign %s: %w", inPath, err)
	}
	tmp, err := outfile.Create(outPath)
	if err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 256<<10)
	if err = Sign(ctx, w, in, st.Size(), id, opt); err != nil {
		return fmt.Errorf("sign %s: %w", inPath, err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	if err = tmp.Chmod(st.Mode().Perm()); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	if err = outfile.Commit(tmp.Name(), outPath); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	return nil
}

// copyBufs holds the buffers of copyContext, so that hashing and copying a file allocate
// nothing per signature.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyContext copies r to w, stopping when ctx is done.
func copyContext(ctx context.Context, w io.Writer, r io.Reader) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
