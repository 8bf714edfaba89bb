package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// oidSignatureTimeStampToken is id-aa-signatureTimeStampToken (RFC 3161 appendix A).
var oidSignatureTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

// defaultHTTPClient is used when Options.HTTPClient is nil.
var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// maxTSAResponse bounds the bytes read from a TSA.
const maxTSAResponse = 1 << 20

// tsaReserve is the room kept in /Contents for a timestamp token (with the TSA's chain).
const tsaReserve = 16 << 10

// requestTimestamp asks the RFC 3161 TSA at url for a token over digest (made with h) and
// returns the token (a CMS ContentInfo, DER). The response's imprint is checked against digest.
func requestTimestamp(ctx context.Context, client *http.Client, url string, h crypto.Hash, digest []byte) ([]byte, error) {
	if url == "" {
		return nil, fmt.Errorf("thiếu địa chỉ dịch vụ cấp dấu thời gian (TSA) / no TSA URL")
	}
	if client == nil {
		client = defaultHTTPClient
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req := timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("timestamp request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("không kết nối được TSA / cannot reach TSA %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxTSAResponse))
	if err != nil {
		return nil, fmt.Errorf("TSA %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("TSA %s trả lỗi / returned %s", url, resp.Status)
	}
	ts, err := timestamp.ParseResponse(data)
	if err != nil {
		return nil, fmt.Errorf("TSA %s trả dấu thời gian không hợp lệ / returned an invalid token: %w", url, err)
	}
	if ts.HashAlgorithm != h || !bytes.Equal(ts.HashedMessage, digest) {
		return nil, fmt.Errorf("TSA %s: dấu thời gian không khớp dữ liệu / token imprint does not match the request", url)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("TSA %s: nonce không khớp / nonce mismatch", url)
	}
	return ts.RawToken, nil
}

// signatureTimestamp returns the unsigned-attribute hook of buildCMS for B-T.
func signatureTimestamp(ctx context.Context, opt Options) func(sig []byte) ([]cmsAttribute, error) {
	return func(sig []byte) ([]cmsAttribute, error) {
		h := opt.Hash.New()
		h.Write(sig)
		tok, err := requestTimestamp(ctx, opt.HTTPClient, opt.TSAURL, opt.Hash, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		return []cmsAttribute{{Type: oidSignatureTimeStampToken, Values: []asn1.RawValue{{FullBytes: tok}}}}, nil
	}
}
