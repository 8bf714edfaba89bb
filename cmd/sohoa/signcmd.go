package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/config"
	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/sign/pkcs11key"
)

func signCmd() *cobra.Command {
	var out, p12, passwordEnv, name, reason, location, level, tsa string
	var pk11Module, pk11Token, pk11Key, pinEnv, rect, org string
	var demo, visible bool
	var certify, page int
	cmd := &cobra.Command{
		Use:   "sign IN.pdf -o OUT.pdf (--p12 FILE [--password-env VAR] | --pkcs11-module SO ... | --demo) [--level B-T --tsa URL]",
		Short: "Sign a PDF (PAdES B-B, B-T, B-LT or B-LTA, incremental update)",
		Long: `Sign a PDF with a PAdES baseline signature appended as an incremental
update: the bytes of IN.pdf are kept as they are, so earlier signatures stay
valid; sign the output again for a second signature (a certified copy's
certifier, then its agency).

Levels: B-B; B-T adds an RFC 3161 timestamp from --tsa; B-LT adds the chain's
certificates, OCSP responses and CRLs (fetched from the certificates' URLs);
B-LTA adds a document timestamp over all of it.

The key comes from a PKCS#12 file (--p12; its password from the environment
variable named by --password-env, never from the command line) or a PKCS#11
token such as a USB token (--pkcs11-module, --pkcs11-token, --pkcs11-key; the
PIN from the variable named by --pin-env).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o OUT.pdf is required / cần -o OUT.pdf")
			}
			var id *sign.Identity
			var err error
			switch {
			case pk11Module != "":
				tokID, closer, err := pkcs11key.Load(pk11Module, pk11Token, config.Getenv(pinEnv), pk11Key)
				if err != nil {
					return err
				}
				defer closer.Close()
				id = tokID
			case p12 != "":
				b, err := os.ReadFile(p12)
				if err != nil {
					return err
				}
				if id, err = sign.LoadPKCS12(b, config.Getenv(passwordEnv)); err != nil {
					return err
				}
			case demo:
				cfg, err := config.Load()
				if err != nil {
					return err
				}
				dir := filepath.Join(cfg.DataDir, "demo-pki")
				if id, err = sign.DemoIdentity(dir); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "signing with the DEMO identity in %s\n", dir)
			default:
				return fmt.Errorf("--p12 FILE or --demo is required / cần --p12 hoặc --demo")
			}
			if name == "" {
				name = id.Chain[0].Subject.CommonName
			}
			lvl, err := sign.ParseLevel(level)
			if err != nil {
				return err
			}
			opt := sign.Options{Name: name, Reason: reason, Location: location, Level: lvl, TSAURL: tsa, DocMDP: certify}
			if visible {
				r, err := parseRect(rect)
				if err != nil {
					return err
				}
				opt.Appearance = &sign.Appearance{Page: page, Rect: r, Organisation: org}
			}
			return sign.SignFile(cmd.Context(), args[0], out, id, opt)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "signed PDF to write")
	f.StringVar(&p12, "p12", "", "PKCS#12 file with the signing key and certificate chain")
	f.StringVar(&passwordEnv, "password-env", "SOHOA_SIGN_PASSWORD", "environment variable holding the PKCS#12 password")
	f.BoolVar(&demo, "demo", false, "sign with the DEMO identity (for trying sohoa out only)")
	f.StringVar(&name, "name", "", "signer name written in the signature (default: certificate CN)")
	f.StringVar(&reason, "reason", "", "reason for signing")
	f.StringVar(&location, "location", "", "place of signing")
	f.StringVar(&level, "level", "B-B", "PAdES level: B-B, B-T, B-LT or B-LTA")
	f.StringVar(&tsa, "tsa", "", "RFC 3161 time-stamping authority URL (needed from B-T up)")
	f.IntVar(&certify, "certify", 0, "make a certification signature allowing no changes (1), forms and signing (2), or those and annotations (3)")
	f.BoolVar(&visible, "visible", false, "draw a stamp (Người ký, Cơ quan, Thời gian ký, reason); default bottom-right of the last page")
	f.IntVar(&page, "page", 0, "page of the stamp (0 = last)")
	f.StringVar(&rect, "rect", "", "stamp rectangle llx,lly,urx,ury in points (default: bottom-right)")
	f.StringVar(&org, "org", "", "organisation shown as Cơ quan (default: from the certificate)")
	f.StringVar(&pk11Module, "pkcs11-module", "", "PKCS#11 module (.so) of the token")
	f.StringVar(&pk11Token, "pkcs11-token", "", "label of the token")
	f.StringVar(&pk11Key, "pkcs11-key", "", "label of the key and its certificate on the token")
	f.StringVar(&pinEnv, "pin-env", "SOHOA_PKCS11_PIN", "environment variable holding the token's PIN")
	return cmd
}

func verifyCmd() *cobra.Command {
	var roots []string
	var relax, fetch bool
	cmd := &cobra.Command{
		Use:   "verify FILE.pdf [--roots PEM...] [--relax-trust] [--fetch-issuers]",
		Short: "Check every signature of a PDF; print a JSON report; exit 0 only if it is valid",
		Long: `Check every signature and document timestamp of a PDF and print a JSON
report (messages in Vietnamese and English): what each covers, what changed
after it, the CMS and timestamp integrity, the chain to the trust roots given
with --roots (none are built in: see the sign package's documentation for the
Vietnamese government CA G2 and the National Root CA), and revocation status
from the file's DSS.

Changes after a signature are judged object by object against what its
DocMDP permissions allow (none for P=1 but DSS data and document timestamps;
signatures and form filling for P=2; annotations too for P=3; signatures only
for an approval signature). A signature widget added later must itself be
signed and stamp-sized: an unsigned widget drawn over the page (the shadow
attack) makes the file not valid.

Exit status 0 only when the report is valid: every signature is intact,
nothing forbidden changed after any signature, no signature or the file lists
a problem, no signer is revoked, and every chain reaches a root. Warnings
(listed under "warnings", such as junk bytes after %%EOF) never change the
exit status; problems always do. --relax-trust also accepts signatures whose
root is unknown (then an unknown chain is a warning). --fetch-issuers
completes chains from the certificates' AIA "CA Issuers" URLs when the
signature embeds only the signer's certificate.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := loadRoots(roots)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			opts := sign.VerifyOptions{Roots: pool, RelaxTrust: relax}
			if fetch {
				opts.FetchIssuers = &sign.IssuerFetcher{}
			}
			rep, err := sign.VerifyWith(f, st.Size(), opts)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
			switch {
			case rep.Valid():
				return nil
			case !rep.AllIntact():
				return exitError{code: 1, msg: "not valid: a signature is broken, or the document was changed after signing beyond what its signatures allow / không hợp lệ: chữ ký hỏng hoặc tài liệu bị sửa sau khi ký"}
			case pool == nil && !relax:
				return exitError{code: 1, msg: "not trusted: no trust roots given (pass --roots, or --relax-trust) / chưa kiểm tra tin cậy: không có CA gốc"}
			}
			return exitError{code: 1, msg: "not valid: see the problems listed in the report / không hợp lệ: xem các lỗi trong báo cáo"}
		},
	}
	cmd.Flags().StringSliceVar(&roots, "roots", nil, "PEM files of trusted root certificates")
	cmd.Flags().BoolVar(&relax, "relax-trust", false, "accept intact signatures whose root is unknown")
	cmd.Flags().BoolVar(&fetch, "fetch-issuers", false, "fetch missing intermediate certificates from AIA CA Issuers URLs (network)")
	return cmd
}

// loadRoots reads PEM files of trusted root certificates; none gives nil
// (no trust check).
func loadRoots(paths []string) (*x509.CertPool, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for _, r := range paths {
		b, err := os.ReadFile(r)
		if err != nil {
			return nil, err
		}
		n := 0
		for {
			var blk *pem.Block
			blk, b = pem.Decode(b)
			if blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r, err)
			}
			pool.AddCert(c)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("%s: no PEM certificate / không có chứng thư PEM", r)
		}
	}
	return pool, nil
}

// parseRect reads "llx,lly,urx,ury" in points.
func parseRect(s string) ([4]float64, error) {
	var r [4]float64
	if s == "" {
		return r, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return r, fmt.Errorf("--rect %q: want llx,lly,urx,ury", s)
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return r, fmt.Errorf("--rect %q: %w", s, err)
		}
		r[i] = v
	}
	return r, nil
}
