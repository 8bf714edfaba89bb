package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ErrInvalidKey is returned for a key no backend accepts; see ValidKey.
var ErrInvalidKey = errors.New("storage: invalid key / khóa không hợp lệ")

// ValidKey reports whether key may name an object in every backend.
//
// A key is a slash-separated relative path such as "pages/ab/abcdef.png":
// not empty, not absolute, without empty, "." or ".." elements, without
// backslashes or control characters, and without elements that begin with
// "." (those names are reserved for backends' temporary files). Keys
// therefore cannot escape a backend's root directory or bucket prefix.
// The error wraps ErrInvalidKey.
func ValidKey(key string) error {
	why := ""
	switch {
	case key == "":
		why = "empty / rỗng"
	case strings.HasPrefix(key, "/"):
		why = "absolute path / đường dẫn tuyệt đối"
	case strings.ContainsAny(key, `\`):
		why = "backslash / có dấu gạch ngược"
	case strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		why = "control character / có ký tự điều khiển"
	case !fs.ValidPath(key) || key == ".":
		why = `empty, "." or ".." element / có phần tử rỗng, "." hoặc ".."`
	default:
		for elem := range strings.SplitSeq(key, "/") {
			if strings.HasPrefix(elem, ".") {
				why = `element starts with "." / phần tử bắt đầu bằng "."`
				break
			}
		}
	}
	if why != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why)
	}
	return nil
}
