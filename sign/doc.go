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
// range covers a whole revision and its gap is exactly the signature's /Contents, CMS
// integrity (message digest and signature), the chain to the given roots, the signature
// timestamp (TSA signature, imprint over the signature value, TSA chain), the signer's
// revocation status from the /DSS, and the changes made after the signature that its
// permissions do not allow. BER-encoded CMS (as NSS writes) and adbe.pkcs7.detached
// signatures are read too.
//
// # Changes after signing
//
// For each signature the signed revision is compared with the file object by object, the
// way Adobe and the PDF-Insecurity research on signed PDFs describe (shadow attacks hide,
// replace and hide-and-replace; incremental saving; signature wrapping; universal signature
// forgery; package sign/attack builds each one for tests). Every new, changed or deleted
// object must be cleared by a rule for the role it holds when the document is walked from
// the trailer as a viewer walks it (a page, its content, an annotation, a form field, a
// signature, the DSS...), never by the /Type it claims. What is allowed depends on the
// strictest certification signature (DocMDP) at or before the signature:
//
//   - P=1: DSS data (certificates, OCSP responses, CRLs, VRI) and document timestamps only.
//   - no certification (approval signatures only): also new signatures. sohoa treats this
//     like P=2 for signature fields only: filling other form fields and annotations is a
//     modification, since sohoa's documents have no other fields and such a change alters
//     what the reader sees with no one signing for it (Adobe would accept it).
//   - P=2: also filling in form fields (their value and appearance).
//   - P=3: also creating, changing and deleting annotations.
//
// A signature widget added later is allowed only when its value is an intact signature
// covering a later revision, and, when it draws anything, when it lies on the page and
// takes at most a tenth of it (a stamp, not an overlay: what is under it is not rendered).
// Everything else — page content, resources, the page tree, the catalog (/OpenAction, /AA,
// /Names...), the trailer's /Root, an object hidden in the signed revision and brought into
// view, widget appearances, annotations, document information other than /ModDate and
// /Producer — is listed in SignatureReport.Modifications and makes the report not valid.
// The DSS updates (B-LT), document timestamps (B-LTA) and second signatures sohoa itself
// writes pass.
//
// Report.AllIntact: every signature's bytes are as signed and nothing forbidden changed
// after any of them. Report.AllTrusted adds: every chain reaches the roots, no signer is
// revoked per the DSS, every timestamp is valid and trusted. Report.Valid is the verdict
// commands and the API give: AllIntact, no listed problem, and AllTrusted unless
// VerifyOptions.RelaxTrust (accept intact signatures from unknown CAs). A listed problem
// always means not valid; a warning (a missing /M, a CMS signing-time attribute, junk bytes
// after the last %%EOF that readers ignore) never does. Bytes after the last %%EOF that
// hold objects, a cross-reference section or a trailer are a problem: some readers parse
// such an unterminated update.
//
// # Trust roots
//
// The package ships no trust roots: the operator installs them, and checks each one's
// SHA-256 fingerprint against the one its publisher announces, through a second channel.
//
//   - Government signers: their certificates are issued by "CA phục vụ các cơ quan Nhà nước
//     G2", under the Government Cipher Committee's (Ban Cơ yếu Chính phủ, VGCA) root
//     "RootCA chuyên dùng Chính phủ G2". Install that root, from the VGCA's site
//     https://ca.gov.vn (root certificates, "Chứng thư số CA").
//   - Public CAs (VNPT-CA, Viettel-CA, FPT-CA, BKAV-CA, ...): they chain to the Vietnam
//     National Root CA of the National Electronic Authentication Centre (NEAC, Trung tâm
//     Chứng thực điện tử quốc gia), published at https://rootca.gov.vn.
//
// Convert DER files to PEM (openssl x509 -inform DER -in root.cer -out root.pem), check
// the fingerprint (openssl x509 -in root.pem -noout -fingerprint -sha256), and give the
// files to the server as SOHOA_TRUST_ROOTS (comma-separated PEM files; POST /v1/verify and
// the public verification page check against them), to sohoa verify as --roots, or to this
// package as a pool:
//
//	pem, _ := os.ReadFile("/etc/sohoa/roots/vgca-g2.pem")
//	roots := x509.NewCertPool()
//	roots.AppendCertsFromPEM(pem)
//	rep, err := sign.VerifyWith(f, size, sign.VerifyOptions{Roots: roots, FetchIssuers: &sign.IssuerFetcher{}})
//
// Install roots only: an intermediate comes from the signature's CMS or the file's DSS, and
// real government signatures embed only the signer's certificate. VerifyOptions.FetchIssuers
// completes such a chain from the certificate's AIA "CA Issuers" URL (DER, PEM or PKCS#7
// answers; http and https only, bounded in size and time, cached, and by default never from
// loopback or private addresses); sohoa verify --fetch-issuers does the same, and so does
// the server's POST /v1/verify with SOHOA_FETCH_ISSUERS=true. At signing,
// a chain missing its intermediate is completed the same way for the B-LT DSS. A fetched
// certificate is only a candidate intermediate: trust still comes from the installed roots.
// The same pool serves for TSA certificates (such as the VGCA's "Máy chủ cấp dấu thời gian
// CPNET"): add the TSA's root if it is not already there.
package sign
