// Package pkcs11key loads a signing identity for package sign from a PKCS#11 token (a USB
// token, an HSM, SoftHSM2) through github.com/ThalesGroup/crypto11. It needs cgo.
package pkcs11key

import (
	"crypto/x509"
	"fmt"
	"io"

	"github.com/ThalesGroup/crypto11"

	"github.com/sohoa-vn/sohoa/sign"
)

// Load opens the token labelled tokenLabel in the PKCS#11 module (the .so path), logs in with
// pin and returns the key pair labelled keyLabel with the certificate of the same label
// as the chain's first element; append the issuing CA certificates to Identity.Chain when
// the verifier will not have them. The key never leaves the token. Close the returned
// io.Closer when done signing.
func Load(module, tokenLabel, pin, keyLabel string) (*sign.Identity, io.Closer, error) {
	ctx, err := crypto11.Configure(&crypto11.Config{Path: module, TokenLabel: tokenLabel, Pin: pin})
	if err != nil {
		return nil, nil, fmt.Errorf("mở token PKCS#11 / open PKCS#11 token %q in %s: %w", tokenLabel, module, err)
	}
	id, err := load(ctx, keyLabel)
	if err != nil {
		ctx.Close()
		return nil, nil, err
	}
	return id, ctx, nil
}

func load(ctx *crypto11.Context, keyLabel string) (*sign.Identity, error) {
	key, err := ctx.FindKeyPair(nil, []byte(keyLabel))
	if err != nil {
		return nil, fmt.Errorf("tìm khóa / find key %q: %w", keyLabel, err)
	}
	if key == nil {
		return nil, fmt.Errorf("không có khóa %q trên token / no key labelled %q on the token", keyLabel, keyLabel)
	}
	cert, err := ctx.FindCertificate(nil, []byte(keyLabel), nil)
	if err != nil {
		return nil, fmt.Errorf("tìm chứng thư / find certificate %q: %w", keyLabel, err)
	}
	if cert == nil {
		return nil, fmt.Errorf("không có chứng thư %q trên token / no certificate labelled %q on the token", keyLabel, keyLabel)
	}
	chain := []*x509.Certificate{cert}
	id, err := sign.NewIdentity(key, chain...)
	if err != nil {
		return nil, fmt.Errorf("token key %q: %w", keyLabel, err)
	}
	return id, nil
}
