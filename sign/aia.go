package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/digitorus/pkcs7"
)

// IssuerFetcher completes certificate chains from the AIA "CA Issuers" URLs of the
// certificates (RFC 5280 4.2.2.1): real Vietnamese government signatures embed only the
// signer's certificate, and the intermediate "CA phục vụ các cơ quan Nhà nước G2" is
// published at the URL its certificates name. Answers may be a DER certificate, PEM
// certificates or a PKCS#7 certs-only bundle (.p7c). Only http and https URLs are fetched,
// each answer is bounded in size and time, and answers are cached for the fetcher's
// lifetime (failures for FailureTTL). A fetched certificate is only an intermediate
// candidate: trust still comes from the roots.
type IssuerFetcher struct {
	// Client does the requests. nil: a client that refuses to connect to loopback,
	// private, link-local, multicast and unspecified addresses (a URL in a certificate is
	// the signer's choice: a verifying server must not fetch its own network for them),
	// unless AllowPrivate.
	Client       *http.Client
	AllowPrivate bool

	Timeout    time.Duration // per request; 0: 10 s
	MaxBytes   int64         // per answer; 0: 1 MiB
	FailureTTL time.Duration // how long a failed URL is not asked again; 0: 5 min

	mu    sync.Mutex
	cache map[string]issuerAnswer
}

type issuerAnswer struct {
	certs []*x509.Certificate
	err   error
	at    time.Time
}

// maxChainDepth bounds how many issuers Chain follows.
const maxChainDepth = 5

// Chain returns the issuers found above cert by following CA Issuers URLs, nearest first,
// stopping at a self-signed certificate, a certificate without such a URL, or after
// maxChainDepth steps. Unreachable URLs are skipped.
func (f *IssuerFetcher) Chain(ctx context.Context, cert *x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	c := cert
	for range maxChainDepth {
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			break
		}
		var next *x509.Certificate
		for _, u := range c.IssuingCertificateURL {
			certs, err := f.Fetch(ctx, u)
			if err != nil {
				continue
			}
			if next = findIssuer(c, certs); next != nil {
				// A bundle may hold the whole chain: keep all of it.
				out = append(out, certs...)
				break
			}
		}
		if next == nil {
			break
		}
		c = next
	}
	return out
}

// Fetch returns the certificates served at a CA Issuers URL.
func (f *IssuerFetcher) Fetch(ctx context.Context, rawURL string) ([]*x509.Certificate, error) {
	ttl := f.FailureTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	f.mu.Lock()
	if a, ok := f.cache[rawURL]; ok && (a.err == nil || time.Since(a.at) < ttl) {
		f.mu.Unlock()
		return a.certs, a.err
	}
	f.mu.Unlock()
	certs, err := f.get(ctx, rawURL)
	f.mu.Lock()
	if f.cache == nil {
		f.cache = map[string]issuerAnswer{}
	}
	f.cache[rawURL] = issuerAnswer{certs: certs, err: err, at: time.Now()}
	f.mu.Unlock()
	return certs, err
}

func (f *IssuerFetcher) get(ctx context.Context, rawURL string) ([]*x509.Certificate, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("CA Issuers URL %q: only http and https are fetched", rawURL)
	}
	timeout, maxBytes := f.Timeout, f.MaxBytes
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if maxBytes == 0 {
		maxBytes = 1 << 20
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	client := f.Client
	if client == nil {
		client = publicClient(f.AllowPrivate)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("CA Issuers %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("CA Issuers %s: HTTP %d", rawURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("CA Issuers %s: %w", rawURL, err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("CA Issuers %s: answer over %d bytes", rawURL, maxBytes)
	}
	return parseCertificates(body)
}

// parseCertificates reads DER, PEM or PKCS#7 certs-only data.
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	if bytes.Contains(b, []byte("-----BEGIN")) {
		var out []*x509.Certificate
		for {
			var blk *pem.Block
			blk, b = pem.Decode(b)
			if blk == nil {
				break
			}
			switch blk.Type {
			case "CERTIFICATE":
				if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
					out = append(out, c)
				}
			case "PKCS7":
				if p7, err := pkcs7.Parse(blk.Bytes); err == nil {
					out = append(out, p7.Certificates...)
				}
			}
		}
		if len(out) == 0 {
			return nil, errors.New("no certificate in the PEM data")
		}
		return out, nil
	}
	if c, err := x509.ParseCertificate(b); err == nil {
		return []*x509.Certificate{c}, nil
	}
	p7, err := pkcs7.Parse(b)
	if err != nil || len(p7.Certificates) == 0 {
		return nil, errors.New("neither a certificate nor a PKCS#7 bundle of certificates")
	}
	return p7.Certificates, nil
}

// publicClient returns an HTTP client whose connections, after DNS resolution, reach only
// public addresses (unless allowPrivate).
func publicClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
				ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
				return fmt.Errorf("CA Issuers: refusing to connect to %s (not a public address)", ip)
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second, MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("CA Issuers: too many redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return errors.New("CA Issuers: redirect to a non-HTTP URL")
		}
		return nil
	}}
}
