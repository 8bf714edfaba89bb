//go:build !linux

package hotfolder

// openFiles cannot see other processes' open files here: the stability
// window alone decides.
func openFiles(dir string) map[string]bool { return map[string]bool{} }

// OpenCheck reports whether the check of writers works here.
const OpenCheck = false
