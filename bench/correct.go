package main

import (
	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/ocr/vncorrect"
)

// correctionConfigs are the accuracy runs with Vietnamese post-correction.
func correctionConfigs(def ocr.Preprocess) []struct {
	name string
	cfg  ocr.Config
} {
	vc := vncorrect.Default()
	unseen := vncorrect.Default()
	cp := *unseen
	cp.MinCount = 3
	unseen = &cp
	return []struct {
		name string
		cfg  ocr.Config
	}{
		{"no preprocessing + vncorrect", ocr.Config{Corrector: vc}},
		{"DefaultPreprocess + vncorrect", ocr.Config{Preprocess: def, Corrector: vc}},
		{"DefaultPreprocess + vncorrect MinCount 3", ocr.Config{Preprocess: def, Corrector: unseen}},
	}
}
