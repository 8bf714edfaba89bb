// Package sign adds PAdES baseline signatures to PDF files as incremental updates and
// verifies the signatures of a PDF.
//
// # Signing
//
// Sign and SignFile keep the original bytes unchanged and append, for each signature, a
// signature dictionary (ETSI.CAdES.detached, claimed time in /M, no CMS signing-time), a
// widget, the updated page, catalog or AcroForm and a cross-reference section of the same
// kind as the previous one (table or stream). The widget is invisible, on page 1, unless
// Options.Appearance asks for a visible stamp ("Người ký", "Cơ quan", "Thời gian ký" in
// UTC+07:00, "Lý do"), by default in the bottom-right corner of the last page, set in a
// subset of Liberation Sans (Debian: fonts-liberation2) embedded with a ToUnicode map so the
// text can be searched and copied. Options.Level selects:
//
//   - LevelBB: the CAdES signature only.
//   - LevelBT: plus an RFC 3161 signature timestamp from Options.TSAURL, as the unsigned
//     attribute id-aa-signatureTimeStampToken over the signature value.
//   - LevelBLT: plus a second update with a /DSS (certificates, OCSP responses, CRLs and a
//     /VRI entry for the signature). Revocation data is fetched from the certificates' AIA
//     OCSP and CRL distribution point URLs unless Options.OCSPs/CRLs supply it.
//   - LevelBLTA: plus a third update with a document timestamp (/Type /DocTimeStamp,
//     /SubFilter /ETSI.RFC3161) covering everything before it, DSS included.
//
// Options.DocMDP makes a certification signature; signing a document whose certification
// signature has DocMDP P=1 fails with ErrDocMDP.
//
// # Verifying
//
// Verify (or VerifyWith) reports, per signature and document timestamp: whether the byte
// range covers a whole revision, CMS integrity (message digest and signature), the chain to
// the given roots, the signature timestamp (TSA signature, imprint over the signature value,
// TSA chain), the signer's revocation status from the /DSS, and every object changed after
// the signature other than later signatures, DSS data and timestamps. BER-encoded CMS (as
// NSS writes) and adbe.pkcs7.detached signatures are read too.
//
// Report.AllIntact is the integrity decision: every signature's bytes are as signed.
// Report.AllTrusted adds the trust decision: every signature chains to the roots, no signer
// is revoked per the DSS, every timestamp is valid and trusted, and nothing but signatures,
// DSS data and timestamps changed after any signature. A command that accepts intact
// signatures from unknown CAs ("relaxed trust") checks AllIntact only.
//
// # Trust roots
//
// The package ships no trust roots. To trust Vietnamese government and public signers, get
// the root certificates from their publishers and add them to the pool given to Verify:
//
//   - "CA phục vụ các cơ quan Nhà nước G2" (Government Cipher Committee, VGCA): download the
//     root certificate from https://ca.gov.vn (section "Chứng thư số" / root certificates);
//     government signer certificates chain to it.
//   - The Vietnam National Root CA (Trung tâm Chứng thực điện tử quốc gia, NEAC): download
//     from https://rootca.gov.vn; public CAs (VNPT-CA, Viettel-CA, FPT-CA, BKAV-CA, ...) chain
//     to it. Their intermediate certificates are normally inside each signature's CMS or the
//     file's DSS; a missing one can be added to the same PEM file.
//
// Check each file's SHA-256 fingerprint against the one the publisher announces, convert to
// PEM if needed (openssl x509 -inform DER -in root.cer -out root.pem), concatenate the PEM
// files and load them:
//
//	pem, _ := os.ReadFile("/etc/sohoa/roots.pem")
//	roots := x509.NewCertPool()
//	roots.AppendCertsFromPEM(pem)
//	rep, err := sign.Verify(f, size, roots)
//
// The same pool serves for TSA certificates; add the TSA's root if it differs.
package sign
