package api

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
)

// TLSConfig is the server's TLS configuration: TLS 1.2 and 1.3 only; for
// 1.2, only ECDHE key exchange with AEAD ciphers (AES-GCM, ChaCha20-Poly1305),
// following Mozilla's "intermediate" profile. TLS 1.3 suites are not
// configurable in Go and are all modern.
func TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256},
	}
}

// ErrPlainHTTP is returned by CheckListen for plain HTTP on a
// non-loopback address.
var ErrPlainHTTP = errors.New("api: plain HTTP outside localhost / HTTP không mã hóa ngoài localhost")

// CheckListen enforces "TLS on by default outside localhost": listening
// on addr without a certificate (tlsOn false) is refused unless addr is a
// loopback address or insecure (SOHOA_INSECURE_HTTP=true, for a TLS
// terminating proxy in front) is set. An empty host (":8080") listens on
// every interface and so needs TLS.
func CheckListen(addr string, tlsOn, insecure bool) error {
	if tlsOn || insecure {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("api: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %s; đặt SOHOA_TLS_CERT và SOHOA_TLS_KEY, hoặc SOHOA_INSECURE_HTTP=true sau một proxy TLS / set SOHOA_TLS_CERT and SOHOA_TLS_KEY, or SOHOA_INSECURE_HTTP=true behind a TLS proxy", ErrPlainHTTP, addr)
}
