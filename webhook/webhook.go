// Package webhook tells other systems what happened, by HTTP POSTs signed
// with HMAC-SHA256: a copy was issued ("copy.issued"), a result was
// revoked or replaced ("result.status_changed"), a digitized document
// was signed ("document.signed"), every document of a batch is signed or
// failed ("batch.done"). All are read from the audit log (CatchUp).
//
// Emit records one delivery per matching subscription in the catalog and
// enqueues an asynq task "webhook:deliver" whose payload is the delivery
// ID only; Handler sends it, logs the attempt in the catalog and lets
// asynq retry with exponential backoff (RetryDelay) until MaxRetry, after
// which the delivery is marked failed and asynq archives the task.
//
// # Signature
//
// Every request carries
//
//	Content-Type: application/json
//	X-Sohoa-Event: copy.issued
//	X-Sohoa-Delivery: wd_...          (the same on every retry)
//	X-Sohoa-Timestamp: 1767225600     (Unix seconds when this attempt was sent)
//	X-Sohoa-Signature: sha256=<hex>
//
// where hex is HMAC-SHA256(secret, timestamp + "." + body) over the raw
// body bytes. A receiver recomputes it, compares in constant time, and
// refuses a timestamp further than a few minutes from its clock: the
// timestamp is inside the MAC, so a captured request cannot be replayed
// later. Verify does all of that.
//
// # Secrets
//
// The server draws each subscription's secret (32 random bytes, shown as
// "whsec_" + base64url) and shows it once, in the answer to its creation.
// The catalog keeps it sealed with AES-256-GCM under a key outside the
// database (Sealer), so a copy of the database alone cannot sign.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event types.
const (
	EventCopyIssued          = "copy.issued"
	EventResultStatusChanged = "result.status_changed"
	EventDocumentSigned      = "document.signed" // a digitized document's signed PDF is ready
	EventBatchDone           = "batch.done"      // every document of a batch is signed or failed
)

// Events lists the event types one may subscribe to.
var Events = []string{EventCopyIssued, EventResultStatusChanged, EventDocumentSigned, EventBatchDone}

// Headers of a delivery.
const (
	HeaderEvent     = "X-Sohoa-Event"
	HeaderDelivery  = "X-Sohoa-Delivery"
	HeaderTimestamp = "X-Sohoa-Timestamp"
	HeaderSignature = "X-Sohoa-Signature"
)

// Sign returns the X-Sohoa-Signature value of body sent at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify for a request that was not signed
// with the secret, or was signed too long ago (or ahead).
var ErrBadSignature = errors.New("webhook: chữ ký không hợp lệ / bad signature")

// Verify checks a delivery as a receiver should: the signature header
// sig is the HMAC of the timestamp header ts and body under secret, and
// ts is within tolerance of now.
func Verify(secret []byte, ts, sig string, body []byte, tolerance time.Duration, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrBadSignature, ts)
	}
	at := time.Unix(sec, 0)
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %s from now", ErrBadSignature, at.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	if !strings.HasPrefix(sig, "sha256=") || !hmac.Equal([]byte(sig), []byte(Sign(secret, at, body))) {
		return ErrBadSignature
	}
	return nil
}
