package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/sohoa-vn/sohoa/sign"
)

func signCmd() *cobra.Command {
	var out, p12, passwordEnv, name, reason, location string
	var demo bool
	cmd := &cobra.Command{
		Use:   "sign IN.pdf -o OUT.pdf (--p12 FILE [--password-env VAR] | --demo)",
		Short: "Sign a PDF (PAdES B-B, incremental update) with a PKCS#12 identity",
		Long: `Sign a PDF with a PAdES baseline B-B signature, appended as an incremental
update: the bytes of IN.pdf are kept as they are, so earlier signatures stay valid.
The PKCS#12 password is read from the environment variable named by
--password-env, never from the command line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o OUT.pdf is required / cần -o OUT.pdf")
			}
			var id *sign.Identity
			var err error
			switch {
			case p12 != "":
				b, err := os.ReadFile(p12)
				if err != nil {
					return err
				}
				if id, err = sign.LoadPKCS12(b, os.Getenv(passwordEnv)); err != nil {
					return err
				}
			case demo:
				dir := filepath.Join(configFromEnv().DataDir, "demo-pki")
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
			return sign.SignFile(cmd.Context(), args[0], out, id, sign.Options{Name: name, Reason: reason, Location: location})
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
	return cmd
}

func verifyCmd() *cobra.Command {
	var roots []string
	cmd := &cobra.Command{
		Use:   "verify FILE.pdf [--roots PEM...]",
		Short: "Check every signature of a PDF; print a JSON report; exit 0 only if all are intact",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pool *x509.CertPool
			if len(roots) > 0 {
				pool = x509.NewCertPool()
				for _, r := range roots {
					b, err := os.ReadFile(r)
					if err != nil {
						return err
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
							return fmt.Errorf("%s: %w", r, err)
						}
						pool.AddCert(c)
						n++
					}
					if n == 0 {
						return fmt.Errorf("%s: no PEM certificate / không có chứng thư PEM", r)
					}
				}
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
			rep, err := sign.Verify(f, st.Size(), pool)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
			if !rep.AllIntact() {
				return exitError{code: 1, msg: "not every signature is intact / có chữ ký không còn nguyên vẹn"}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&roots, "roots", nil, "PEM files of trusted root certificates")
	return cmd
}
