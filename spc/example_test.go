package spc_test

import (
	"fmt"
	"time"

	"github.com/clinsafe/clinsafe/spc"
)

// The worked example of NHSRplotthedots' vignette "Deviations from Excel
// defaults", with the reference's screening and with the Excel tool's.
func ExampleXmR() {
	y := []float64{1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1}
	x := make([]time.Time, len(y))
	for i := range x {
		x[i] = time.Date(2021, 3, 22+i, 0, 0, 0, 0, time.UTC)
	}
	for _, s := range []spc.Screening{spc.ScreenDefault, spc.NoScreening} {
		r, err := spc.XmR(x, y, spc.Options{Screening: s})
		if err != nil {
			fmt.Println(err)
			return
		}
		p := r.Points[4]
		fmt.Printf("UPL %.2f mean %.2f LPL %.2f; %s on %s: %s (%s); variation %s\n",
			p.UPL, p.Mean, p.LPL, fmt.Sprint(p.Y), p.X.Format("2 Jan"), p.Type, p.Rule.Name(), r.Variation)
	}
	_, err := spc.XmR(x[:1], y[:1], spc.Options{})
	fmt.Println(err)
	// Output:
	// UPL 4.60 mean 1.94 LPL -0.72; 10 on 26 Mar: special_cause_improvement (outside_limits); variation common_cause
	// UPL 6.95 mean 1.94 LPL -3.06; 10 on 26 Mar: special_cause_improvement (outside_limits); variation common_cause
	// spc: y: too few points: a chart needs at least 2 points, there is 1
}
