package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/digitorus/pkcs7"
)

// The CMS SignedData is assembled here with encoding/asn1, not with pkcs7.AddSignerChain,
// because that version (v0.0.0-20250730155240) always adds a signing-time attribute (PAdES
// forbids it: the claimed time goes in /M) and needs the whole signed content in memory;
// we only have its digest. pkcs7 is used to parse CMS in Verify.

var (
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47} // RFC 5035
	oidECDSAWithSHA224      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidDigestSHA224         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
)

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type cmsEncapContentInfo struct {
	EContentType asn1.ObjectIdentifier // detached: no eContent
}

type cmsSignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo cmsEncapContentInfo
	Certificates     asn1.RawValue
	SignerInfos      []cmsSignerInfo `asn1:"set"`
}

type cmsIssuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type cmsSignerInfo struct {
	Version            int
	SID                cmsIssuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional"` // [1] IMPLICIT SET OF Attribute, FullBytes
}

type cmsAttribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// essCertIDv2 and friends follow RFC 5035 section 3.
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"` // omitted for the default, SHA-256
	CertHash      []byte
	IssuerSerial  essIssuerSerial
}

type essIssuerSerial struct {
	Issuer []asn1.RawValue // GeneralNames with one directoryName
	Serial *big.Int
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// digestOID returns the CMS digest algorithm OID for h.
func digestOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA224:
		return oidDigestSHA224, nil
	case crypto.SHA256:
		return pkcs7.OIDDigestAlgorithmSHA256, nil
	case crypto.SHA384:
		return pkcs7.OIDDigestAlgorithmSHA384, nil
	case crypto.SHA512:
		return pkcs7.OIDDigestAlgorithmSHA512, nil
	}
	return nil, fmt.Errorf("thuật toán băm không hỗ trợ / unsupported hash %v", h)
}

// hashForOID is the inverse of digestOID.
func hashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range []crypto.Hash{crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if o, _ := digestOID(h); o.Equal(oid) {
			return h, true
		}
	}
	return 0, false
}

// signatureAlgorithm returns the SignerInfo signatureAlgorithm for the key.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash) (pkix.AlgorithmIdentifier, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return pkix.AlgorithmIdentifier{Algorithm: pkcs7.OIDEncryptionAlgorithmRSA, Parameters: asn1.NullRawValue}, nil
	case *ecdsa.PublicKey:
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA224: oidECDSAWithSHA224,
			crypto.SHA256: pkcs7.OIDDigestAlgorithmECDSASHA256,
			crypto.SHA384: pkcs7.OIDDigestAlgorithmECDSASHA384,
			crypto.SHA512: pkcs7.OIDDigestAlgorithmECDSASHA512,
		}[h]
		return pkix.AlgorithmIdentifier{Algorithm: oid}, nil
	}
	return pkix.AlgorithmIdentifier{}, fmt.Errorf("loại khóa không hỗ trợ / unsupported key type %T", pub)
}

// maxSignatureSize is an upper bound of the raw signature length for pub.
func maxSignatureSize(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.Size()
	case *ecdsa.PublicKey:
		return 2*((k.Curve.Params().BitSize+7)/8) + 9
	case ed25519.PublicKey:
		return ed25519.SignatureSize
	}
	return 1024
}

// estimateCMSSize is a generous upper bound of the DER size of buildCMS's output.
func estimateCMSSize(id *Identity) int {
	n := 1024 + maxSignatureSize(id.Chain[0].PublicKey) + 2*len(id.Chain[0].RawIssuer)
	for _, c := range id.Chain {
		n += len(c.Raw) + 8
	}
	return n
}

func attr(oid asn1.ObjectIdentifier, v any) (cmsAttribute, error) {
	b, err := asn1.Marshal(v)
	if err != nil {
		return cmsAttribute{}, err
	}
	return cmsAttribute{Type: oid, Values: []asn1.RawValue{{FullBytes: b}}}, nil
}

