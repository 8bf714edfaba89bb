package servicetest

import "syscall"

// serverSysProcAttr makes the kernel kill a server when the test binary
// that started it dies, so servers never outlive their tests. (The signal
// is tied to the starting OS thread, which the Go runtime keeps alive for
// goroutines that have not locked it.)
func serverSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
