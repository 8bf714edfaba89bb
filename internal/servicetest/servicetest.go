// Package servicetest gives tests the real servers users run: Redis,
// PostgreSQL and MinIO. It uses a server already running on this machine
// when there is one and starts the missing ones on free ports in temporary
// directories. When a service cannot be had the test fails: a test that
// needs a server is never skipped, in CI or anywhere else.
package servicetest

import "testing"

// unavailable fails the test because service could not be had.
func unavailable(t testing.TB, service string, err error) {
	t.Helper()
	t.Fatalf("servicetest: %s is required and could not be started or reached: %v", service, err)
}
