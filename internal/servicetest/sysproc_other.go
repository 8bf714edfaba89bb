//go:build !linux

package servicetest

import "syscall"

// serverSysProcAttr has no parent-death signal to offer outside Linux;
// use Main to stop servers.
func serverSysProcAttr() *syscall.SysProcAttr { return nil }
