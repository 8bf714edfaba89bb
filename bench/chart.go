package main

import (
	"fmt"
	"os"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// barChart writes a PNG with two bar charts side by side: pages per
// minute and character error rate of each result.
func barChart(path, title string, rs []result) error {
	var names []string
	var ppm, cer plotter.Values
	for _, r := range rs {
		name := r.name
		if i := strings.Index(name, ","); i > 0 && len(name) > 36 {
			name = name[:i]
		}
		if len(name) > 36 {
			name = name[:36]
		}
		names = append(names, name)
		ppm = append(ppm, r.ppm())
		cer = append(cer, 100*r.cer)
	}
	mk := func(t, y string, v plotter.Values) (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = t
		p.Y.Label.Text = y
		p.Y.Min = 0
		b, err := plotter.NewBarChart(v, vg.Points(22))
		if err != nil {
			return nil, err
		}
		b.Color = plotter.DefaultLineStyle.Color
		p.Add(b)
		p.NominalX(names...)
		p.X.Tick.Label.Rotation = 0.6
		p.X.Tick.Label.XAlign = draw.XRight
		return p, nil
	}
	p1, err := mk(title+": throughput", "pages/minute", ppm)
	if err != nil {
		return err
	}
	p2, err := mk("character error rate", "CER %", cer)
	if err != nil {
		return err
	}
	img := vgimg.New(vg.Points(1000), vg.Points(480))
	dc := draw.New(img)
	cs := plot.Align([][]*plot.Plot{{p1, p2}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(20)}, dc)
	p1.Draw(cs[0][0])
	p2.Draw(cs[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("chart %s: %w", path, err)
	}
	return f.Close()
}
