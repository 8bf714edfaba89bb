package certify

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// checkRequest checks what the book needs of every copy: the person
// requesting it, the certifier, and what the copy stands on (a result or
// the reason why none).
func checkRequest(req IssueRequest) error {
	var ps results.Problems
	if strings.TrimSpace(req.Requester) == "" {
		ps = append(ps, results.Problem{Field: "requester", VI: "cần họ tên người yêu cầu chứng thực",
			EN: "the name of the person requesting the copy is required"})
	}
	if strings.TrimSpace(req.Certifier) == "" {
		ps = append(ps, results.Problem{Field: "certifier", VI: "cần họ tên người thực hiện chứng thực",
			EN: "the name of the certifier is required"})
	}
	hasResult, hasReason := strings.TrimSpace(req.ResultID) != "", strings.TrimSpace(req.NoResultReason) != ""
	switch {
	case !hasResult && !hasReason:
		ps = append(ps, results.Problem{Field: "result_id",
			VI: "cần chọn kết quả tương ứng trong kho (result_id) hoặc ghi lý do không gắn kết quả (no_result_reason), ví dụ bản chính do cơ quan khác cấp",
			EN: "choose the matching result in the archive (result_id) or record why the copy is linked to none (no_result_reason), e.g. the original was issued by another authority"})
	case hasResult && hasReason:
		ps = append(ps, results.Problem{Field: "no_result_reason",
			VI: "đã chọn kết quả tương ứng thì không ghi lý do không gắn kết quả",
			EN: "a result is chosen: there is no reason for linking none"})
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// basis is what a copy stands on, as checked before its number is taken.
type basis struct {
	result   *results.Result // the chosen result, or nil
	validity string          // its validity now ("" without a result)
	ack      string          // the acknowledgement, when one was needed
	found    []foundRef      // what the original was found to be (audit)
}

type foundRef struct {
	ResultID string `json:"result_id"`
	Via      string `json:"via"`
	Validity string `json:"validity"`
}

// basis checks the result chosen (or none) against what the original was
// found to be, the way the clerk's page finds it (Lookup by document):
// a document linked to results is certified as one of them; a result
// that is not valid, chosen or found and passed over, needs the
// acknowledgement.
func (s *Service) basis(ctx context.Context, doc catalog.Document, req IssueRequest) (basis, error) {
	var b basis
	ack := strings.TrimSpace(req.AckWarning)
	found, err := s.Lookup(ctx, LookupRequest{DocumentID: doc.ID, Offices: req.Offices})
	if err != nil {
		return b, err
	}
	var linked []string // codes of the results linked to the document
	chosenLinked := false
	for _, f := range found {
		b.found = append(b.found, foundRef{ResultID: f.Result.ID, Via: f.Via, Validity: string(f.Validity)})
		if f.Via == FoundLinked {
			linked = append(linked, f.Result.Code)
			chosenLinked = chosenLinked || f.Result.ID == req.ResultID
		}
	}
	if len(linked) > 0 && !chosenLinked {
		list := strings.Join(linked, ", ")
		return b, results.Problems{{Field: "result_id",
			VI: "bản chính đã được gắn với kết quả " + list + " trong kho: chọn kết quả đó",
			EN: "the original is linked to result " + list + " in the archive: choose it"}}
	}
	var passed []Finding // found, not chosen, not valid
	for _, f := range found {
		if f.NeedsAck && f.Result.ID != req.ResultID {
			passed = append(passed, f)
		}
	}
	if req.ResultID != "" {
		r, err := s.DB.Result(ctx, req.ResultID)
		if err != nil {
			return b, err
		}
		if req.Offices != nil && !contains(req.Offices, r.OfficeID) {
			return b, fmt.Errorf("result %s: %w", req.ResultID, catalog.ErrNotFound)
		}
		v := r.Validity(s.now())
		b.result, b.validity = &r, string(v)
		if v != results.Valid {
			if ack == "" {
				return b, fmt.Errorf("%w (%s)", ErrNeedsAck, v)
			}
			b.ack = ack
		}
	}
	if len(passed) > 0 {
		if ack == "" {
			f := passed[0]
			return b, fmt.Errorf("%w: bản chính được nhận ra là kết quả %s %s (%s) / the original was found to be result %s %s (%s)",
				ErrNeedsAck, f.Result.Code, f.Result.NumberSymbol, f.Validity, f.Result.Code, f.Result.NumberSymbol, f.Validity)
		}
		b.ack = ack
	}
	return b, nil
}

// URLWarning is a warning about a verification address, in both languages.
type URLWarning struct {
	VI, EN string
}

func (w URLWarning) String() string { return w.VI + " / " + w.EN }

// CheckVerifyURL checks an office's verification address, signed into
// every copy as its QR code. It refuses (ErrNoPublicURL) no address, one
// that is not http(s), and an unspecified host (0.0.0.0, ::: a listen
// address, not one anyone can open), and warns of a loopback address (the
// QR code opens only on the server itself) or a private or link-local one
// (only inside the office's network); nil when the address is public.
func CheckVerifyURL(raw string) (*URLWarning, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ErrNoPublicURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q", ErrNoPublicURL, raw)
	}
	host := strings.ToLower(u.Hostname())
	ip, err := netip.ParseAddr(host)
	if err != nil {
		// A browser reads a host of digits as an IPv4 address (2130706433 is 127.0.0.1).
		if n, nerr := strconv.ParseUint(host, 10, 32); nerr == nil {
			ip, err = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), nil
		}
	}
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if err == nil {
		ip = ip.Unmap()
		switch {
		case ip.IsUnspecified():
			return nil, fmt.Errorf("%w: %q là địa chỉ không xác định (0.0.0.0, ::) / %q is an unspecified address (0.0.0.0, ::)",
				ErrNoPublicURL, raw, raw)
		case ip.IsLoopback():
			loopback = true
		case ip.IsPrivate() || ip.IsLinkLocalUnicast():
			return &URLWarning{
				VI: "Địa chỉ xác minh " + raw + " là địa chỉ mạng nội bộ: mã QR trên bản sao chỉ mở được trong mạng của cơ quan; đặt SOHOA_PUBLIC_URL là địa chỉ công khai.",
				EN: "The verification address " + raw + " is a private network address: the QR code on a copy opens only inside the office's network; set SOHOA_PUBLIC_URL to the public address.",
			}, nil
		}
	}
	if loopback {
		return &URLWarning{
			VI: "Địa chỉ xác minh " + raw + " là địa chỉ nội bộ của máy chủ (loopback): mã QR trên bản sao chỉ mở được trên chính máy chủ; đặt SOHOA_PUBLIC_URL là địa chỉ công khai.",
			EN: "The verification address " + raw + " is a loopback address: the QR code on a copy opens only on the server itself; set SOHOA_PUBLIC_URL to the public address.",
		}, nil
	}
	return nil, nil
}

// PublicURLStatus checks the verification address of office id (see
// CheckVerifyURL): the warning to show the clerk, or why issuance is
// refused.
func (s *Service) PublicURLStatus(id string) (*URLWarning, error) {
	o, err := s.Office(id)
	if err != nil {
		return nil, err
	}
	return CheckVerifyURL(o.VerifyURL)
}

// LogPublicURLs logs, for each office, a warning when its verification
// address is a loopback or private one and an error when issuance will be
// refused for it; run it at start.
func (s *Service) LogPublicURLs() {
	for id, o := range s.Offices {
		w, err := CheckVerifyURL(o.VerifyURL)
		switch {
		case err != nil:
			s.log().Error("certify: certified copies will be refused: no public verification address", "office", id,
				"verify_url", o.VerifyURL, "err", err)
		case w != nil:
			s.log().Warn("certify: the verification address signed into copies is not public", "office", id,
				"verify_url", o.VerifyURL, "warning", w.String())
		}
	}
}
