package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/sign"
)

// version is sohoa's version, named in archival packages.
const version = "0.1.0"

// certifyService builds the certified-copy service: the offices, the
// certifier's identity (SOHOA_CERTIFIER_P12, else a DEMO one) and the
// agency's (the signing identity). With DEMO identities their CAs are
// trusted on the verification page, so a demo copy shows as valid.
func (s *system) certifyService(roots *x509.CertPool) (*certify.Service, error) {
	offices, err := s.offices()
	if err != nil {
		return nil, err
	}
	agency, err := s.identity()
	if err != nil {
		return nil, err
	}
	var certifier *sign.Identity
	if s.cfg.CertifierP12 != "" {
		b, err := os.ReadFile(s.cfg.CertifierP12)
		if err != nil {
			return nil, fmt.Errorf("SOHOA_CERTIFIER_P12: %w", err)
		}
		if certifier, err = sign.LoadPKCS12(b, s.cfg.CertifierPassword); err != nil {
			return nil, fmt.Errorf("SOHOA_CERTIFIER_P12: %w", err)
		}
	} else if certifier, err = sign.DemoIdentity(filepath.Join(s.cfg.DataDir, "demo-pki-certifier")); err != nil {
		return nil, err
	}
	if roots != nil {
		roots = roots.Clone() // the demo roots are for the verification page only
	}
	for _, id := range []*sign.Identity{agency, certifier} {
		if root := id.Chain[len(id.Chain)-1]; strings.Contains(root.Subject.CommonName, "DEMO") {
			if roots == nil {
				roots = x509.NewCertPool()
			}
			roots.AddCert(root)
		}
	}
	svc := &certify.Service{
		DB: s.catalog, Store: s.store, Offices: offices,
		Certifier: certifier, Agency: agency, TSAURL: s.cfg.TSAURL, Roots: roots,
		TempDir: filepath.Join(s.cfg.DataDir, "tmp"), Log: s.log,
	}
	svc.LogPublicURLs()
	return svc, nil
}

// offices reads SOHOA_CERTIFY_OFFICES (a JSON object of certify.Office by
// id), or makes one office from SOHOA_OFFICE and SOHOA_OFFICE_NAME. The
// verification address is SOHOA_PUBLIC_URL, never the listen address (it
// is signed into every copy); without it certify refuses to issue.
func (s *system) offices() (map[string]certify.Office, error) {
	verifyURL := ""
	if u := strings.TrimSpace(s.cfg.PublicURL); u != "" {
		verifyURL = strings.TrimRight(u, "/") + "/verify/"
	}
	if s.cfg.CertifyOffices == "" {
		return map[string]certify.Office{s.cfg.Office: {
			ID: s.cfg.Office, Name: s.cfg.OfficeName, BookNumber: s.cfg.BookNumber, VerifyURL: verifyURL,
		}}, nil
	}
	b, err := os.ReadFile(s.cfg.CertifyOffices)
	if err != nil {
		return nil, fmt.Errorf("SOHOA_CERTIFY_OFFICES: %w", err)
	}
	offices := map[string]certify.Office{}
	if err := json.Unmarshal(b, &offices); err != nil {
		return nil, fmt.Errorf("SOHOA_CERTIFY_OFFICES %s: %w", s.cfg.CertifyOffices, err)
	}
	for id, o := range offices {
		o.ID = id
		if o.VerifyURL == "" {
			o.VerifyURL = verifyURL
		}
		offices[id] = o
	}
	return offices, nil
}
