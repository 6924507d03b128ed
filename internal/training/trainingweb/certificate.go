package trainingweb

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/clinsafe/clinsafe/internal/clock"
)

// Certificate is what a training certificate says.
type Certificate struct {
	Name, Org, Course string
	CompletedAt       time.Time
	ExpiresAt         *time.Time
	Code              string
	VerifyURL         string
	// Uncompressed leaves the page readable (tests).
	Uncompressed bool
}

var cp1252 = sync.OnceValue(func() func(string) string {
	return fpdf.New("L", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
})

// certificatePDF draws c as a one-page A4 landscape certificate.
func certificatePDF(w io.Writer, c Certificate) error {
	tr := cp1252()
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCompression(!c.Uncompressed)
	pdf.SetTitle(tr("Certificate: "+c.Course), false)
	pdf.SetCreator("clinsafe", true)
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(false, 20)
	pdf.AddPage()
	pdf.SetDrawColor(0, 94, 184) // NHS blue
	pdf.SetLineWidth(1.5)
	pdf.Rect(12, 12, 273, 186, "D")
	line := func(size float64, style, s string, h float64) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(0, h, tr(s), "", "C", false)
	}
	pdf.SetY(35)
	pdf.SetTextColor(0, 94, 184)
	line(30, "B", "Certificate of completion", 14)
	pdf.SetTextColor(33, 43, 50)
	pdf.Ln(6)
	line(13, "", "This certifies that", 8)
	line(24, "B", c.Name, 12)
	line(13, "", "of "+c.Org, 8)
	pdf.Ln(4)
	line(13, "", "completed the course", 8)
	line(19, "B", c.Course, 10)
	pdf.Ln(4)
	line(13, "", "on "+c.CompletedAt.In(clock.London).Format("2 January 2006"), 8)
	if c.ExpiresAt != nil {
		line(11, "", "Valid until "+c.ExpiresAt.In(clock.London).Format("2 January 2006"), 7)
	}
	pdf.SetY(160)
	line(11, "", "Verification code", 6)
	pdf.SetFont("Courier", "B", 16)
	pdf.MultiCell(0, 9, c.Code, "", "C", false)
	line(10, "", fmt.Sprintf("Check this certificate at %s by entering the code.", c.VerifyURL), 6)
	return pdf.Output(w)
}
