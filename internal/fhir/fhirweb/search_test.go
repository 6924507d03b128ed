package fhirweb_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/clinsafe/clinsafe/internal/events/eventsdb"
	"github.com/clinsafe/clinsafe/internal/store"
	"github.com/clinsafe/clinsafe/internal/storetest"
	"github.com/clinsafe/clinsafe/internal/webtest"
)

// Paging follows next links without gaps or repeats while events are
// being written, and never shows what was written after the first page.
func TestFHIRSearchPagingWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		f := webtest.NewFixture(t, st)
		c := newClient(t, f, "A/handler", "AdverseEvent.read", "AdverseEvent.write")
		want := map[string]bool{}
		for i := range 7 {
			code, _, body := c.do("POST", "/AdverseEvent", incident(t, fmt.Sprintf("Paged event %d", i)))
			if code != 201 {
				t.Fatalf("create %d: %d %s", i, code, body)
			}
			want[decodeAE(t, body).ID] = true
		}
		seen := map[string]int{}
		next := "/AdverseEvent?_count=3&location=ward%207"
		pages := 0
		var wg sync.WaitGroup
		for next != "" {
			code, _, body := c.do("GET", next, "")
			if code != 200 {
				t.Fatalf("page %d: %d %s", pages, code, body)
			}
			bd := decodeBundle(t, body)
			for _, e := range bd.Entry {
				seen[e.FullURL[strings.LastIndex(e.FullURL, "/")+1:]]++
			}
			next = ""
			for _, l := range bd.Link {
				if l.Relation == "next" {
					next = l.URL
				}
			}
			pages++
			// Others write while the client pages.
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.do("POST", "/AdverseEvent", incident(t, "Written while paging"))
			}()
			wg.Wait()
		}
		if pages != 3 {
			t.Errorf("%d pages of 3 for 7 events", pages)
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("event %s seen %d times", id, seen[id])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("saw %d events, want the %d there at the first page", len(seen), len(want))
		}

		// Search parameters.
		for q, n := range map[string]int{
			"event=1": 10, "category=3": 0, "status=submitted": 10, "status=closed": 0,
			"date=ge" + storetest.FixedTime.AddDate(0, 0, -3).Format("2006-01-02"): 10, "date=lt2020-01-01": 0,
			"_lastUpdated=ge2000-01-01": 10, "location=Ward 9": 0, "identifier=PSE-2099-000001": 0,
		} {
			code, _, body := c.do("GET", "/AdverseEvent?_count=100&"+strings.ReplaceAll(q, " ", "%20"), "")
			if bd := decodeBundle(t, body); code != 200 || len(bd.Entry) != n {
				t.Errorf("search %s: %d, %d entries, want %d", q, code, len(bd.Entry), n)
			}
		}
		// A handler's change in the web pages makes a version that vread keeps.
		var id string
		for k := range want {
			id = k
			break
		}
		e, err := eventsdb.New(st).Get(storetest.As(f.Users["A/handler"]), f.OrgA.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		notes := "Looked at"
		if _, err := eventsdb.New(st).Update(storetest.As(f.Users["A/handler"]), f.OrgA.ID, id, eventsdb.Update{Version: e.Version, Notes: &notes}); err != nil {
			t.Fatal(err)
		}
		if code, _, body := c.do("GET", fmt.Sprintf("/AdverseEvent/%s/_history/%d", id, e.Version), ""); code != 200 || !strings.Contains(string(body), fmt.Sprintf(`"versionId":"%d"`, e.Version)) {
			t.Errorf("vread of the version before the web change: %d %s", code, body)
		}
		if code, hdr, _ := c.do("GET", "/AdverseEvent/"+id, ""); code != 200 || hdr.Get("ETag") != fmt.Sprintf(`W/"%d"`, e.Version+1) {
			t.Errorf("read after the web change: %d %s", code, hdr.Get("ETag"))
		}
	})
}
