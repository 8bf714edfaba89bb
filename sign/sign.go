// Package sign adds PAdES baseline B-B signatures to PDF files as incremental updates
// and verifies the signatures of a PDF.
//
// The original bytes are kept unchanged; each signature appends a signature dictionary,
// an invisible widget on page 1, the updated page, catalog or AcroForm and a
// cross-reference section of the same kind as the previous one (table or stream).
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
	"os"
	"path/filepath"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// Identity is a signing key and its certificate chain (Chain[0] is the signer's certificate).
type Identity struct {
	Signer crypto.Signer
	Chain  []*x509.Certificate
}

// Options describe one signature.
type Options struct {
	Name, Reason, Location, ContactInfo string
	Time                                time.Time   // claimed signing time, written into /M (zero = now)
	Hash                                crypto.Hash // default SHA-256
}

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
// writing the complete signed PDF to dst. The original bytes are copied unchanged.
//
// src is read three times: by pdfcpu to learn the structure (pdfcpu holds the objects in
// memory until that step ends), to hash the signed byte ranges, and to copy it to dst.
// Nothing is written to dst before the signature is made.
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
	if opt.Time.IsZero() {
		opt.Time = time.Now()
	}
	if size <= 0 {
		return errors.New("tệp PDF rỗng / empty PDF")
	}

	doc, err := analyze(ctx, src, size)
	if err != nil {
		return err
	}
	reserve := estimateCMSSize(id)
	inc, err := buildIncrement(doc, opt, reserve)
	if err != nil {
		return err
	}
	base := size
	var eol []byte
	if doc.needEOL {
		eol = []byte{'\n'}
		base++
	}
	if _, err := inc.setByteRange(base); err != nil {
		return err
	}

	h := opt.Hash.New()
	if err := copyContext(ctx, h, io.NewSectionReader(src, 0, size)); err != nil {
		return fmt.Errorf("băm / hash: %w", err)
	}
	h.Write(eol)
	h.Write(inc.buf[:inc.contentsStart])
	h.Write(inc.buf[inc.contentsEnd:])

	der, err := buildCMS(id, opt.Hash, h.Sum(nil))
	if err != nil {
		return err
	}
	if len(der) > reserve {
		return fmt.Errorf("chữ ký %d byte vượt chỗ dành sẵn %d / CMS of %d bytes does not fit the %d reserved", len(der), reserve, len(der), reserve)
	}
	hex.Encode(inc.buf[inc.contentsStart+1:], der)

	if err := copyContext(ctx, dst, io.NewSectionReader(src, 0, size)); err != nil {
		return fmt.Errorf("chép / copy: %w", err)
	}
	if _, err := dst.Write(eol); err != nil {
		return err
	}
	if _, err := dst.Write(inc.buf); err != nil {
		return fmt.Errorf("ghi / write: %w", err)
	}
	return nil
}

// SignFile signs inPath into outPath, writing a temporary file beside outPath and renaming it.
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
	tmp, err := os.CreateTemp(filepath.Dir(outPath), ".sign-*.pdf")
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
	if err = os.Rename(tmp.Name(), outPath); err != nil {
		return fmt.Errorf("sign %s: %w", outPath, err)
	}
	return nil
}

// copyContext copies r to w, stopping when ctx is done.
func copyContext(ctx context.Context, w io.Writer, r io.Reader) error {
	buf := make([]byte, 256<<10)
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