// buildCMS returns a detached CAdES SignedData (DER) over content whose digest (with h) is digest.
// Signed attributes: content-type, message-digest, signing-certificate-v2; no signing-time.
// unsigned, if not nil, returns the unsigned attributes for the signature value (the
// signature timestamp of B-T).
func buildCMS(id *Identity, h crypto.Hash, digest []byte, unsigned func(sig []byte) ([]cmsAttribute, error)) ([]byte, error) {
	leaf := id.Chain[0]
	dOID, err := digestOID(h)
	if err != nil {
		return nil, err
	}
	sigAlg, err := signatureAlgorithm(leaf.PublicKey, h)
	if err != nil {
		return nil, err
	}

	certHash := h.New()
	certHash.Write(leaf.Raw)
	essID := essCertIDv2{
		CertHash: certHash.Sum(nil),
		IssuerSerial: essIssuerSerial{
			Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: leaf.RawIssuer}},
			Serial: leaf.SerialNumber,
		},
	}
	if h != crypto.SHA256 {
		essID.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: dOID}
	}

	var attrs []cmsAttribute
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v   any
	}{
		{pkcs7.OIDAttributeContentType, pkcs7.OIDData},
		{pkcs7.OIDAttributeMessageDigest, digest},
		{oidSigningCertificateV2, signingCertificateV2{Certs: []essCertIDv2{essID}}},
	} {
		at, err := attr(a.oid, a.v)
		if err != nil {
			return nil, fmt.Errorf("cms attribute %v: %w", a.oid, err)
		}
		attrs = append(attrs, at)
	}
	// encoding/asn1 sorts SET OF elements into DER order.
	attrSet, err := asn1.MarshalWithParams(attrs, "set")
	if err != nil {
		return nil, fmt.Errorf("cms signed attributes: %w", err)
	}
	ah := h.New()
	ah.Write(attrSet)
	sig, err := id.Signer.Sign(rand.Reader, ah.Sum(nil), h)
	if err != nil {
		return nil, fmt.Errorf("ký / sign: %w", err)
	}

	signedAttrs := append([]byte{0xA0}, attrSet[1:]...) // [0] IMPLICIT SET OF Attribute
	var certs []byte
	for _, c := range id.Chain {
		certs = append(certs, c.Raw...)
	}
	var unsignedAttrs asn1.RawValue
	if unsigned != nil {
		ua, err := unsigned(sig)
		if err != nil {
			return nil, err
		}
		set, err := asn1.MarshalWithParams(ua, "set")
		if err != nil {
			return nil, fmt.Errorf("cms unsigned attributes: %w", err)
		}
		unsignedAttrs.FullBytes = append([]byte{0xA1}, set[1:]...) // [1] IMPLICIT SET OF Attribute
	}
	sd := cmsSignedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{{Algorithm: dOID}},
		EncapContentInfo: cmsEncapContentInfo{EContentType: pkcs7.OIDData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs},
		SignerInfos: []cmsSignerInfo{{
			Version:            1,
			SID:                cmsIssuerAndSerial{Issuer: asn1.RawValue{FullBytes: leaf.RawIssuer}, Serial: leaf.SerialNumber},
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: dOID},
			SignedAttrs:        asn1.RawValue{FullBytes: signedAttrs},
			SignatureAlgorithm: sigAlg,
			Signature:          sig,
			UnsignedAttrs:      unsignedAttrs,
		}},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("cms signed data: %w", err)
	}
	return asn1.Marshal(cmsContentInfo{
		ContentType: pkcs7.OIDSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner},
	})
}

// checkSignedAttrs verifies sig over the DER SET OF signed attributes with the signer's certificate.
func checkSignedAttrs(cert *x509.Certificate, h crypto.Hash, attrSet, sig []byte) error {
	var alg x509.SignatureAlgorithm
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[h]
	case *ecdsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[h]
	case ed25519.PublicKey:
		alg = x509.PureEd25519
	}
	if alg == x509.UnknownSignatureAlgorithm {
		return fmt.Errorf("unsupported key %T with hash %v", cert.PublicKey, h)
	}
	return cert.CheckSignature(alg, attrSet, sig)
}
