// Package chart draws charts as SVG on the server, for every part of the
// web application: they work in HTML, print and PDF without script, and
// each carries a text alternative (a title and a description) for
// assistive technology. It knows nothing of what it draws: callers give it
// labels, counts and colours, and it escapes every one of them.
package chart

import (
	"fmt"
	"html/template"
	"strings"
)

// HeatMap is a grid of counts, one cell per row and column, each cell
// coloured, such as hazards by likelihood (rows) and severity (columns).
type HeatMap struct {
	// ID prefixes the ids of the title and description elements; it must
	// be unique on the page.
	ID string
	// Title names the chart; it is read as "<Title> heat map".
	Title string
	// RowAxis and ColumnAxis name the axes, e.g. "Likelihood", "Severity".
	RowAxis, ColumnAxis string
	// Rows are the row labels, top to bottom; Columns the column labels,
	// left to right.
	Rows, Columns []string
	// Cells[r][c] is the cell in row r and column c; a missing cell is
	// empty and white.
	Cells [][]Cell
	// Desc is the text alternative: what the chart shows, in words. When
	// empty, one is made from the labels and the counts.
	Desc string
}

// Cell is one cell of a heat map.
type Cell struct {
	// Count is drawn large in the middle, when it is not 0.
	Count int
	// Tag is drawn small in the top left corner, e.g. "R3".
	Tag string
	// Fill is the cell's colour, e.g. "#fff0b3"; white when empty.
	Fill string
}

// The geometry of a heat map, in SVG user units.
const (
	cellSize = 84
	left     = 110 // room for the row labels
	top      = 30  // room for the row axis name
)

func (h HeatMap) cell(r, c int) Cell {
	if r < len(h.Cells) && c < len(h.Cells[r]) {
		return h.Cells[r][c]
	}
	return Cell{}
}

// description is Desc, or one made from the cells that have a count.
func (h HeatMap) description() string {
	if h.Desc != "" {
		return h.Desc
	}
	var parts []string
	for r, rl := range h.Rows {
		for c, cl := range h.Columns {
			if n := h.cell(r, c).Count; n != 0 {
				parts = append(parts, fmt.Sprintf("%d at %s %s and %s %s", n, strings.ToLower(h.RowAxis), rl, strings.ToLower(h.ColumnAxis), cl))
			}
		}
	}
	if len(parts) == 0 {
		return h.Title + ": nothing to show."
	}
	return h.Title + ": " + strings.Join(parts, "; ") + "."
}

// SVG draws the heat map as an inline SVG image labelled by its title and
// description. Every label, tag, colour and id is escaped.
func (h HeatMap) SVG() template.HTML {
	esc := template.HTMLEscapeString
	id := esc(h.ID)
	rows, cols := len(h.Rows), len(h.Columns)
	var b strings.Builder
	width, height := left+cols*cellSize+10, top+rows*cellSize+60
	fmt.Fprintf(&b, `<svg class="app-heatmap" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, width, height, width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s heat map</title>`, id, esc(h.Title))
	for r, label := range h.Rows {
		y := top + r*cellSize
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#212b32">%s</text>`, left-8, y+cellSize/2+4, esc(label))
		for c := range h.Columns {
			cl := h.cell(r, c)
			fill := cl.Fill
			if fill == "" {
				fill = "#ffffff"
			}
			x := left + c*cellSize
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#4c6272" stroke-width="1"/>`, x, y, cellSize, cellSize, esc(fill))
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#212b32">%s</text>`, x+5, y+14, esc(cl.Tag))
			if cl.Count != 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="24" font-weight="bold" fill="#212b32">%d</text>`, x+cellSize/2, y+cellSize/2+10, cl.Count)
			}
		}
	}
	for c, label := range h.Columns {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="#212b32">%s</text>`, left+c*cellSize+cellSize/2, top+rows*cellSize+18, esc(label))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" fill="#212b32">%s</text>`, left+cols*cellSize/2, top+rows*cellSize+42, esc(h.ColumnAxis))
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#212b32">%s</text>`, 4, top-10, esc(h.RowAxis))
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc></svg>`, id, esc(h.description()))
	return template.HTML(b.String()) // every piece of text above is escaped
}
